"""The Jacobian of one update and its matrix-free products.

For a map ``x_{t+1} = f(x_t)`` on states of any shape, with ``x = vec(X)`` in row-major (token-major) order,

    J(x)_{ij} = d vec(f(x))_i / d vec(x)_j,        J in R^{n x n},  n = x.numel()

``jvp`` returns J v (forward mode), ``vjp`` returns J^T u (reverse mode), both without building J and both
batched over a leading axis of tangents. ``jacobian`` builds J densely (``n`` forward-mode products in one
vectorized call). All three use ``torch.func`` and work in float32 and float64.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor
from torch.func import vjp as _vjp
from torch.func import vmap

from .._validate import check_bool, check_tensor
from ._door import check_independent
from ._maps import batched_jvp, dense_jacobians, flat_map, transform_errors

__all__ = ["jacobian", "jvp", "vjp"]


@torch.no_grad()
def jacobian(f: Callable[[Tensor], Tensor], x: Tensor, *, batch: bool = False) -> Tensor:
    """Dense Jacobian of ``f`` at ``x``: ``J[i, j] = d vec(f(x))_i / d vec(x)_j``.

    Arguments:
        f: a map from a state to a state of the same shape (e.g. ``model.as_map(C)``).
        x: the state, any shape; flattened row-major.

    Other arguments:
        batch: the leading axis of ``x`` holds independent systems; returns one Jacobian per system.

    Returns:
        ``(n, n)`` with ``n = x.numel()``; with ``batch=True``, ``(B, n, n)`` with ``n = x[0].numel()``.

    Raises:
        TypeError / ValueError: see :func:`sadyn.analysis.jvp`.

    Cost: ``n`` forward-mode products, vectorized; at n = 512 about 10-20 ms on one CPU core.
    See also: :func:`jvp`, :func:`vjp` (matrix-free), :func:`sadyn.analysis.eigenvalues`.
    """
    batch = check_bool(batch, "batch")
    F, X = flat_map(f, x, batch=batch, xname="x")
    if batch:
        check_independent(F, X)
    J = dense_jacobians(F, X[None])[0]
    return J if batch else J[0]


def _tangents(v: object, x: Tensor, name: str) -> tuple[Tensor, Callable[[Tensor], Tensor]]:
    """Bring tangents to ``(m, 1, n)`` and return a function that restores the caller's layout."""
    v = check_tensor(v, name)
    if v.dtype != x.dtype or v.device != x.device:
        raise TypeError(
            f"`{name}` must have the dtype and device of `x` ({x.dtype}, {x.device}), got ({v.dtype}, {v.device}); "
            f"use {name}.to(x)."
        )
    n, shape = x.numel(), tuple(x.shape)
    if v.numel() == 0:
        raise ValueError(f"`{name}` holds no tangent vectors (shape {tuple(v.shape)}); pass at least one.")
    if tuple(v.shape) == shape:
        return v.reshape(1, 1, n), lambda out: out.reshape(shape)
    if v.ndim == x.ndim + 1 and tuple(v.shape[1:]) == shape:
        m = v.shape[0]
        return v.reshape(m, 1, n), lambda out: out.reshape(m, *shape)
    if tuple(v.shape) == (n,):
        return v.reshape(1, 1, n), lambda out: out.reshape(n)
    if v.ndim == 2 and v.shape[1] == n:
        m = v.shape[0]
        return v.reshape(m, 1, n), lambda out: out.reshape(m, n)
    raise ValueError(
        f"`{name}` must have the shape of x {shape}, or (m, *{shape}) for m vectors at once, or the flat forms "
        f"({n},) / (m, {n}); got {tuple(v.shape)}."
    )


@torch.no_grad()
def jvp(f: Callable[[Tensor], Tensor], x: Tensor, v: Tensor) -> Tensor:
    """Jacobian-vector product ``J(x) v`` (forward mode), for one or many tangents at once.

    Arguments:
        f: a map from a state to a state of the same shape.
        x: the state.
        v: one tangent of the shape of ``x``, or ``m`` of them stacked on a leading axis ``(m, *x.shape)``;
            flat forms ``(n,)`` and ``(m, n)`` are accepted too.

    Returns:
        ``J v`` in the layout of ``v``.

    Raises:
        TypeError: ``f`` is not callable, not differentiable with torch.func, or changes the dtype; ``v`` has the
            wrong dtype.
        ValueError: ``f`` changes the shape or is non-finite at ``x``; ``v`` has an incompatible shape.
    """
    F, X = flat_map(f, x, xname="x")
    V, restore = _tangents(v, x, "v")
    _, JV = batched_jvp(F, X, V)
    return restore(JV)


@torch.no_grad()
def vjp(f: Callable[[Tensor], Tensor], x: Tensor, u: Tensor) -> Tensor:
    """Vector-Jacobian product ``J(x)^T u`` (reverse mode), for one or many cotangents at once.

    Arguments, returns and errors as :func:`jvp` with ``u`` in place of ``v``.
    """
    F, X = flat_map(f, x, xname="x")
    U, restore = _tangents(u, x, "u")
    with transform_errors():
        pullback = _vjp(F, X)[1]  # (primal, pullback): no has_aux
        out = vmap(lambda w: pullback(w)[0])(U)
    return restore(out)
