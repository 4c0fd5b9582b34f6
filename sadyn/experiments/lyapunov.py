"""Sec. 5.2 (Lyapunov exponents): ItrSA's exponent over (eta, weight scale), parameter grids as one batched
system, the two-trajectory picture and the generic "analyse any map" numbers of tutorial 09's dashboard."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor

from .._validate import Constraint
from ..analysis import classify_regime, lyapunov_spectrum
from ..analysis.spectra import jacobian_spectrum
from ..dynamics import ItrSA, LoopedModel
from ..norms import NormKind
from ._inputs import random_tokens

__all__ = [
    "stacked_map",
    "itrsa_lyapunov",
    "lyapunov_phase_diagram",
    "trajectory_distance",
    "growth_rate",
    "finite_time_curve",
    "analyse_map",
]


def stacked_map(models: Sequence[LoopedModel], C: Tensor | None = None):
    """One batched map ``f(X)`` with ``f(X)[b] = models[b].step(X[b], C)``: a parameter grid as one system batch.

    The models must share their class and structure (only parameter values differ, e.g. eta and weight scale);
    their parameters are stacked and the step is vectorized with ``torch.func.vmap`` and ``functional_call``,
    so ``lyapunov_spectrum(f, X0, batch=True)`` analyses the whole grid in one pass instead of a Python loop.
    """
    from torch.func import functional_call, vmap

    models = list(models)
    if not models:
        raise ValueError("`models` must hold at least one model.")
    base = models[0]
    for m in models[1:]:
        if type(m) is not type(base) or repr(m.norm if hasattr(m, "norm") else m) != repr(
            base.norm if hasattr(base, "norm") else base
        ):
            raise ValueError("all `models` must share class and normalization; only parameter values may differ.")
    names = [n for n, _ in base.named_parameters()] + [n for n, _ in base.named_buffers()]
    tensors = [dict(list(m.named_parameters()) + list(m.named_buffers())) for m in models]
    stacked = {n: torch.stack([t[n].detach() for t in tensors]) for n in names}

    def one(params: dict[str, Tensor], x: Tensor) -> Tensor:
        return functional_call(base, params, (x,), {"C": C})

    batched = vmap(one)

    def f(X: Tensor) -> Tensor:
        return batched(stacked, X)

    return f


def itrsa_lyapunov(
    etas: Sequence[float],
    scales: Sequence[float],
    *,
    norm: NormKind | None = "rms",
    dim: int = 16,
    heads: int = 4,
    tokens: int = 8,
    input_norm: float = 4.0,
    steps: int = 100,
    transient: int = 30,
    seed: int = 0,
):
    """Maximal Lyapunov exponent of ItrSA for every (eta, scale) pair, vectorized as one batched system.

    All models share their random weight *directions* (same seed; ``scale`` multiplies them), the input C (tokens of
    norm ``input_norm``) and the start X0 (unit tokens), so the grid isolates eta and the weight scale. Normalized
    models exclude their radial directions (``constraint="sphere"``). Returns the batched
    :class:`~sadyn.analysis.LyapunovSpectrum` (``k = 1``; one system per pair, eta-major).
    """
    pairs = [(e, s) for e in etas for s in scales]
    models = [
        ItrSA(dim, heads, norm=norm, eta=e, scale=s, dtype=torch.float64, generator=torch.Generator().manual_seed(seed))
        for e, s in pairs
    ]
    C = random_tokens(tokens, dim, radius=input_norm, seed=seed + 1)
    X0 = random_tokens(tokens, dim, seed=seed + 2).expand(len(pairs), tokens, dim).clone()
    return lyapunov_spectrum(
        stacked_map(models, C),
        X0,
        steps=steps,
        transient=transient,
        k=1,
        batch=True,
        constraint="sphere" if norm is not None else None,
    )


def lyapunov_phase_diagram(
    etas: Sequence[float] = (0.1, 0.3, 1.0, 3.0, 10.0),
    scales: Sequence[float] = (0.25, 0.5, 1.0, 2.0, 4.0),
    *,
    norms: Sequence[NormKind | None] = ("rms", None),
    **kw: Any,
) -> dict[str, Any]:
    """Tutorial 05's phase diagram: lambda_max over (eta, weight scale) for each normalization, plus regimes.

    Returns ``{"etas", "scales", "<norm>": {"max": (len(etas), len(scales)) array, "regime": nested list,
    "divergent": bool array}}`` (keys ``"rms"``, ``"None"``, ...). Divergent systems keep the exponent estimated
    before they blew up, and are flagged.
    """
    out: dict[str, Any] = {"etas": list(etas), "scales": list(scales)}
    shape = (len(etas), len(scales))
    for norm in norms:
        L = itrsa_lyapunov(etas, scales, norm=norm, **kw)
        regimes = classify_regime(L)
        out[str(norm)] = {
            "max": L.exponents[:, 0].reshape(shape).numpy(),
            "regime": [list(regimes[i * shape[1] : (i + 1) * shape[1]]) for i in range(shape[0])],
            "divergent": np.array([st == "divergent" for st in L.status]).reshape(shape),
        }
    return out


@torch.no_grad()
def trajectory_distance(
    f: Callable[[Tensor], Tensor], X0: Tensor, *, warmup: int, steps: int, points: int, eps: float, seed: int
) -> dict[str, list]:
    """L1 distance ||X_t - Y_t||_1 between the trajectories from X_w and X_w + eps * noise (X_w: X0 after ``warmup``
    steps), at ``points`` equally spaced t in 0..steps (Fig. S.5's sensitivity to initial conditions)."""
    X = X0
    for _ in range(warmup):
        X = f(X)
    Y = X + eps * torch.randn(X.shape, generator=torch.Generator().manual_seed(seed), dtype=X.dtype)
    marks = set(np.linspace(0, steps, points).round().astype(int).tolist())
    t_out, d_out = [], []
    for t in range(steps + 1):
        if t in marks:
            t_out.append(t)
            d_out.append(float((X - Y).abs().sum()))
        if t < steps:
            X, Y = f(X), f(Y)
    return {"t": t_out, "l1": d_out}


def growth_rate(t: Sequence[float], distance: Sequence[float], *, start: int = 0, stop: int | None = None) -> float:
    r"""Least-squares slope of :math:`\ln d_t` against t over ``t[start:stop]``: the exponent read off a
    two-trajectory picture (:func:`trajectory_distance`), before the distance saturates at the attractor's size."""
    tt = np.asarray(t, dtype=float)[start:stop]
    dd = np.asarray(distance, dtype=float)[start:stop]
    if tt.size < 2 or not np.all(dd > 0) or not np.all(np.isfinite(dd)):
        raise ValueError(
            f"`distance` needs at least two positive, finite values in [start:stop], got {dd.size} ({dd[:3]}...); "
            "choose a window before the distance saturates or underflows."
        )
    return float(np.polyfit(tt, np.log(dd), 1)[0])


def finite_time_curve(
    f: Callable[[Tensor], Tensor],
    x0: Tensor,
    horizons: Sequence[int] = (1, 2, 4, 8, 16, 32, 64),
    *,
    constraint: Constraint | None = None,
    group: int | None = None,
) -> dict[str, list]:
    r"""The finite-time maximal exponent :math:`\lambda^{(T)}_{\max} = \frac1T \ln \sigma_{\max}(J_{T-1}\cdots J_0)`
    (App. B.3) for every horizon T from ``x0``. At T = 1 it is :math:`\ln\|J_0\|_2`, the largest one-step
    amplification; as T grows it tends to the long-run exponent. A value above the long-run one at small T is
    **short-term amplification**: perturbations grow for a while (non-normal J) before they decay."""
    from ..analysis import finite_time_lyapunov

    Ts = [int(T) for T in horizons]
    lam = [float(finite_time_lyapunov(f, x0, horizon=T, k=1, constraint=constraint, group=group).max) for T in Ts]
    return {"T": Ts, "lambda_max": lam}


def analyse_map(
    f: Callable[[Tensor], Tensor],
    x0: Tensor,
    *,
    settle: int = 20,
    steps: int = 200,
    k: int = 8,
    constraint: Constraint | None = None,
    group: int | None = None,
) -> dict[str, Any]:
    """Spectral norm and eigenvalues of J at x_settle (x0 if that state is not finite), and the top-``k`` Lyapunov
    exponents over ``steps`` after ``settle`` transient steps, with their regime (tutorial 09's dashboard)."""
    with torch.no_grad():
        x = x0
        for _ in range(settle):
            x = f(x)
    if not bool(torch.isfinite(x).all()):
        x = x0
    spectrum = lyapunov_spectrum(f, x0, steps=steps, k=k, transient=settle, constraint=constraint, group=group)
    norm, eigs = jacobian_spectrum(f, x, tol=1e-6)  # one dense Jacobian for both
    return {
        "spectral_norm": norm,
        "eigenvalues": eigs,
        "spectrum": spectrum,
        "regime": classify_regime(spectrum),
    }
