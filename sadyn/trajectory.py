"""`Trajectory`: the states (and energies) of a rollout, with divergence reported rather than hidden."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from ._validate import check_count

__all__ = ["Trajectory"]


@dataclass(frozen=True)
class Trajectory:
    """States of ``steps`` iterations of a map, from ``X0`` inclusive.

    Attributes:
        states: ``(steps + 1, *X0.shape)``; ``states[t]`` is the state after t steps.
        energies: ``(steps + 1, *batch_shape)`` where the model defines an energy, else ``None``.
        diverged_at: ``None``, or the first step t whose state has a NaN or inf entry, or whose energy overflows
            the dtype (e.g. ``exp`` of growing tokens in EnergySA without projection). From that step on the
            states (and energies) are NaN: the iteration is reported as stopped there instead of propagating garbage.
        energy_kind: ``"lyapunov"`` (a provable energy), ``"pseudo"`` (AKOrN's score) or ``None``.
        diverged_in: ``"state"`` or ``"energy"`` (what became non-finite first), ``None`` if nothing did.
    """

    states: Tensor
    energies: Tensor | None = None
    diverged_at: int | None = None
    energy_kind: str | None = None
    diverged_in: str | None = None

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
        if self.diverged_in == "energy":
            status += " (energy overflowed)"
        energy = "" if self.energies is None else ", with energies"
        return f"Trajectory(steps={self.steps}, state_shape={shape}{energy}, {status})"


def collect(step, X0: Tensor, steps: int, energy=None, energy_kind: str | None = None) -> Trajectory:
    """Iterate ``step`` from X0 without gradients and report the first non-finite state or energy (see `Trajectory`).

    The loop itself does no checks (no device sync per step): non-finite values propagate, and the first bad
    step is found afterwards in one pass over the recorded states and energies.
    """
    steps = check_count(steps, "steps", hint="a positive number of steps")
    states = X0.new_empty((steps + 1, *X0.shape))
    batch = X0.shape[:-2]
    energies = None if energy is None else X0.new_empty((steps + 1, *batch))
    with torch.no_grad():
        X = X0
        states[0] = X
        if energies is not None:
            energies[0] = energy(X)
        for t in range(1, steps + 1):
            X = step(X)
            states[t] = X
            if energies is not None:
                energies[t] = energy(X)
    bad_state = ~torch.isfinite(states).flatten(1).all(1)
    bad = bad_state if energies is None else bad_state | ~torch.isfinite(energies).reshape(steps + 1, -1).all(1)
    diverged_at, diverged_in = None, None
    if bool(bad.any()):
        diverged_at = int(bad.float().argmax())
        diverged_in = "state" if bool(bad_state[diverged_at]) else "energy"
        states[diverged_at:] = float("nan")
        if energies is not None:
            energies[diverged_at:] = float("nan")
    kind = energy_kind if energies is not None else None
    return Trajectory(
        states=states, energies=energies, diverged_at=diverged_at, energy_kind=kind, diverged_in=diverged_in
    )
