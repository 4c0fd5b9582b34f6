"""What every looped model shares: input checks, ``step``, ``rollout``, ``as_map`` and ``energy``.

A model is a map ``X -> X_next`` on states of shape ``(..., S, D)`` with an optional input ``C`` of the same
shape. Subclasses implement ``_step(X, C)`` (and ``_energy(X, C)`` where an energy exists); the public
methods validate once at the door and then call the unchecked maps, so that the analysis engine can
differentiate through them with ``torch.func`` (jvp, vjp, vmap, jacrev, jacfwd).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor, nn

from .._checks import check_positive, check_same_shape, check_state, under_transform
from ..trajectory import Trajectory, collect

__all__ = ["LoopedModel", "AttentionLoop", "scalar_parameter"]


class LoopedModel(nn.Module):
    """Base class of the recurrent maps. Subclasses set ``self.dim`` and implement ``_step``.

    Class attribute ``energy_kind``: ``"lyapunov"`` (a function the continuous flow provably decreases),
    ``"pseudo"`` (AKOrN's score -Tr(X^T (C + MSA(X))), not guaranteed to decrease) or ``None``.
    """

    dim: int
    energy_kind: str | None = None

    # ------------------------------------------------------------------ to implement
    def _step(self, X: Tensor, C: Tensor | None) -> Tensor:
        raise NotImplementedError

    def _energy(self, X: Tensor, C: Tensor | None) -> Tensor:
        raise NotImplementedError

    # ------------------------------------------------------------------ the public door
    def _check(self, X: object, C: object = None, *, name: str = "X") -> tuple[Tensor, Tensor | None]:
        if isinstance(X, Tensor) and under_transform(X):
            if X.ndim < 2 or X.shape[-1] != self.dim:
                raise ValueError(f"`{name}` must have shape (..., S, {self.dim}), got {tuple(X.shape)}.")
            return X, C  # shapes only: values are not inspectable inside a transform
        X = check_state(X, name, self.dim)
        ref = next(self.parameters(), None)
        if ref is not None and ref.dtype != X.dtype:
            raise TypeError(
                f"`{name}` has dtype {X.dtype} but the model's parameters are {ref.dtype}; "
                f"convert one of them, e.g. model.to({X.dtype}) or {name}.to({ref.dtype})."
            )
        if ref is not None and ref.device != X.device:
            raise TypeError(f"`{name}` is on {X.device} but the model is on {ref.device}; use model.to({name}.device).")
        if C is not None:
            C = check_same_shape(C, X, "C", name)
        return X, C

    def step(self, X: Tensor, C: Tensor | None = None) -> Tensor:
        """One update ``X -> X_next`` (same shape, dtype and device as ``X``)."""
        X, C = self._check(X, C)
        return self._step(X, C)

    def forward(self, X: Tensor, C: Tensor | None = None) -> Tensor:
        return self.step(X, C)

    def as_map(self, C: Tensor | None = None, *, like: Tensor | None = None) -> Callable[[Tensor], Tensor]:
        """Bind the input ``C`` and return ``f(X) = step(X, C)``: the way to hand a model to an analysis.

        ``C`` is validated here once (against ``like`` if given, else against itself); the returned map skips
        the per-call checks so that it is cheap and transform-friendly.
        """
        if C is not None:
            C, _ = self._check(C, None, name="C")
            if like is not None:
                check_same_shape(C, like, "C", "like")

        def f(X: Tensor) -> Tensor:
            return self._step(X, C)

        f.__name__ = f"{type(self).__name__}.step"
        return f

    def energy(self, X: Tensor, C: Tensor | None = None) -> Tensor:
        """The model's energy (or pseudo-energy), one value per batch element: shape ``X.shape[:-2]``."""
        if self.energy_kind is None:
            raise ValueError(f"{type(self).__name__} defines no energy; see its docstring.")
        X, C = self._check(X, C)
        return self._energy(X, C)

    def rollout(self, X0: Tensor, C: Tensor | None = None, *, steps: int = 16) -> Trajectory:
        """Iterate ``steps`` times from ``X0`` (no gradients) and return the :class:`Trajectory`.

        Energies are recorded where the model defines one. A state that becomes NaN or inf stops the
        iteration; ``Trajectory.diverged_at`` says at which step.
        """
        X0, C = self._check(X0, C, name="X0")
        energy = None
        if self.energy_kind is not None and self._energy_defined(C):
            energy = lambda X: self._energy(X, C)  # noqa: E731
        return collect(lambda X: self._step(X, C), X0, steps, energy=energy, energy_kind=self.energy_kind)

    def _energy_defined(self, C: Tensor | None) -> bool:
        return True


def scalar_parameter(value: float, name: str, *, learn: bool, dtype, device, positive: bool = True) -> nn.Parameter:
    """A 0-d parameter (step size, frequency, ...) validated once."""
    if positive:
        check_positive(value, name)
    t = torch.tensor(float(value), dtype=dtype or torch.get_default_dtype(), device=device)
    return nn.Parameter(t, requires_grad=learn)


class AttentionLoop(LoopedModel):
    """A looped model driven by self-attention plus input: ``drive(X, C) = C + MSA(X)``.

    Subclasses set ``self.attention`` (a :class:`~sadyn.attention.MultiHeadSelfAttention`). Their ``energy`` is
    the pseudo-energy of Sec. 6.3, E_pseudo = -Tr(X^T (C + MSA(X))) (AKOrN's logged energy): a score that
    trained models tend to lower, not a function the dynamics provably decrease.
    """

    energy_kind = "pseudo"
    attention: nn.Module

    def drive(self, X: Tensor, C: Tensor | None = None) -> Tensor:
        """C + MSA(X) (C = 0 when omitted)."""
        out = self.attention(X)
        return out if C is None else out + C

    def _energy(self, X: Tensor, C: Tensor | None) -> Tensor:
        return -(X * self.drive(X, C)).sum((-2, -1))
