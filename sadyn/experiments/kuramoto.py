"""Sec. 5.3 (oscillators): the Kuramoto synchronization transition and AKOrN's coherence across tokens."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor

__all__ = ["kuramoto_sync", "oscillator_coherence"]


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
