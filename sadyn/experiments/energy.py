"""Sec. 4 (energy-based attention): the clustering flow of tutorial 01 and the symmetry-breaking knob of tutorial 02.

Each function runs one seeded rollout of :class:`~sadyn.EnergySA` and returns plain numbers; nothing here draws.
"""

from __future__ import annotations

from typing import Any

import torch

from ..dynamics import EnergySA
from ..geometry import count_clusters
from ..norms import sphere_project

__all__ = ["clustering_run", "symmetry_run"]


def clustering_run(
    *, beta: float, dt: float, tokens: int = 32, steps: int = 200, seed: int = 0, dim: int = 3
) -> dict[str, Any]:
    """The identity-weight energy flow (Geshkovski et al.; eq. (4) with A = V = I) from fixed random unit tokens.

    Returns the trajectory, its energies E(X_t), whether they decrease, and the number of clusters at the end.
    """
    g = torch.Generator().manual_seed(seed)
    X0 = sphere_project(torch.randn(tokens, dim, generator=g, dtype=torch.float64))
    model = EnergySA(dim, matrix=torch.eye(dim, dtype=torch.float64), beta=beta, dt=dt, dtype=torch.float64)
    tr = model.rollout(X0, steps=steps)
    E = tr.energies
    return {
        "trajectory": tr,
        "energies": E,
        "decreasing": tr.energy_decreasing(atol=1e-12 * float(E.abs().max())),
        "clusters": count_clusters(tr.final),
        "beta": beta,
        "dt": dt,
    }


def symmetry_run(
    *,
    symmetry_breaking: float,
    heads: int = 1,
    beta: float = 1.0,
    project: bool = True,
    dim: int = 8,
    tokens: int = 16,
    steps: int = 400,
    dt: float = 0.1,
    probes: int = 256,
    seed: int = 0,
) -> dict[str, Any]:
    """One EnergySA run with V <- (1 - t) V_condition + t R (Prop. 4.1's condition broken by t); tutorial 02.

    Returns the energies of a rollout, the token speed ||X_{t+1} - X_t|| (mean over tokens), the share of steps
    whose energy rose, and the share of ``probes`` random states where dE/dt > 0 (the continuous-time test).
    """
    g = torch.Generator().manual_seed(seed)
    model = EnergySA(
        dim,
        heads,
        symmetry_breaking=symmetry_breaking,
        project=project,
        beta=beta,
        dt=dt,
        dtype=torch.float64,
        generator=g,
    )
    X = torch.randn(probes + 1, tokens, dim, generator=g, dtype=torch.float64)
    X = model.normalize(X) if project else X / dim**0.5
    tr = model.rollout(X[0], steps=steps)
    E = tr.energies
    dE = E[1:] - E[:-1]
    speed = (tr.states[1:] - tr.states[:-1]).norm(dim=-1).mean(-1)
    rates = model.energy_rate(X[1:])
    return {
        "energies": E,
        "trace": tr.states[:, 0, :3],
        "speed": speed,
        "increasing_steps": float((dE > 1e-12 * E.abs().max()).double().mean()),
        "positive_rate_share": float((rates > 0).double().mean()),
        "final_speed": float(speed[-10:].mean()),
        "symmetry_breaking": symmetry_breaking,
        "heads": heads,
        "beta": beta,
        "diverged": tr.diverged,
    }
