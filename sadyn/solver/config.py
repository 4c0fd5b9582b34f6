"""The two configurations of the Sudoku stack, each one frozen dataclass and the one source of its defaults.

:class:`ModelConfig` holds every :class:`~sadyn.solver.SudokuSolver` argument (default, help text, allowed values);
the solver's signature, :class:`TrainConfig`, checkpoints, manifests and the ``sadyn train`` flags read it.
:class:`TrainConfig` holds everything else that determines a training run. Both turn into command-line flags and
back (:meth:`TrainConfig.to_argv` / :meth:`TrainConfig.from_argv`, built by :mod:`sadyn.solver._flags`), so the
command stored in a checkpoint names every option and still means the same run when defaults change.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, Literal

import numpy as np

from ..dynamics import SUDOKU_DYNAMICS
from .regularizers import REGULARIZERS

__all__ = ["ModelConfig", "TrainConfig", "POSITIONS", "LOSSES", "RESUMABLE_KEYS", "count", "optional_count"]

Positions = Literal["units", "cells", "none", "rotary"]
Norm = Literal["default", "rms", "sphere", "layer"]
Loss = Literal["all", "blanks"]
POSITIONS: tuple[str, ...] = ("units", "cells", "none", "rotary")
LOSSES: tuple[str, ...] = ("all", "blanks")
Schedule = Literal["constant", "cosine"]
SCHEDULES: tuple[str, ...] = ("constant", "cosine")
# keys that may change when a run is resumed: they decide when to stop, not what each step does
RESUMABLE_KEYS = ("epochs",)


def count(value: object, name: str, *, minimum: int = 1) -> int:
    """``value`` as an int >= ``minimum``; bools and non-integers are refused with a message naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"`{name}` must be an integer >= {minimum}, got {name}={value!r}.")
    return int(value)


