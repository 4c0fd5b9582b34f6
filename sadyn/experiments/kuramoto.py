"""Sec. 5.3 (oscillators): the Kuramoto synchronization transition and AKOrN's coherence across tokens."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor

__all__ = ["kuramoto_sync", "oscillator_coherence", "akorn_sync_time", "akorn_phases"]


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
    from ..systems import Kuramoto, lorentzian_frequencies

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


@torch.no_grad()
def akorn_sync_time(
    scales: Sequence[float],
    *,
    omega: float = 1.0,
    tokens: int = 16,
    dim: int = 16,
    heads: int = 4,
    oscillator_dim: int = 2,
    eta: float = 0.3,
    threshold: float = 0.9,
    max_steps: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """Loops until AKOrN's oscillators synchronize (coherence >= ``threshold``) for each weight scale, without input.

    Every model shares its weight directions (``seed``) and start, so only the coupling strength changes. With one
    global natural frequency ``omega`` every oscillator rotates at the same rate: there is no frequency spread
    for the coupling to overcome (unlike Kuramoto's gamma), so any coupling synchronizes eventually, and weak
    coupling only takes longer. Returns ``{"scale", "steps" (None: not within max_steps), "coherence" (one
    array per scale, up to the step it synchronized), "omega", "threshold"}``.
    """
    from ..dynamics import AKOrN
    from ._inputs import random_tokens

    if not 0 < threshold < 1:
        raise ValueError(f"`threshold` must be in (0, 1) (a coherence level), got threshold={threshold!r}.")
    out: dict[str, Any] = {"scale": list(scales), "steps": [], "coherence": [], "omega": omega, "threshold": threshold}
    for scale in scales:
        g = torch.Generator().manual_seed(seed)
        m = AKOrN(
            dim,
            heads,
            oscillator_dim=oscillator_dim,
            omega=omega,
            eta=eta,
            scale=scale,
            dtype=torch.float64,
            generator=g,
        )
        X = m.normalize(random_tokens(tokens, dim, seed=seed + 10))
        trace = [float(oscillator_coherence(X, oscillator_dim))]
        hit = None
        for t in range(1, max_steps + 1):
            X = m.step(X)
            trace.append(float(oscillator_coherence(X, oscillator_dim)))
            if trace[-1] >= threshold:
                hit = t
                break
        out["steps"].append(hit)
        out["coherence"].append(np.asarray(trace))
    return out


@torch.no_grad()
def akorn_phases(
    scale: float, *, omega: float = 1.0, steps: int = 300, tokens: int = 16, threshold: float = 0.9, seed: int = 0
) -> dict[str, Any]:
    """One AKOrN run without input (D = 16, 4 heads, oscillators on circles, eta = 0.3; the models and start of
    :func:`akorn_sync_time`): the coherence per loop, the unwrapped phase of every token's first oscillator
    ``(steps + 1, tokens)``, its phase relative to the tokens' mean phase (``relative``, in (-pi, pi]), and the first loop with coherence >= ``threshold`` (None if none; tutorial 06)."""
    from ..dynamics import AKOrN
    from ._inputs import random_tokens

    m = AKOrN(
        16,
        4,
        oscillator_dim=2,
        omega=omega,
        eta=0.3,
        scale=scale,
        dtype=torch.float64,
        generator=torch.Generator().manual_seed(seed),
    )
    states = m.rollout(m.normalize(random_tokens(tokens, 16, seed=seed + 10)), steps=steps).states
    coherence = oscillator_coherence(states, 2).numpy()
    z = torch.complex(states[..., 0], states[..., 1])  # each token's first oscillator as a phase e^{i theta}
    phases = np.unwrap(torch.angle(z).numpy(), axis=0)
    mean = z.mean(-1, keepdim=True)  # the tokens' mean phase; the common rotation drops out of the difference
    relative = torch.angle(z * mean.conj()).numpy()
    hit = np.flatnonzero(coherence >= threshold)
    return {
        "coherence": coherence,
        "phases": phases,
        "relative": relative,
        "sync_step": int(hit[0]) if len(hit) else None,
        "scale": scale,
        "omega": omega,
        "tokens": tokens,
    }
