"""Normalizations of self-attention states, token-wise or oscillator-wise (paper eqs. (5)-(6)).

All operators act on the last axis of a state ``(..., S, D)``. With ``group=None`` they act on each
token (a row of length D); with ``group=N`` on each consecutive chunk of N channels ("oscillator-wise",
paper App. C.2), so D must be divisible by N.

Conventions (the paper's, which make Prop. 5.1 exact)::

    Pi(y)        = y / ||y||                       projection onto the unit sphere
    Proj_x(y)    = y - <y, xhat> xhat              tangent projection, xhat = x / ||x||
    RMSNorm(y)   = gamma * y / ||y||               unit norm times a gain gamma in R^D
    LayerNorm(y) = gamma * (y - mean y) / ||y - mean y||

``torch.nn.RMSNorm`` divides by ``||y|| / sqrt(D)`` instead, so it equals ``sqrt(D) * RMSNorm`` here with
the same gamma: a learned gain absorbs the factor, and a model that needs tokens of norm sqrt(D) (as the
Sudoku solver does, see ``sadyn.models``) initializes ``gamma = sqrt(D)``. ``torch.nn.LayerNorm`` is likewise
``sqrt(D)`` times the LayerNorm here. An ``eps`` (default 1e-12) guards only against an exactly zero norm.
"""

from __future__ import annotations

import math
from typing import Literal

import torch
from torch import Tensor, nn

from ._validate import check_bool, check_device, check_dtype, check_in, check_int, check_positive

__all__ = ["sphere_project", "tangent_project", "rms_norm", "layer_norm", "Normalization", "NORMS"]

NormKind = Literal["rms", "sphere", "layer"]  # None: no normalization
NORMS: tuple[NormKind | None, ...] = ("rms", "sphere", "layer", None)


def _grouped(y: Tensor, group: int | None) -> Tensor:
    if group is None or group == y.shape[-1]:
        return y.unsqueeze(-2)
    if y.shape[-1] % group:
        raise ValueError(f"`group` (oscillator size) must divide the last dimension {y.shape[-1]}, got group={group}.")
    return y.unflatten(-1, (-1, group))


def _norm(y: Tensor, eps: float) -> Tensor:
    return torch.linalg.vector_norm(y, dim=-1, keepdim=True).clamp_min(eps)


def sphere_project(y: Tensor, group: int | None = None, eps: float = 1e-12) -> Tensor:
    """Pi(y): scale every token (or oscillator of size ``group``) to unit Euclidean norm."""
    g = _grouped(y, group)
    return (g / _norm(g, eps)).reshape(y.shape)


def tangent_project(x: Tensor, y: Tensor, group: int | None = None, eps: float = 1e-12) -> Tensor:
    """Proj_x(y) = y - <y, xhat> xhat per token/oscillator: the part of y tangent to the sphere through x."""
    gx, gy = _grouped(x, group), _grouped(y, group)
    xhat = gx / _norm(gx, eps)
    return (gy - (gy * xhat).sum(-1, keepdim=True) * xhat).reshape(y.shape)


def rms_norm(y: Tensor, gamma: Tensor | float = 1.0, group: int | None = None, eps: float = 1e-12) -> Tensor:
    """RMSNorm in the paper's convention: gamma * Pi(y) (unit norm per token/oscillator, then the gain)."""
    return sphere_project(y, group, eps) * gamma


def layer_norm(y: Tensor, gamma: Tensor | float = 1.0, group: int | None = None, eps: float = 1e-12) -> Tensor:
    """LayerNorm in the same convention: centre each token/oscillator, scale it to unit norm, times gamma."""
    g = _grouped(y, group)
    g = g - g.mean(-1, keepdim=True)
    return (g / _norm(g, eps)).reshape(y.shape) * gamma


class Normalization(nn.Module):
    """The normalization layer of a looped model: ``"rms"``, ``"sphere"``, ``"layer"`` or ``None`` (identity).

    Arguments:
        kind: which operator (see the module docstring for the exact formulas).
        dim: D, the token dimension (the length of the gain ``gamma``).
        group: oscillator size N for oscillator-wise normalization; ``None`` means token-wise.
        gamma: initial gain (a float, broadcast to ``(D,)``); only "rms" and "layer" have one.
        learn_gamma: whether ``gamma`` is a trainable parameter.
    """

    def __init__(
        self,
        kind: NormKind | None,
        dim: int,
        *,
        group: int | None = None,
        gamma: float = 1.0,
        learn_gamma: bool = True,
        dtype: torch.dtype | None = None,
        device: torch.device | str | None = None,
    ) -> None:
        super().__init__()
        self.kind = check_in(kind, "norm", NORMS)
        dim = check_int(dim, "dim", minimum=1)
        if group is not None:
            group = check_int(group, "group")
            if group < 1 or dim % group:
                raise ValueError(f"`group` must be a positive divisor of dim={dim}, got group={group}.")
        self.group = group if group is not None else dim
        check_positive(gamma, "gamma")
        learn_gamma = check_bool(learn_gamma, "learn_gamma")
        dtype, device = check_dtype(dtype), check_device(device)
        if kind in ("rms", "layer"):
            init = torch.full((dim,), float(gamma), dtype=dtype, device=device)
            self.gamma = nn.Parameter(init, requires_grad=learn_gamma)
        else:
            self.register_parameter("gamma", None)

    def forward(self, y: Tensor) -> Tensor:
        if self.kind is None:
            return y
        if self.kind == "sphere":
            return sphere_project(y, self.group)
        if self.kind == "rms":
            return rms_norm(y, self.gamma, self.group)
        return layer_norm(y, self.gamma, self.group)

    def tangent(self, y: Tensor, dy: Tensor) -> tuple[Tensor, Tensor]:
        r"""``(Norm(y), dNorm(y)[dy])`` for tangents ``dy`` of shape ``(k, *y.shape)`` (or ``y.shape``).

        Per token (or oscillator of ``group`` entries), with ``r = max(||c||, eps)`` and ``u = c / r``::

            sphere:  c = y,             d(c / r) = (dc - u <u, dc>) / r
            rms:     gamma * the above
            layer:   c = y - mean(y),   dc = dy - mean(dy), then as "rms"

        Where ``||c|| < eps`` the clamp is active, ``r = eps`` is constant and the derivative is ``dc / eps``, as for
        the forward's ``clamp_min`` under autodiff. ``None`` is the identity: ``(y, dy)``.
        """
        if self.kind is None:
            return y, dy
        eps = 1e-12
        c, dc = _grouped(y, self.group), _grouped(dy, self.group)
        if self.kind == "layer":
            c, dc = c - c.mean(-1, keepdim=True), dc - dc.mean(-1, keepdim=True)
        norm = torch.linalg.vector_norm(c, dim=-1, keepdim=True)
        r = norm.clamp_min(eps)
        u = c / r
        radial = (u * dc).sum(-1, keepdim=True) * (norm >= eps)
        out, dout = u.reshape(y.shape), ((dc - u * radial) / r).reshape(dy.shape)
        if self.gamma is not None:
            out, dout = out * self.gamma, dout * self.gamma
        return out, dout

    def max_gain(self) -> float:
        """max_j |gamma_j| (1 for the sphere projection): the numerator of Prop. 5.1's bound."""
        if self.gamma is None:
            return 1.0 if self.kind is not None else math.inf
        return float(self.gamma.detach().abs().max())

    def extra_repr(self) -> str:
        return f"kind={self.kind!r}, group={self.group}"