def optional_count(value: object, name: str, *, minimum: int = 1) -> int | None:
    """None, or ``value`` as an int >= ``minimum`` (see :func:`count`)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"`{name}` must be an integer >= {minimum} or None, got {name}={value!r}.")
    return int(value)


def real(value: object, name: str, *, positive: bool = False, optional: bool = False, allow_zero: bool = False):
    """``value`` as a finite float (positive if asked; None allowed if ``optional``); bools are refused."""
    if optional and value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"`{name}` must be a number, got {name}={value!r}.")
    v = float(value)
    if not math.isfinite(v) or (positive and (v < 0 or (v == 0 and not allow_zero))):
        need = "a finite number" if not positive else ("a finite number >= 0" if allow_zero else "a finite number > 0")
        raise ValueError(f"`{name}` must be {need}, got {name}={value!r}.")
    return v


def _f(default: Any, help: str, choices: Any = None) -> Any:
    return field(default=default, metadata={"help": help, "choices": choices})


def dynamics_names() -> tuple[str, ...]:
    """The registered Sudoku dynamics (:data:`sadyn.dynamics.SUDOKU_DYNAMICS`), in registry order."""
    return tuple(SUDOKU_DYNAMICS)


def _norm_choices() -> tuple[str | None, ...]:
    seen: dict[str | None, None] = {"default": None}
    for entry in SUDOKU_DYNAMICS.values():
        seen.update(dict.fromkeys(entry.norms))
    return tuple(seen)


@dataclass(frozen=True)
class ModelConfig(Mapping):
    """Every :class:`~sadyn.solver.SudokuSolver` argument. A read-only mapping too: ``SudokuSolver(**config)``.

    ``norm="default"`` and ``gamma=None`` mean "the dynamics' default"; :meth:`resolved` fills them in.
    """

    dim: int = _f(128, "D, token dimension")
    heads: int = _f(8, "H, attention heads (1 for dynamics 'energy')")
    size: int = _f(9, "board side (4 or 9; 16 works)")
    dynamics: str = _f("itrsa", "the recurrent block (sadyn.dynamics.SUDOKU_DYNAMICS)", dynamics_names)
    norm: Norm | None = _f(
        "default", "rms | sphere | layer | none; 'default': rms for itrsa, sphere else", _norm_choices
    )
    oscillator_dim: int = _f(4, "N, AKOrN oscillator size and size of the readout's amplitudes")
    group: int | None = _f(None, "itrsa: normalize chunks of this many channels instead of whole tokens")
    gamma: float | None = _f(None, "initial RMS gain (none: sqrt(D) for token-wise itrsa, else 1)")
    positions: Positions = _f(
        "units", "row+column+box embeddings, one per cell, none, or rotary (2-D, inside the attention)", POSITIONS
    )
    omega: float = _f(0.5, "AKOrN's initial natural frequency")
    eta: float = _f(1.0, "initial step size")
    dt: float = _f(0.5, "EnergySA's Euler step")
    orthogonal_values: bool = _f(False, "keep the concatenated W^V, W^O orthogonal (E-multi setup)")
    readout_features: int | None = _f(None, "R, number of readout amplitudes (none: D)")
    seed: int = _f(0, "seed of the initial weights")

    def __post_init__(self) -> None:
        from ..sudoku import cell_units

        set_ = lambda k, v: object.__setattr__(self, k, v)  # noqa: E731
        for name in ("dim", "heads", "size", "oscillator_dim"):
            set_(name, count(getattr(self, name), name))
        for name in ("group", "readout_features"):
            set_(name, optional_count(getattr(self, name), name))
        set_("seed", count(self.seed, "seed", minimum=0))
        set_("gamma", real(self.gamma, "gamma", positive=True, optional=True))
        set_("omega", real(self.omega, "omega"))
        set_("eta", real(self.eta, "eta", positive=True))
        set_("dt", real(self.dt, "dt", positive=True))
        if not isinstance(self.orthogonal_values, bool):
            raise TypeError(f"`orthogonal_values` must be True or False, got {self.orthogonal_values!r}.")
        cell_units(self.size)  # validates size
        if self.dynamics not in SUDOKU_DYNAMICS:
            raise ValueError(f"`dynamics` must be one of {dynamics_names()}, got dynamics={self.dynamics!r}.")
        if self.positions not in POSITIONS:
            raise ValueError(f"`positions` must be one of {POSITIONS}, got positions={self.positions!r}.")
        entry = SUDOKU_DYNAMICS[self.dynamics]
        if self.positions == "rotary":
            if self.dynamics == "energy":
                raise ValueError(
                    "positions='rotary' turns queries and keys per cell, so W^Q W^K^T is no longer the symmetric "
                    "value map and the energy-based model loses its energy; use positions='units' for "
                    "dynamics='energy'."
                )
            if self.dim % self.heads or (self.dim // self.heads) % 4:
                raise ValueError(
                    f"positions='rotary' needs a head dimension dim / heads divisible by 4 (channel pairs for rows "
                    f"and for columns), got dim={self.dim}, heads={self.heads}."
                )
        if self.norm != "default" and self.norm not in entry.norms:
            raise ValueError(
                f"`norm` must be one of {entry.norms} for dynamics={self.dynamics!r}, got norm={self.norm!r}."
            )
        if entry.heads is not None and self.heads != entry.heads:
            raise ValueError(
                f"dynamics={self.dynamics!r} ({entry.help}) is a {entry.heads}-head model: use heads={entry.heads}, "
                f"got heads={self.heads}."
            )
        if self.dim % self.oscillator_dim:
            raise ValueError(
                f"`dim` must be divisible by `oscillator_dim` (readout amplitudes), got dim={self.dim}, "
                f"oscillator_dim={self.oscillator_dim}."
            )

    # ------------------------------------------------------------------ mapping (read-only)
    def __getitem__(self, key: str) -> Any:
        if key not in self._names():
            raise KeyError(key)
        return getattr(self, key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())

    @classmethod
    def _names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    # ------------------------------------------------------------------ conversions
    def resolved(self) -> ModelConfig:
        """The same config with ``norm`` and ``gamma`` set to the dynamics' defaults where they say "default"."""
        entry = SUDOKU_DYNAMICS[self.dynamics]
        norm = entry.norms[0] if self.norm == "default" else self.norm
        out = replace(self, norm=norm)  # type: ignore[arg-type]  # a registry norm (str) is a valid value
        return out if self.gamma is not None else replace(out, gamma=float(entry.default_gamma(out)))

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able values."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ModelConfig:
        """Inverse of :meth:`to_dict`; unknown keys raise a ``ValueError`` naming them."""
        if isinstance(data, ModelConfig):
            return data
        if not isinstance(data, Mapping):
            raise TypeError(f"a model config must be a dict or a ModelConfig, got {type(data).__name__}.")
        unknown = sorted(set(data) - set(cls._names()))
        if unknown:
            raise ValueError(f"unknown SudokuSolver config keys {unknown}; known keys are {sorted(cls._names())}.")
        return cls(**data)


