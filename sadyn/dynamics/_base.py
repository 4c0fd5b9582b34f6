"""What every looped model shares: input checks, ``step``, ``rollout``, ``as_map`` and ``energy``.

A model is a map ``X -> X_next`` on states of shape ``(..., S, D)`` with an optional input ``C`` of the same
shape. Subclasses implement ``_step(X, C)`` (and ``_energy(X, C)`` where an energy exists); the public
methods validate once at the door and then call the unchecked maps, so that the analysis engine can
differentiate through them with ``torch.func`` (jvp, vjp, vmap, jacrev, jacfwd).
"""

from __future__ import annotations

from typing import Protocol, cast

import torch
from torch import Tensor, nn

from .._validate import check_dtype, check_positive, check_same_shape, check_state, check_tensor, under_transform
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
            # shapes only: values are not inspectable inside a transform; C is the caller's tensor, passed through
            return X, cast("Tensor | None", C)
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

    def as_map(self, C: Tensor | None = None, *, like: Tensor | None = None) -> BoundMap:
        """Bind the input ``C`` and return ``f(X) = step(X, C)``: the way to hand a model to an analysis.

        ``C`` is validated here once (against ``like`` if given, else against itself); the returned map skips
        the per-call checks so that it is cheap and transform-friendly. The analyses call its ``check_state``
        once at their door (dtype, token count against ``C``, zero tokens under a normalization).
        """
        if C is not None:
            C, _ = self._check(C, None, name="C")
            if like is not None:
                check_same_shape(C, like, "C", "like")
        if callable(getattr(self, "_tangent", None)):
            return TangentBoundMap(self, C)
        return BoundMap(self, C)

    def energy(self, X: Tensor, C: Tensor | None = None) -> Tensor:
        """The model's energy (or pseudo-energy), one value per batch element: shape ``X.shape[:-2]``."""
        if self.energy_kind is None:
            raise ValueError(f"{type(self).__name__} defines no energy; see its docstring.")
        X, C = self._check(X, C)
        return self._energy(X, C)

    def rollout(self, X0: Tensor, C: Tensor | None = None, *, steps: int = 16) -> Trajectory:
        """Iterate ``steps`` times from ``X0`` (no gradients) and return the :class:`Trajectory`.

        Energies are recorded where the model defines one. A state that becomes NaN or inf, or an energy that
        overflows the dtype, is reported, not raised: ``Trajectory.diverged_at`` says at which step and
        ``diverged_in`` which of the two. The loop does no per-step checks.
        """
        X0, C = self._check(X0, C, name="X0")
        energy = None
        if self.energy_kind is not None and self._energy_defined(C):
            energy = lambda X: self._energy(X, C)  # noqa: E731
        return collect(lambda X: self._step(X, C), X0, steps, energy=energy, energy_kind=self.energy_kind)

    def _energy_defined(self, C: Tensor | None) -> bool:
        return True

    def _normalized_input(self, X: Tensor, C: Tensor | None) -> tuple[Tensor, str, int] | None:
        """``(Y, kind, group)``: the input of the final normalization at ``X`` (``None`` for a map without one)."""
        return None

    def check_normalizable(self, X: Tensor, C: Tensor | None = None, *, name: str = "X") -> None:
        """Refuse a state at which the normalization's input has a (near-)zero group: the map is not smooth there.

        ``y / max(||y||, eps)`` at ``y ~ 0`` has a Jacobian of size ``1 / eps = 1e12``, so analyses would report
        ``lambda_max ~ ln(1e12) = 28``; such a state is bad input, usually an uninitialised (all-zero) state.
        """
        got = self._normalized_input(X, C)
        if got is None:
            return
        Y, kind, group = got
        Yg = Y.reshape(*Y.shape[:-1], -1, group)
        if kind == "layer":
            Yg = Yg - Yg.mean(-1, keepdim=True)
        r = torch.linalg.vector_norm(Yg, dim=-1)
        small = float(r.min()) <= 1e-8 * max(1.0, float(r.max()))
        if small:
            raise ValueError(
                f"the normalization's input at `{name}` has a token (or oscillator) of zero norm "
                f"(min ||y|| = {float(r.min()):.2e}): the {kind!r} normalization is not differentiable there. "
                f"Start from a state with nonzero tokens, e.g. torch.randn(S, D) (an all-zero state is the usual cause)."
            )

    def normalization(self) -> tuple[str | None, int]:
        """``(kind, group)`` of the final normalization, for the analyses' ``constraint`` check."""
        norm = getattr(self, "norm", None)
        kind = getattr(norm, "kind", None)
        return kind, int(getattr(norm, "group", self.dim) or self.dim)


