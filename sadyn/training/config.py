"""The training configuration: one frozen dataclass of plain JSON values, stored in every checkpoint."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from .._checks import check_in, check_positive

__all__ = ["TrainConfig", "LOSSES", "RESUMABLE_KEYS"]

LOSSES = ("all", "blanks")
# keys that may change when a run is resumed: they decide when to stop, not what each step does
RESUMABLE_KEYS = ("epochs",)


@dataclass(frozen=True)
class TrainConfig:
    """Everything that determines a training run (hardware and time budget aside).

    Arguments:
        model: the :class:`~sadyn.models.SudokuSolver` arguments (``SudokuSolver(**model)``), e.g.
            ``{"dim": 128, "heads": 8, "size": 9, "dynamics": "itrsa", "norm": "rms"}``.

    Other arguments:
        dataset, ood_dataset: names in ``sadyn.sudoku.DATASETS``; train on ``dataset``'s "train" split (its last
            ``val_size`` puzzles held out for model selection), evaluate on the "test" splits.
        steps: T, loops during training. epochs, batch_size: the usual.
        lr: Adam learning rate, linearly warmed up over ``warmup_steps`` updates, then constant.
        grad_clip: max global gradient norm. ema: decay of the weight average used for evaluation (0 = off).
        seed: seeds weights, shuffling and the initial-state noise (every epoch re-derives its generators).
        regularizer: None, "spectral", "e_single" or "e_multi" (:mod:`sadyn.regularizers`), weighted by ``reg_weight``.
        loss_on: cross-entropy over "all" cells (AKOrN, the paper) or only "blanks".
        train_size: use only the first ``train_size`` training puzzles (None = all).
    """

    model: dict = field(default_factory=dict)
    dataset: str = "sudoku9-id"
    ood_dataset: str | None = "sudoku9-ood"
    steps: int = 16
    epochs: int = 100
    batch_size: int = 50
    lr: float = 1e-3
    warmup_steps: int = 0
    grad_clip: float = 1.0
    ema: float = 0.995
    seed: int = 0
    regularizer: str | None = None
    reg_weight: float = 0.0
    loss_on: str = "all"
    train_size: int | None = None
    val_size: int = 500

    def __post_init__(self) -> None:
        from ..sudoku import DATASETS

        if not isinstance(self.model, dict) or "dim" not in self.model or "heads" not in self.model:
            raise ValueError(
                f"`model` must be a dict of SudokuSolver arguments with at least 'dim' and 'heads', got {self.model!r}."
            )
        object.__setattr__(self, "model", _full_model_config(self.model))
        for name in ("dataset", "ood_dataset"):
            value = getattr(self, name)
            if value is not None and value not in DATASETS:
                raise ValueError(f"`{name}` must be one of {tuple(DATASETS)}, got {value!r}.")
        size = DATASETS[self.dataset].size
        if self.model.get("size", 9) != size:
            raise ValueError(
                f"model size {self.model.get('size', 9)} does not match dataset {self.dataset!r} (size {size}); "
                f"set model['size']={size} or pick a dataset of the model's size."
            )
        for name in ("steps", "epochs", "batch_size", "val_size"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < (0 if name == "val_size" else 1):
                raise ValueError(f"`{name}` must be a positive integer, got {name}={v!r}.")
        if self.warmup_steps < 0:
            raise ValueError(f"`warmup_steps` must be >= 0, got {self.warmup_steps}.")
        check_positive(self.lr, "lr")
        check_positive(self.grad_clip, "grad_clip")
        if not 0 <= self.ema < 1:
            raise ValueError(f"`ema` must be in [0, 1) (0 turns the average off), got {self.ema}.")
        check_in(self.regularizer, "regularizer", (None, "spectral", "e_single", "e_multi"))
        check_positive(self.reg_weight, "reg_weight", allow_zero=True)
        check_in(self.loss_on, "loss_on", LOSSES)
        if self.regularizer == "e_single" and self.model["heads"] != 1:
            raise ValueError(
                f"regularizer='e_single' is for single-head models (Prop. 4.1), got heads={self.model['heads']}; use 'e_multi'."
            )
        if self.train_size is not None and self.train_size < 1:
            raise ValueError(f"`train_size` must be a positive integer or None, got {self.train_size}.")

    @classmethod
    def toy(cls, **changes: Any) -> TrainConfig:
        """The 4x4 configuration for a live notebook cell: ItrSA + RMSNorm, D=32, 4 heads, T=8, lr 3e-3, batch 64.

        On one idle core it reaches about 95% of validation boards in 20-30 s (13 epochs) and 98% in about
        35 s (20 epochs); ``changes`` override any field (``TrainConfig.toy(epochs=5)``).
        """
        base = dict(
            model={"dim": 32, "heads": 4, "size": 4},
            dataset="sudoku4-id",
            ood_dataset="sudoku4-ood",
            steps=8,
            epochs=20,
            batch_size=64,
            lr=3e-3,
        )
        return cls(**{**base, **changes})

    # ------------------------------------------------------------------ JSON
    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able values (what checkpoints store)."""
        return json.loads(json.dumps(asdict(self)))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        """Inverse of :meth:`to_dict`; unknown keys raise a ``ValueError`` naming them."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown TrainConfig keys {unknown}; known keys are {sorted(known)}.")
        return cls(**data)

    def differences(self, other: TrainConfig, *, ignore: tuple[str, ...] = ()) -> list[str]:
        """Human-readable ``key: ours != theirs`` lines for every differing key (model keys as ``model.key``)."""
        a, b = self.to_dict(), other.to_dict()
        out = []
        for key in sorted(set(a) | set(b)):
            if key in ignore:
                continue
            if key == "model":
                for k in sorted(set(a["model"]) | set(b["model"])):
                    if a["model"].get(k) != b["model"].get(k):
                        out.append(f"model.{k}: {a['model'].get(k)!r} != {b['model'].get(k)!r}")
            elif a.get(key) != b.get(key):
                out.append(f"{key}: {a.get(key)!r} != {b.get(key)!r}")
        return out


def _full_model_config(model: dict[str, Any]) -> dict[str, Any]:
    """``model`` with every SudokuSolver keyword filled in from its defaults (one canonical form per model)."""
    import inspect

    from ..models import SudokuSolver

    params = inspect.signature(SudokuSolver.__init__).parameters
    if "seed" in model:
        raise ValueError(
            "`model` must not set 'seed': TrainConfig.seed seeds the weights, the shuffling and the noise."
        )
    unknown = sorted(set(model) - set(params))
    if unknown:
        raise ValueError(
            f"unknown SudokuSolver arguments {unknown} in `model`; known ones are {sorted(set(params) - {'self', 'seed'})}."
        )
    full = {name: p.default for name, p in params.items() if name not in ("self", "seed")}
    return json.loads(json.dumps({**full, **model}))
