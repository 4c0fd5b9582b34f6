"""Name the dynamical regime from the largest Lyapunov exponent: convergent, critical, chaotic or divergent.

The paper (App. B.5.4) calls a model *critical* when its largest exponent is zero; its best models sit slightly
on the chaotic side (about +0.1). An estimate from finitely many steps is never exactly zero, so "critical"
means ``|lambda_max| <= tol`` (plus twice the estimate's standard error when it carries one).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from ._checks import check_tol
from .lyapunov import LyapunovSpectrum

__all__ = ["classify_regime", "REGIMES"]

REGIMES = ("convergent", "critical", "chaotic", "divergent")


def _one(top: float, err: float, tol: float, divergent: bool) -> str:
    if divergent or math.isnan(top) or top == math.inf:
        return "divergent"
    band = tol + (2.0 * err if math.isfinite(err) else 0.0)
    if top > band:
        return "chaotic"
    if top < -band:
        return "convergent"
    return "critical"


def classify_regime(exponents: LyapunovSpectrum | Tensor | float, *, tol: float = 0.05) -> str | tuple[str, ...]:
    r"""Classify dynamics by the largest Lyapunov exponent ``lambda_max`` (nats per step):

    * ``"divergent"``: the trajectory became non-finite (``status="divergent"``), or ``lambda_max`` is NaN/+inf;
    * ``"chaotic"``: ``lambda_max > band`` (nearby states separate exponentially);
    * ``"convergent"``: ``lambda_max < -band`` (perturbations die out: a stable fixed point or cycle);
    * ``"critical"``: ``|lambda_max| <= band``, the edge of chaos,

    with ``band = tol + 2 * stderr(lambda_max)`` when a :class:`LyapunovSpectrum` with a finite standard error is
    given, else ``band = tol``.

    Arguments:
        exponents: a :class:`LyapunovSpectrum` (batched ones give one regime per system), a tensor of exponents
            ``(k,)`` or ``(B, k)`` (the largest is taken), or a float (``lambda_max`` itself).

    Other arguments:
        tol: half-width of the critical band in nats per step. The default 0.05 is about the resolution of the
            paper's T = 16 finite-time estimate (O(1/T)); use a smaller one for long, converged QR estimates.

    Returns:
        one of ``"convergent"``, ``"critical"``, ``"chaotic"``, ``"divergent"`` (a tuple for a batch).
    """
    tol = check_tol(tol)
    if isinstance(exponents, LyapunovSpectrum):
        top = exponents.exponents[..., 0]
        err = exponents.stderr[..., 0]
        if exponents.batch:
            return tuple(_one(float(t), float(e), tol, s == "divergent") for t, e, s in zip(top, err, exponents.status))
        return _one(float(top), float(err), tol, exponents.status == "divergent")
    if isinstance(exponents, Tensor):
        if exponents.ndim == 0:
            return _one(float(exponents), math.nan, tol, False)
        if exponents.ndim > 2 or exponents.shape[-1] == 0:
            raise ValueError(f"`exponents` must have shape (k,) or (B, k), got {tuple(exponents.shape)}.")
        e = exponents.detach().to(torch.float64)
        top = torch.where(torch.isnan(e).any(-1), torch.nan, e.max(-1).values)
        if exponents.ndim == 2:
            return tuple(_one(float(t), math.nan, tol, False) for t in top)
        return _one(float(top), math.nan, tol, False)
    if isinstance(exponents, (int, float)) and not isinstance(exponents, bool):
        return _one(float(exponents), math.nan, tol, False)
    raise TypeError(
        f"`exponents` must be a LyapunovSpectrum, a tensor of exponents or a float, got {type(exponents).__name__}."
    )
