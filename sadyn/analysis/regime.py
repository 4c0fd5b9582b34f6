"""Name the dynamical regime: convergent, critical, chaotic, exploding or divergent.

The largest Lyapunov exponent says whether nearby states converge or separate; it does not say whether the
orbit itself stays bounded. A positive exponent on an orbit that grows without bound (the unnormalized ItrSA,
whose state norm goes from about 3 to 6,000 in 130 steps) is not chaos, which needs a bounded attractor, so the
orbit's growth is checked too (``LyapunovSpectrum.orbit_growth``, or a ``Trajectory`` passed as ``orbit``).

The paper (App. B.5.4) calls a model *critical* when its largest exponent is zero; its best models sit slightly
on the chaotic side (about +0.1). An estimate from finitely many steps is never exactly zero, so "critical"
means ``|lambda_max| <= tol`` (plus twice the estimate's standard error when it carries one).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from .._validate import check_tol
from ..trajectory import Trajectory
from .lyapunov import EXPLODING_GROWTH, LyapunovSpectrum, orbit_growth

__all__ = ["classify_regime", "REGIMES"]

REGIMES = ("convergent", "critical", "chaotic", "exploding", "divergent")


def _one(top: float, err: float, tol: float, divergent: bool, growth: float = math.nan) -> str:
    if divergent or math.isnan(top) or top == math.inf:
        return "divergent"
    if growth > EXPLODING_GROWTH:
        return "exploding"
    band = tol + (2.0 * err if math.isfinite(err) else 0.0)
    if top > band:
        return "chaotic"
    if top < -band:
        return "convergent"
    return "critical"


def classify_regime(
    exponents: LyapunovSpectrum | Tensor | float,
    *,
    tol: float = 0.05,
    orbit: Trajectory | Tensor | None = None,
) -> str | tuple[str, ...]:
    r"""Classify dynamics by the largest Lyapunov exponent ``lambda_max`` (nats per step) and the orbit's growth:

    * ``"divergent"``: the trajectory became non-finite (``status="divergent"``), or ``lambda_max`` is NaN/+inf;
    * ``"exploding"``: the orbit grows without bound: the largest ``||x_t||`` over the second half of the run
      exceeds 1.5 times that over the first half (``orbit_growth``), whatever the exponent says;
    * ``"chaotic"``: ``lambda_max > band`` on a bounded orbit (nearby states separate exponentially);
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
        orbit: the states behind the exponents (a :class:`~sadyn.trajectory.Trajectory` or a tensor
            ``(t, *state)``), to check boundedness when ``exponents`` is a tensor or a float; a
            :class:`LyapunovSpectrum` carries its own ``orbit_growth``. Without either, "exploding" is not detected.

    Returns:
        one of ``"convergent"``, ``"critical"``, ``"chaotic"``, ``"exploding"``, ``"divergent"`` (a tuple for a batch).
    """
    tol = check_tol(tol)
    batched = isinstance(exponents, Tensor) and exponents.ndim == 2
    batched = batched or (isinstance(exponents, LyapunovSpectrum) and exponents.batch)
    growth = _growth(orbit, batched)
    if isinstance(exponents, LyapunovSpectrum):
        top = exponents.exponents[..., 0]
        err = exponents.stderr[..., 0]
        g = torch.as_tensor(exponents.orbit_growth, dtype=torch.float64) if growth is None else growth
        if exponents.batch:
            g = g.expand(top.shape)
            return tuple(
                _one(float(t), float(e), tol, s == "divergent", float(gb))
                for t, e, s, gb in zip(top, err, exponents.status, g, strict=True)
            )
        return _one(float(top), float(err), tol, exponents.status == "divergent", float(g.max()))
    g1 = math.nan if growth is None else float(growth.max())
    if isinstance(exponents, Tensor):
        if exponents.ndim == 0:
            return _one(float(exponents), math.nan, tol, False, g1)
        if exponents.ndim > 2 or exponents.shape[-1] == 0:
            raise ValueError(f"`exponents` must have shape (k,) or (B, k), got {tuple(exponents.shape)}.")
        e = exponents.detach().to(torch.float64)
        top = torch.where(torch.isnan(e).any(-1), torch.nan, e.max(-1).values)
        if exponents.ndim == 2:
            gs = [math.nan] * len(top) if growth is None else growth.expand(len(top)).tolist()
            return tuple(_one(float(t), math.nan, tol, False, gb) for t, gb in zip(top, gs, strict=True))
        return _one(float(top), math.nan, tol, False, g1)
    if isinstance(exponents, (int, float)) and not isinstance(exponents, bool):
        return _one(float(exponents), math.nan, tol, False, g1)
    raise TypeError(
        f"`exponents` must be a LyapunovSpectrum, a tensor of exponents or a float, got {type(exponents).__name__}."
    )


def _growth(orbit: object, batch: bool = False) -> Tensor | None:
    """``orbit_growth`` of a Trajectory or a tensor of states ``(t, *state)``: one value, or one per system
    (axis 1) with ``batch`` (batched exponents) or for ``(t, B, S, D)`` states."""
    if orbit is None:
        return None
    states = orbit.states if isinstance(orbit, Trajectory) else orbit
    if not isinstance(states, Tensor) or states.ndim < 2:
        raise TypeError(
            f"`orbit` must be a Trajectory or a tensor of states (t, *state), got {type(orbit).__name__}"
            + (f" of shape {tuple(states.shape)}" if isinstance(states, Tensor) else "")
            + "."
        )
    per_system = states.ndim >= 3 and (batch or states.ndim > 3)
    flat = states.detach().flatten(2) if per_system else states.detach().reshape(states.shape[0], -1)
    norms = torch.linalg.vector_norm(flat, dim=-1)
    return orbit_growth(norms if norms.ndim == 2 else norms[:, None])
