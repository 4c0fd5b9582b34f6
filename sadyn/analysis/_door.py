"""What the caller asserts about a map, checked with one or two Jacobian products at the start of an analysis.

* ``constraint="sphere"`` / ``"layer"``: the map ends with a normalization of every group. A map that says so
  (``model.as_map(C)`` carries ``normalization = (kind, group)``) is checked by its structure; any other map by
  one JVP along ``x`` plus a random direction: the norms (and, for ``"layer"``, the means) of the output groups
  must be stationary, ``<f(x)_g, (J v)_g> = 0``, as they are for ``y -> c * y / ||y||`` (to 1%, since torch's
  norms add an epsilon to the variance). A generic map with a non-uniform gain fails this test: pass the
  model's map, or give the callable a ``normalization = (kind, group)`` attribute.
* ``jac=``: the hand-written Jacobian must have shape ``(n, n)`` and agree with one JVP, ``jac(x) v = J v``.
* ``batch=True``: the systems must be independent: a tangent on system 0 must leave the others untouched.

Each check costs about one step of the map and runs once per :meth:`TangentMap.prepare` (or analysis call).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

from ._maps import FlatMap, batched_jvp

__all__ = ["check_constraint_holds", "check_jac", "check_independent"]


def _tol(dtype: torch.dtype) -> float:
    return 1e-6 if dtype == torch.float64 else 1e-3


_NORM_TOL = 1e-2  # torch's LayerNorm/RMSNorm add eps = 1e-5 to the variance: their norms move by ~eps/var


def _probe(X: Tensor, seed: int = 12345) -> Tensor:
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(X.shape, generator=gen, dtype=X.dtype).to(X.device)


def check_constraint_holds(f: object, F: FlatMap, X: Tensor, constraint: str | None, group: int) -> None:
    """Refuse a ``constraint`` that the map does not satisfy (see the module docstring)."""
    if constraint is None:
        return
    declared = getattr(f, "normalization", None)
    if declared is not None:
        kind, g = declared
        wanted = {"sphere": ("sphere", "rms"), "layer": ("layer",)}[constraint]
        if kind not in wanted:
            fix = (
                "constraint=None"
                if kind is None
                else ('constraint="layer"' if kind == "layer" else 'constraint="sphere"')
            )
            raise ValueError(
                f"constraint={constraint!r} asserts that the map normalizes every group, but this model's "
                f"normalization is {kind!r}; pass {fix}."
            )
        if g != group:
            raise ValueError(
                f"`group`={group} does not match the model's normalized groups of {g} entries; pass group={g}."
            )
        return
    r = _probe(X)
    v = X / X.abs().amax().clamp_min(1e-300) + r / r.abs().amax()  # radial plus random: 2x and rotations show up
    Y, JV = batched_jvp(F, X, v[None])
    B, n = X.shape
    y, w = Y.reshape(B, n // group, group), JV[0].reshape(B, n // group, group)
    if constraint == "layer":
        mean_rate = w.mean(-1).abs().amax()
        scale = w.abs().amax().clamp_min(torch.finfo(X.dtype).tiny)
        if float(mean_rate / scale) > _NORM_TOL:
            raise ValueError(_NOT_NORMALIZING.format(constraint=constraint, what="means"))
        y = y - y.mean(-1, keepdim=True)
    rate = (y * w).sum(-1).abs()
    size = torch.linalg.vector_norm(y, dim=-1) * torch.linalg.vector_norm(w, dim=-1)
    if float((rate / size.clamp_min(torch.finfo(X.dtype).tiny)).amax()) > _NORM_TOL:
        raise ValueError(_NOT_NORMALIZING.format(constraint=constraint, what="norms"))


_NOT_NORMALIZING = (
    "constraint={constraint!r} asserts that the map ends with a normalization of every group, but one JVP at x0 "
    "shows the {what} of the output groups changing along a tangent: the map does not normalize (its exponents "
    "along the radial directions are not -inf). Pass constraint=None, or pass the model's map "
    "(model.as_map(C)), which declares its normalization."
)


def check_jac(jac: Callable[[Tensor], Tensor], F: FlatMap, X: Tensor) -> None:
    """Refuse a hand-written Jacobian of the wrong shape or one that disagrees with a JVP at ``X`` (first system)."""
    n = F.n
    x = X[0].reshape(F.system_shape())
    try:
        J = jac(x)
    except Exception as err:  # noqa: BLE001 - the user's function; say where it failed
        raise TypeError(f"`jac` failed on one system's state of shape {tuple(x.shape)}: {err}") from err
    if not isinstance(J, Tensor):
        raise TypeError(f"`jac` must return a torch.Tensor of shape ({n}, {n}), got {type(J).__name__}.")
    if J.numel() != n * n:
        raise ValueError(
            f"`jac(x)` must return the ({n}, {n}) Jacobian of one system's state (n = {n} entries), "
            f"got shape {tuple(J.shape)}."
        )
    if J.dtype != X.dtype:
        raise TypeError(f"`jac(x)` must have the state's dtype {X.dtype}, got {J.dtype}.")
    v = _probe(X)
    _, JV = batched_jvp(F, X, v[None])
    want, got = JV[0, 0], J.reshape(n, n) @ v[0]
    err = float(torch.linalg.vector_norm(got - want) / torch.linalg.vector_norm(want).clamp_min(1e-300))
    if not err <= 1e3 * _tol(X.dtype):
        raise ValueError(
            f"`jac` disagrees with the map's own derivative at x0: |jac(x0) v - J v| / |J v| = {err:.2e} for a "
            f"random v (J v by forward-mode AD). Fix the hand-written Jacobian (row i is d f_i / d x), or drop `jac`."
        )


def check_independent(F: FlatMap, X: Tensor) -> None:
    """Refuse ``batch=True`` for a map that couples the systems: a tangent on system 0 must not move the others."""
    if F.B < 2:
        return
    v = torch.zeros_like(X)
    v[0] = _probe(X[:1])[0]
    _, JV = batched_jvp(F, X, v[None])
    leak = float(JV[0, 1:].abs().amax())
    own = float(JV[0, 0].abs().amax())
    if leak > _tol(X.dtype) * max(own, torch.finfo(X.dtype).tiny) or (own == 0 and leak > 0):
        raise ValueError(
            "batch=True asserts that the leading axis holds independent systems, but a perturbation of system 0 "
            f"moves the others (|J v| on systems 1.. is {leak:.2e}, on system 0 {own:.2e}): the map couples "
            "them. Analyse the whole batch as one system (batch=False) or fix the map."
        )
