"""Teaching-scale experiments behind the tutorials' and the reproduction's figures.

Each function runs one experiment of the paper on small, seeded, untrained (or given) models and returns plain
numbers; notebooks, widgets and ``sadyn reproduce`` draw and judge them. Nothing here plots.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor

from .analysis.spectra import eigenvalues, spectral_norm
from .dynamics import ItrSA, LoopedModel
from .norms import sphere_project

__all__ = [
    "eigenvalue_cloud",
    "jacobian_norm_vs_tokens",
    "random_tokens",
    "stacked_map",
    "itrsa_lyapunov",
    "lyapunov_phase_diagram",
    "kuramoto_sync",
    "oscillator_coherence",
]


def random_tokens(
    tokens: int,
    dim: int,
    *,
    radius: float = 1.0,
    batch: Sequence[int] = (),
    seed: int = 0,
    dtype: torch.dtype = torch.float64,
) -> Tensor:
    """``(*batch, tokens, dim)`` Gaussian directions scaled to norm ``radius`` (the paper's Fig. 1 inputs)."""
    g = torch.Generator().manual_seed(seed)
    return radius * sphere_project(torch.randn(*batch, tokens, dim, generator=g, dtype=dtype))


def eigenvalue_cloud(model: LoopedModel, X0: Tensor, C: Tensor | None = None, *, steps: int = 16) -> dict[str, Any]:
    """Eigenvalues of the one-step Jacobian at X_T after ``steps`` loops from ``X0`` (Fig. 2c's picture).

    Returns the eigenvalues (complex, descending modulus), the largest modulus, the share outside the unit
    circle, and whether the rollout diverged (then the eigenvalues are those at the last finite state).
    """
    tr = model.rollout(X0, C, steps=steps)
    lam = eigenvalues(model.as_map(C), tr.final)
    mod = lam.abs()
    return {
        "eigenvalues": lam,
        "max_modulus": float(mod.max()),
        "outside_share": float((mod > 1 + 1e-9).double().mean()),
        "max_imag": float(lam.imag.abs().max()),
        "diverged_at": tr.diverged_at,
    }


def jacobian_norm_vs_tokens(
    tokens: Sequence[int] = (4, 8, 16, 32, 64),
    *,
    dim: int = 32,
    heads: int = 4,
    radius: float = 100.0,
    eta: float = 1.0,
    scale: float = 1.0,
    norms: Sequence[str | None] = ("rms", None),
    samples: int = 3,
    seed: int = 0,
) -> dict[str, Any]:
    """The paper's Fig. 1: ||d step / dX||_2 of an untrained ItrSA step at random tokens of norm ``radius``.

    For every normalization in ``norms`` and every token count S, ``samples`` (weights, tokens) draws; for
    normalized models also Prop. 5.1's bound max|gamma| / min_i ||Y_i|| (1 + eta ||J_MSA||_2) at the same point.
    Returns ``{"tokens": [...], "<norm>": {"mean", "std", "bound_mean", "bound_ok"}}`` with ``str(None) == "None"``.
    """
    from .analysis import prop51_bound  # the model-specific helpers live with the engine

    out: dict[str, Any] = {"tokens": list(tokens), "dim": dim, "heads": heads, "radius": radius, "eta": eta}
    for norm in norms:
        measured = np.zeros((len(tokens), samples))
        bounds = np.full((len(tokens), samples), np.nan)
        for i, S in enumerate(tokens):
            for s in range(samples):
                g = torch.Generator().manual_seed(seed + 1000 * s + S)
                model = ItrSA(dim, heads, norm=norm, eta=eta, scale=scale, generator=g, dtype=torch.float64)
                X = random_tokens(S, dim, radius=radius, seed=seed + 1000 * s + S)
                measured[i, s] = spectral_norm(model.as_map(), X, tol=1e-6)
                if norm is not None:
                    bounds[i, s] = float(prop51_bound(model, X))
        out[str(norm)] = {
            "mean": measured.mean(1).tolist(),
            "std": measured.std(1).tolist(),
            "bound_mean": None if norm is None else bounds.mean(1).tolist(),
            "bound_ok": None if norm is None else bool((measured <= bounds * (1 + 1e-6)).all()),
        }
    return out


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
    norm: str | None = "rms",
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
    from .analysis import lyapunov_spectrum

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
    norms: Sequence[str | None] = ("rms", None),
    **kw: Any,
) -> dict[str, Any]:
    """Tutorial 05's phase diagram: lambda_max over (eta, weight scale) for each normalization, plus regimes.

    Returns ``{"etas", "scales", "<norm>": {"max": (len(etas), len(scales)) array, "regime": nested list,
    "divergent": bool array}}`` (keys ``"rms"``, ``"None"``, ...). Divergent systems keep the exponent estimated
    before they blew up, and are flagged.
    """
    from .analysis import classify_regime

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


def kuramoto_sync(
    Ks: Sequence[float],
    *,
    n: int = 2000,
    gamma: float = 0.5,
    time: float = 60.0,
    dt: float = 0.05,
    seed: int = 0,
) -> dict[str, Any]:
    """The Kuramoto synchronization transition: order parameter r(t) and its late-time mean for each coupling K.

    Natural frequencies at the quantiles of a Lorentzian of half-width ``gamma`` (so K_c = 2 gamma and, for
    N -> infinity, r_inf = sqrt(1 - 2 gamma / K) above K_c); random initial phases; RK4 steps of ``dt``.
    Returns ``{"K", "t", "r": (len(Ks), steps + 1), "r_inf" (mean over the last third), "theory"}``.
    """
    from .systems import Kuramoto, lorentzian_frequencies

    omega = lorentzian_frequencies(n, gamma)
    g = torch.Generator().manual_seed(seed)
    theta0 = 2 * torch.pi * torch.rand(n, generator=g, dtype=torch.float64)
    steps = int(round(time / dt))
    rs = torch.empty(len(Ks), steps + 1, dtype=torch.float64)
    for i, K in enumerate(Ks):
        system, theta = Kuramoto(omega, K=K, dt=dt), theta0
        rs[i, 0] = Kuramoto.order_parameter(theta)
        for t in range(1, steps + 1):
            theta = system(theta)
            rs[i, t] = Kuramoto.order_parameter(theta)
    tail = rs[:, -(steps // 3) :].mean(1)
    theory = [float(np.sqrt(max(0.0, 1 - 2 * gamma / K))) if K > 0 else 0.0 for K in Ks]
    return {
        "K": list(Ks),
        "t": np.arange(steps + 1) * dt,
        "r": rs.numpy(),
        "r_inf": tail.numpy(),
        "theory": theory,
        "gamma": gamma,
        "n": n,
    }


def oscillator_coherence(states: Tensor, oscillator_dim: int) -> Tensor:
    """Order parameter of AKOrN's oscillators across tokens: for every oscillator slot j, |mean_i x_{i,j}| (unit
    vectors, so 1 = all tokens aligned, about 1/sqrt(S) = incoherent), averaged over slots; one value per state.

    ``states``: ``(..., S, D)`` with D divisible by ``oscillator_dim``; returns ``(...)``.
    """
    osc = states.unflatten(-1, (-1, oscillator_dim))
    unit = osc / torch.linalg.vector_norm(osc, dim=-1, keepdim=True)
    return torch.linalg.vector_norm(unit.mean(-3), dim=-1).mean(-1)
