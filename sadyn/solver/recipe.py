"""The parts of the training recipe beyond plain Adam: the learning-rate schedule, Sudoku symmetry augmentation of
each batch, and initialization from a checkpoint (fine-tuning).

Every random choice here is a pure function of (seed, epoch, batch), so a resumed run makes exactly the updates
of an uninterrupted one (``tests/test_training.py``).
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from .checkpoint import CheckpointError, load_checkpoint
from .config import TrainConfig
from .integrity import weights_digest

__all__ = ["learning_rate", "augment_batch", "init_from_checkpoint"]


def learning_rate(config: TrainConfig, update: int, total: int) -> float:
    r"""The learning rate of update ``update`` (0-based) of ``total``.

    Linear warm-up :math:`\eta_u = \eta\,\min(1, (u+1)/u_w)` over ``warmup_steps`` = :math:`u_w` updates, then
    ``schedule="constant"`` keeps :math:`\eta`, and ``"cosine"`` decays as
    :math:`\eta_{\min} + \tfrac12(\eta - \eta_{\min})(1 + \cos(\pi\,\tfrac{u - u_w}{\mathrm{total} - u_w}))`,
    reaching ``lr_min`` at the last update of ``epochs``.
    """
    lr = config.lr * min(1.0, (update + 1) / max(config.warmup_steps, 1))
    if config.schedule == "cosine" and update >= config.warmup_steps:
        frac = min(1.0, (update - config.warmup_steps) / max(total - config.warmup_steps, 1))
        lr = config.lr_min + 0.5 * (config.lr - config.lr_min) * (1.0 + math.cos(math.pi * frac))
    return lr


def augment_batch(
    config: TrainConfig, digits: Tensor, targets: Tensor, epoch: int, batch: int
) -> tuple[Tensor, Tensor]:
    """One random Sudoku symmetry per puzzle (:func:`sadyn.sudoku.augment_tokens`), drawn from a generator seeded
    by (seed, epoch, batch): the same batch of a resumed run gets the same transforms."""
    from ..sudoku import augment_tokens

    rng = np.random.default_rng([int(config.seed), int(epoch), int(batch), 2])
    d, t = augment_tokens(digits.cpu().numpy(), targets.cpu().numpy(), int(config.model["size"]), rng)
    return torch.from_numpy(d), torch.from_numpy(t)


def init_from_checkpoint(config: TrainConfig, model: nn.Module, ema: nn.Module) -> dict[str, Any]:
    """Load the (EMA) weights of ``config.init_from`` into ``model`` and ``ema``; returns ``{"path", "sha256",
    "weights_sha256"}``: the file's sha256 and :func:`~sadyn.solver.integrity.weights_digest` of the weights loaded
    (the start stays recognisable after the file is re-saved, e.g. shipped without its optimizer state).

    The checkpoint's model must have the same settings as ``config.model`` (its seed aside)."""
    path = Path(str(config.init_from)).expanduser()
    if not path.is_file():
        raise CheckpointError(f"`init_from` is {str(path)!r}, which is not a file; pass a checkpoint (.pt) path.")
    ckpt = load_checkpoint(path)
    theirs = {k: v for k, v in (ckpt.get("model_config") or {}).items() if k != "seed"}
    ours = {k: v for k, v in model.config().items() if k != "seed"}  # type: ignore[operator]
    if theirs != ours:
        diff = sorted(k for k in set(theirs) | set(ours) if theirs.get(k) != ours.get(k))
        raise CheckpointError(
            f"`init_from` {path} holds a model with other settings ({', '.join(diff)}); use the same model config."
        )
    weights = ckpt.get("ema") or ckpt["model"]
    model.load_state_dict(weights)
    ema.load_state_dict(weights)
    return {
        "path": str(config.init_from),
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "weights_sha256": weights_digest(weights),
    }