def _model_dict(model: Mapping[str, Any]) -> dict[str, Any]:
    """``model`` completed from :class:`ModelConfig`'s defaults, without ``seed`` (one canonical form per model)."""
    if not isinstance(model, Mapping):
        raise ValueError(f"`model` must be a dict of SudokuSolver arguments or a ModelConfig, got {model!r}.")
    if isinstance(model, ModelConfig):
        model = {k: v for k, v in model.to_dict().items() if k != "seed"}
    elif "seed" in model:
        raise ValueError(
            "`model` must not set 'seed': TrainConfig.seed seeds the weights, the shuffling and the noise."
        )
    full = ModelConfig.from_dict(model).to_dict()
    del full["seed"]
    return json.loads(json.dumps(full))


@dataclass(frozen=True)
class TrainConfig:
    """Everything that determines a training run (hardware and time budget aside).

    Arguments:
        model: the :class:`ModelConfig` (or a dict of its fields), e.g. ``{"dim": 128, "heads": 8, "size": 9}``;
            stored completed from the defaults, as a dict without ``seed`` (``seed`` below seeds the weights).

    Other arguments:
        dataset, ood_dataset: names in ``sadyn.sudoku.DATASETS``; train on ``dataset``'s "train" split (its last
            ``val_size`` puzzles held out for model selection), evaluate on the "test" splits.
        steps: T, loops during training. epochs, batch_size: the usual.
        lr: Adam learning rate, linearly warmed up over ``warmup_steps`` updates, then ``schedule``: "constant"
            or "cosine" (half a cosine down to ``lr_min`` at the last update of ``epochs``; :mod:`sadyn.solver.recipe`).
        grad_clip: max global gradient norm. ema: decay of the weight average used for evaluation (0 = off).
        seed: seeds weights, shuffling and the initial-state noise (every epoch re-derives its generators).
        regularizer: None or a name in :data:`sadyn.solver.regularizers.REGULARIZERS`, weighted by ``reg_weight``.
        loss_on: cross-entropy over "all" cells (AKOrN, the paper) or only "blanks".
        train_size: use only the first ``train_size`` training puzzles (None = all).
        augment: a random Sudoku symmetry per training puzzle and epoch (digit relabelling, row/column permutations
            within bands/stacks, band/stack permutations, transposition: :func:`sadyn.sudoku.augment_tokens`).
        init_from: a checkpoint whose EMA weights initialize the model (same model settings); its path and sha256
            are recorded in the run's checkpoints (``init_from``).
    """

    model: dict = field(default_factory=dict, metadata={"help": "the SudokuSolver arguments"})
    dataset: str = _f("sudoku9-id", "training set (default sudoku{size}-id)")
    ood_dataset: str | None = _f("sudoku9-ood", "OOD test set (default sudoku{size}-ood; 'none')")
    steps: int = _f(16, "T, loops during training")
    epochs: int = _f(100, "passes over the training set")
    batch_size: int = _f(50, "puzzles per update")
    lr: float = _f(1e-3, "Adam learning rate")
    warmup_steps: int = _f(0, "updates of linear learning-rate warm-up")
    grad_clip: float = _f(1.0, "max global gradient norm")
    ema: float = _f(0.995, "decay of the evaluated weight average (0 = off)")
    seed: int = _f(0, "seeds the weights, the shuffling and the noise")
    regularizer: str | None = _f(None, "penalty added to the loss (sadyn.solver.regularizers)", lambda: REGULARIZERS)
    reg_weight: float = _f(0.0, "lambda, weight of the regularizer")
    loss_on: Loss = _f("all", "cross-entropy over all cells or only the blanks", LOSSES)
    train_size: int | None = _f(None, "use only the first N training puzzles (none: all)")
    val_size: int = _f(500, "puzzles held out for validation")
    schedule: Schedule = _f("constant", "learning rate after the warm-up", SCHEDULES)
    lr_min: float = _f(0.0, "final learning rate of the cosine schedule")
    augment: bool = _f(False, "apply a random Sudoku symmetry to every training puzzle")
    init_from: str | None = _f(None, "checkpoint whose (EMA) weights start the run (fine-tuning)")

    def __post_init__(self) -> None:
        from ..sudoku import DATASETS

        object.__setattr__(self, "model", _model_dict(self.model))
        for name in ("dataset", "ood_dataset"):
            value = getattr(self, name)
            if (value is not None or name == "dataset") and value not in DATASETS:
                raise ValueError(f"`{name}` must be one of {tuple(DATASETS)}, got {value!r}.")
        size = DATASETS[self.dataset].size
        if self.model["size"] != size:
            raise ValueError(
                f"model size {self.model['size']} does not match dataset {self.dataset!r} (size {size}); "
                f"set model['size']={size} or pick a dataset of the model's size."
            )
        for name in ("steps", "epochs", "batch_size"):
            count(getattr(self, name), name)
        count(self.val_size, "val_size", minimum=0)
        count(self.warmup_steps, "warmup_steps", minimum=0)
        count(self.seed, "seed", minimum=0)
        optional_count(self.train_size, "train_size")
        real(self.lr, "lr", positive=True)
        real(self.grad_clip, "grad_clip", positive=True)
        if not 0 <= real(self.ema, "ema") < 1:
            raise ValueError(f"`ema` must be in [0, 1) (0 turns the average off), got {self.ema}.")
        real(self.reg_weight, "reg_weight", positive=True, allow_zero=True)
        if self.schedule not in SCHEDULES:
            raise ValueError(f"`schedule` must be one of {SCHEDULES}, got schedule={self.schedule!r}.")
        real(self.lr_min, "lr_min", positive=True, allow_zero=True)
        if self.lr_min > self.lr:
            raise ValueError(f"`lr_min` must be <= `lr`, got lr_min={self.lr_min}, lr={self.lr}.")
        if not isinstance(self.augment, bool):
            raise TypeError(f"`augment` must be True or False, got augment={self.augment!r}.")
        if self.init_from is not None and not isinstance(self.init_from, str):
            raise TypeError(f"`init_from` must be a checkpoint path (str) or None, got {self.init_from!r}.")
        if self.loss_on not in LOSSES:
            raise ValueError(f"`loss_on` must be one of {LOSSES}, got loss_on={self.loss_on!r}.")
        if self.regularizer is not None:
            if self.regularizer not in REGULARIZERS:
                raise ValueError(
                    f"`regularizer` must be None or one of {tuple(REGULARIZERS)}, got regularizer={self.regularizer!r}."
                )
            heads = REGULARIZERS[self.regularizer].heads
            if heads is not None and self.model["heads"] != heads:
                raise ValueError(
                    f"regularizer={self.regularizer!r} is for {'single-head' if heads == 1 else f'{heads}-head'} models "
                    f"({REGULARIZERS[self.regularizer].help}), got heads={self.model['heads']}; use 'e_multi'."
                )

    @property
    def model_config(self) -> ModelConfig:
        """The :class:`ModelConfig` of the run (``seed`` = this config's seed)."""
        return ModelConfig(**self.model, seed=self.seed)

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

    @classmethod
    def paper(cls, dynamics: str = "itrsa", **changes: Any) -> TrainConfig:
        """The paper's Sudoku setting (Table S.1): D = 512, H = 8, T = 16 training loops, batch 100, 100 epochs,
        Adam at the learning rate the AKOrN authors' commands use (1e-3 for AKOrN, 5e-4 for ItrSA; the paper
        tunes it over {1e-6, 5e-6, ..., 1e-3}), AKOrN with N = 4 oscillators; ``changes`` override any field.

        Meant for ``device="cuda"``. Cost, counted with ``torch.utils.flop_counter.FlopCounterMode``: one update of
        100 boards is 0.96 TFLOP (forward + backward, 16 loops); 90 updates per epoch and 100 epochs make 8.6 PFLOP
        per run. One CPU thread of the project's 2-core machine took 86 s per update (about 215 hours per run); a
        data-centre GPU needs minutes to an hour per run depending on how well it runs these small kernels (not
        measured here). Sweeps over variants and seeds: :mod:`sadyn.solver.sweep`.
        """
        model = {"dim": 512, "heads": 8, "size": 9, "dynamics": dynamics}
        if dynamics == "akorn":
            model["oscillator_dim"] = 4
        base: dict[str, Any] = dict(
            model=model,
            dataset="sudoku9-id",
            ood_dataset="sudoku9-ood",
            steps=16,
            epochs=100,
            batch_size=100,
            lr=1e-3 if dynamics == "akorn" else 5e-4,
        )
        return cls(**{**base, **changes})

    # ------------------------------------------------------------------ JSON and flags
    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able values (what checkpoints store)."""
        return json.loads(json.dumps(asdict(self)))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TrainConfig:
        """Inverse of :meth:`to_dict`; unknown keys raise a ``ValueError`` naming them."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown TrainConfig keys {unknown}; known keys are {sorted(known)}.")
        return cls(**data)

    def to_argv(self) -> list[str]:
        """``sadyn train`` flags that rebuild this config exactly (every option explicit; no ``--out``)."""
        from ._flags import config_to_argv

        return config_to_argv(self)

    @classmethod
    def from_argv(cls, argv: Sequence[str]) -> TrainConfig:
        """Inverse of :meth:`to_argv`; also reads a whole recorded command (``sadyn train --out DIR ...``)."""
        from ._flags import config_from_argv

        return config_from_argv(argv)

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
