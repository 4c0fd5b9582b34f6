"""Where a training run stands (:class:`Progress`) and the running sums of the epoch in progress (:class:`EpochStats`).

Checkpoints store ``Progress.to_dict()``: ``{"epoch", "batch", "update", "elapsed_s", "noise_rng"}`` plus, in the
middle of an epoch, ``"sums": [loss, cell accuracy, batches, non-finite steps]`` (the format of sadyn 0.1, kept so
that old and new checkpoints resume alike).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from torch import Tensor

__all__ = ["EpochStats", "Progress"]


@dataclass
class EpochStats:
    """Sums over the batches of one epoch: loss (finite ones only), blank-cell accuracy, batches, non-finite steps."""

    loss_sum: float = 0.0
    cell_sum: float = 0.0
    batches: int = 0
    nonfinite: int = 0

    def add(self, loss: float, cell: float, finite: bool) -> None:
        """Count one batch; a non-finite loss or gradient (a skipped update) adds to ``nonfinite``."""
        self.loss_sum += loss if math.isfinite(loss) else 0.0
        self.cell_sum += cell
        self.batches += 1
        self.nonfinite += 0 if finite else 1

    def row(self) -> dict[str, Any]:
        """The epoch's history entries: mean loss over finite steps, mean cell accuracy, non-finite steps."""
        return {
            "loss": self.loss_sum / max(self.batches - self.nonfinite, 1),
            "train_cell": self.cell_sum / max(self.batches, 1),
            "nonfinite": self.nonfinite,
        }

    def to_list(self) -> list:
        return [self.loss_sum, self.cell_sum, self.batches, self.nonfinite]

    @classmethod
    def from_list(cls, sums: list | None) -> EpochStats:
        if not sums:
            return cls()
        loss, cell, batches, nonfinite = sums
        return cls(float(loss), float(cell), int(batches), int(nonfinite))


@dataclass
class Progress:
    """Epochs done, batch reached in the current epoch, updates made, training seconds, and the noise RNG state."""

    epoch: int = 0
    batch: int = 0
    update: int = 0
    elapsed_s: float = 0.0
    noise_rng: Tensor | None = None
    stats: EpochStats = field(default_factory=EpochStats)

    def end_epoch(self) -> None:
        """Move to the start of the next epoch."""
        self.epoch, self.batch, self.noise_rng, self.stats = self.epoch + 1, 0, None, EpochStats()

    def to_dict(self) -> dict[str, Any]:
        """What a checkpoint stores (``sums`` only in the middle of an epoch, as sadyn 0.1 wrote it)."""
        out: dict[str, Any] = {
            "epoch": self.epoch,
            "batch": self.batch,
            "update": self.update,
            "elapsed_s": self.elapsed_s,
            "noise_rng": self.noise_rng,
        }
        if self.batch > 0:
            out["sums"] = self.stats.to_list()
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Progress:
        """Read a checkpoint's progress dict (any sadyn version so far)."""
        return cls(
            epoch=int(data["epoch"]),
            batch=int(data["batch"]),
            update=int(data["update"]),
            elapsed_s=float(data["elapsed_s"]),
            noise_rng=data.get("noise_rng"),
            stats=EpochStats.from_list(data.get("sums")),
        )