class BoundMap:
    """``f(X) = model._step(X, C)`` with ``C`` bound: what :meth:`LoopedModel.as_map` returns.

    Calling it does no checks (the per-step path of every rollout and analysis). ``check_state(X)`` is the
    door-side check the analyses call once; ``normalization`` declares the map's final normalization.
    """

    def __init__(self, model: LoopedModel, C: Tensor | None) -> None:
        self.model, self.C = model, C
        self.__name__ = f"{type(model).__name__}.step"
        self.normalization = model.normalization()

    def __call__(self, X: Tensor) -> Tensor:
        return self.model._step(X, self.C)

    def __repr__(self) -> str:
        return f"<{self.__name__} map, C {'bound' if self.C is not None else 'None'}>"

    def check_state(self, X: object, name: str = "x") -> None:
        """Dtype/device against the model, shape against ``C`` (broadcast over leading axes), normalizable."""
        X = check_tensor(X, name)
        model, C = self.model, self.C
        check_state(X, name, model.dim)
        ref = next(model.parameters(), None)
        if ref is not None and (ref.dtype != X.dtype or ref.device != X.device):
            raise TypeError(
                f"`{name}` is {X.dtype} on {X.device} but the model's parameters are {ref.dtype} on {ref.device}; "
                f"use {name}.to(...) or model.to(...) so that they match."
            )
        if C is not None:
            ok = X.ndim >= C.ndim and tuple(X.shape[X.ndim - C.ndim :]) == tuple(C.shape)
            if not ok:
                raise ValueError(
                    f"`{name}` has shape {tuple(X.shape)} but the map was built with C of shape {tuple(C.shape)} "
                    f"(S = {C.shape[-2]} tokens); use a state with the same tokens, or model.as_map(C) with a C of "
                    f"the state's shape."
                )
        model.check_normalizable(X, C, name=name)


class _TangentModel(Protocol):
    def _tangent(self, X: Tensor, C: Tensor | None, V: Tensor) -> tuple[Tensor, Tensor]: ...


class TangentBoundMap(BoundMap):
    """A :class:`BoundMap` of a model with a closed-form tangent (a ``_tangent(X, C, V)`` method, e.g. ItrSA).

    ``tangent(X, V) -> (f(X), J V)`` for tangents ``V`` of shape ``(k, *X.shape)`` is the protocol the analysis
    engine looks for (see :mod:`sadyn.analysis.tangent`): Lyapunov spectra then push tangents through it instead
    of ``torch.func.jvp``. It is checked once against ``torch.func.jvp`` when an analysis starts.
    """

    def tangent(self, X: Tensor, V: Tensor) -> tuple[Tensor, Tensor]:
        """``(f(X), J_f(X) V)`` with ``V`` of shape ``(k, *X.shape)``, unchecked like ``__call__``."""
        return cast("_TangentModel", self.model)._tangent(X, self.C, V)


def scalar_parameter(value: float, name: str, *, learn: bool, dtype, device, positive: bool = True) -> nn.Parameter:
    """A 0-d parameter (step size, frequency, ...) validated once."""
    v = check_positive(value, name) if positive else float(value)
    t = torch.tensor(v, dtype=check_dtype(dtype) or torch.get_default_dtype(), device=device)
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

    def _normalized_input(self, X: Tensor, C: Tensor | None) -> tuple[Tensor, str, int] | None:
        norm, pre = getattr(self, "norm", None), getattr(self, "pre_norm", None)
        if norm is None or getattr(norm, "kind", None) is None or pre is None:
            return None
        return pre(X, C), norm.kind, norm.group
