"""The dynamical systems sadyn studies: looped self-attention maps ``X -> X_next`` on ``(..., S, D)`` states.

:data:`SUDOKU_DYNAMICS` is the registry :class:`~sadyn.solver.SudokuSolver`, its config and the ``sadyn train``
flags read: a Sudoku dynamics is its own file here plus one entry there (a builder, its norms, its state scale).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn

from ..parametrize import tie_symmetric
from ._base import LoopedModel as LoopedModel
from .akorn import AKOrN as AKOrN
from .energy_sa import EnergySA as EnergySA
from .itrsa import ItrSA as ItrSA
from .toy import OscillatorToy as OscillatorToy

__all__ = [
    "LoopedModel",
    "ItrSA",
    "AKOrN",
    "EnergySA",
    "OscillatorToy",
    "SudokuDynamics",
    "SUDOKU_DYNAMICS",
    "register_sudoku_dynamics",
]


def _norm_projection(block: Any, X: Tensor) -> Tensor:
    return block.norm(X)


@dataclass(frozen=True)
class SudokuDynamics:
    """How a :class:`~sadyn.solver.SudokuSolver` builds and scales one kind of recurrent block.

    ``build(config, generator)`` returns the block (a :class:`LoopedModel` taking ``(X, C)``) from a resolved
    :class:`~sadyn.solver.ModelConfig` (norm and gamma filled in). ``norms``: the allowed ``norm`` values, the
    first being the default. ``state_rms(config)``: the RMS entry size of a state on the block's manifold (scale
    of the embeddings and of the initial noise). ``default_gamma(config)``: gamma when the config gives none.
    ``project(block, X)``: put X_0 on the manifold. ``heads``: the required head count (None = any).
    """

    build: Callable[[Any, torch.Generator], nn.Module]
    norms: tuple[str | None, ...]
    state_rms: Callable[[Any], float]
    help: str
    default_gamma: Callable[[Any], float] = lambda config: 1.0
    project: Callable[[Any, Tensor], Tensor] = _norm_projection
    heads: int | None = None


def _itrsa(c: Any, g: torch.Generator) -> nn.Module:
    return ItrSA(c.dim, c.heads, norm=c.norm, gamma=c.gamma, group=c.group, eta=c.eta, generator=g)


def _akorn(c: Any, g: torch.Generator) -> nn.Module:
    return AKOrN(
        c.dim,
        c.heads,
        oscillator_dim=c.oscillator_dim,
        norm=c.norm,
        gamma=c.gamma,
        omega=c.omega,
        eta=c.eta,
        generator=g,
    )


def _energy(c: Any, g: torch.Generator) -> nn.Module:
    block = EnergySA(c.dim, 1, dt=c.dt, condition="symmetric", project=True, generator=g)
    tie_symmetric(block.attention)  # A = V symmetric at every step (eq. (4))
    return block


#: The Sudoku dynamics by name (``SudokuSolver(dynamics=name)``, ``sadyn train --dynamics name``): how each builds
#: its block, which normalizations it allows and its state scale; extend it with :func:`register_sudoku_dynamics`.
SUDOKU_DYNAMICS: dict[str, SudokuDynamics] = {
    "itrsa": SudokuDynamics(
        _itrsa,
        norms=("rms", "sphere", "layer", None),
        state_rms=lambda c: 1.0 if c.norm is None else c.gamma / math.sqrt(c.dim if c.group is None else c.group),
        default_gamma=lambda c: math.sqrt(c.dim) if c.group is None else 1.0,
        help="ItrSA, eq. (9); norm None is the paper's unstable unnormalized model",
    ),
    "akorn": SudokuDynamics(
        _akorn,
        norms=("sphere", "rms"),
        state_rms=lambda c: c.gamma / math.sqrt(c.oscillator_dim),
        help="AKOrN, eqs. (7)-(8): oscillators of size oscillator_dim on spheres",
    ),
    "energy": SudokuDynamics(
        _energy,
        norms=("sphere",),
        state_rms=lambda c: 1.0 / math.sqrt(c.dim),
        project=lambda block, X: block.normalize(X),
        heads=1,
        help="symmetric single-head energy-based SA, eq. (4), Euler step dt on the sphere",
    ),
}


def register_sudoku_dynamics(name: str, dynamics: SudokuDynamics) -> None:
    """Add a Sudoku dynamics under ``name`` (refuses to replace an entry); the solver and the CLI see it at once."""
    if not isinstance(dynamics, SudokuDynamics):
        raise TypeError(f"`dynamics` must be a SudokuDynamics, got {type(dynamics).__name__}.")
    if not isinstance(name, str) or not name or name in SUDOKU_DYNAMICS:
        raise ValueError(f"`name` must be a new non-empty string, got {name!r} (taken: {sorted(SUDOKU_DYNAMICS)}).")
    SUDOKU_DYNAMICS[name] = dynamics
