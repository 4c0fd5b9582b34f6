"""`Trajectory`: the states (and energies) of a rollout, with divergence reported rather than hidden."""

from __future__ import annotations

import operator
from dataclasses import dataclass

import torch
from torch import Tensor

__all__ = ["Trajectory"]


@dataclass(frozen=True)
class Trajectory:
    """States of ``steps`` iterations of a map, from ``X0`` inclusive.

    Attributes:
        states: ``(steps + 1, *X0.shape)``; ``states[t]`` is the state after t steps.
        energies: ``(steps + 1, *batch_shape)`` where the model defines an energy, else ``None``.
        diverged_at: ``None``, or the first step t whose state has a NaN or inf entry. From that step on the
            states (and energies) are NaN: the iteration stopped there instead of propagating garbage.
        energy_kind: ``"lyapunov"`` (a provable energy), ``"pseudo"`` (AKOrN's score) or ``None``.
    """

    states: Tensor
    energies: Tensor | None = None
    diverged_at: int | None = None
    energy_kind: str | None = None

    @property
    def steps(self) -> int:
        return self.states.shape[0] - 1

    @property
    def diverged(self) -> bool:
        return self.diverged_at is not None

    @property
    def final(self) -> Tensor:
        """The last finite state."""
        last = self.steps if self.diverged_at is None else self.diverged_at - 1
        return self.states[last]

    def energy_decreasing(self, atol: float = 0.0) -> bool:
        """True when the energy never increases by more than ``atol`` from one step to the next."""
        if self.energies is None:
            raise ValueError("this trajectory has no energies: the model defines none.")
        diff = self.energies[1:] - self.energies[:-1]
        return bool((diff <= atol).all())

    def __repr__(self) -> str:
        shape = tuple(self.states.shape[1:])
        status = "finite" if self.diverged_at is None else f"diverged at step {self.diverged_at}"
        energy = "" if self.energies is None else ", with energies"
        return f"Trajectory(steps={self.steps}, state_shape={shape}{energy}, {status})"


def collect(step, X0: Tensor, steps: int, energy=None, energy_kind: str | None = None) -> Trajectory:
    """Iterate ``step`` from X0 without gradients; stop at the first non-finite state (see `Trajectory`)."""
    try:
        steps = operator.index(steps)
    except TypeError:
        raise TypeError(f"`steps` must be a positive integer, got {steps!r} of type {type(steps).__name__}.") from None
    if steps < 1:
        raise ValueError(f"`steps` must be a positive integer, got steps={steps}.")
    states = X0.new_full((steps + 1, *X0.shape), float("nan"))
    batch = X0.shape[:-2]
    energies = None if energy is None else X0.new_full((steps + 1, *batch), float("nan"))
    diverged_at = None
    with torch.no_grad():
        X = X0
        for t in range(steps + 1):
            if t > 0:
                X = step(X)
                if not bool(torch.isfinite(X).all()):
                    diverged_at = t
                    break
            states[t] = X
            if energies is not None:
                energies[t] = energy(X)
    kind = energy_kind if energies is not None else None
    return Trajectory(states=states, energies=energies, diverged_at=diverged_at, energy_kind=kind)
