"""Sec. 5 (Jacobians, normalization, oscillations): Fig. 1, Prop. 5.1 and the oscillator toy of eqs. (17)-(20).

Each function builds small seeded models and returns plain numbers; nothing here draws.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor

from ..analysis import prop51_bound
from ..analysis.spectra import eigenvalues, spectral_norm
from ..dynamics import ItrSA, LoopedModel, OscillatorToy
from ..norms import NormKind, sphere_project
from ._inputs import random_tokens

__all__ = [
    "eigenvalue_cloud",
    "jacobian_norm_vs_tokens",
    "prop51_random_grid",
    "prop51_large_eta",
    "prop51_along_inference",
    "toy_run",
    "toy_max_modulus",
]


def eigenvalue_cloud(
    model: LoopedModel,
    X0: Tensor,
    C: Tensor | None = None,
    *,
    steps: int = 16,
    margin: float = 1e-9,
    k: int | None = None,
) -> dict[str, Any]:
    """Eigenvalues of the one-step Jacobian at X_T after ``steps`` loops from ``X0`` (Fig. 2c's picture).

    Returns the eigenvalues (complex, descending modulus), the largest modulus, the share outside the unit
    circle (|lambda| > 1 + ``margin``), the share on it (||lambda| - 1| <= ``margin``), and where the rollout
    diverged (then the eigenvalues are those at the last finite state). A defective eigenvalue 1 (e.g. of
    I + eta J_MSA where J_MSA is rank-deficient) is computed only to about sqrt(machine eps) ~ 1e-7 and lands
    on either side of the circle depending on the BLAS: pass ``margin=1e-4`` for counts that do not.

    With ``k`` only the ``k`` of largest modulus (matrix-free Arnoldi, :func:`sadyn.analysis.eigenvalues`; for
    states too large for a dense eigen-solve, e.g. a 9x9 solver's n = 10,368). The shares are still over all n
    eigenvalues: exact when fewer than ``k`` lie outside (the rest are smaller), else lower bounds
    (``shares_exact`` False).
    """
    if not 0 <= margin < 1:
        raise ValueError(f"`margin` must be in [0, 1), got {margin}; 1e-4 keeps round-off off the circle.")
    tr = model.rollout(X0, C, steps=steps)
    lam = eigenvalues(model.as_map(C), tr.final, k=k)
    mod = lam.abs()
    n = tr.final.numel()
    outside, on = int((mod > 1 + margin).sum()), int(((mod - 1).abs() <= margin).sum())
    return {
        "eigenvalues": lam,
        "max_modulus": float(mod.max()),
        "outside_share": outside / n,
        "on_circle_share": on / n,
        "shares_exact": k is None or outside + on < len(lam),
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
    norms: Sequence[NormKind | None] = ("rms", None),
    samples: int = 3,
    seed: int = 0,
) -> dict[str, Any]:
    """The paper's Fig. 1: ||d step / dX||_2 of an untrained ItrSA step at random tokens of norm ``radius``.

    For every normalization in ``norms`` and every token count S, ``samples`` (weights, tokens) draws; for
    normalized models also Prop. 5.1's bound max|gamma| / min_i ||Y_i|| (1 + eta ||J_MSA||_2) at the same point.
    Returns ``{"tokens": [...], "<norm>": {"mean", "std", "bound_mean", "bound_ok"}}`` with ``str(None) == "None"``.
    """
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


def prop51_random_grid(samples: int) -> dict[str, list[float]]:
    """Measured ||J||_2 and Prop. 5.1's bound of random ItrSA steps over (S, eta, weight scale) at unit tokens."""
    measured, bound = [], []
    for S in (4, 16):
        for eta in (0.1, 1.0, 10.0):
            for scale in (0.5, 2.0):
                for s in range(samples):
                    g = torch.Generator().manual_seed(1000 * s + S)
                    m = ItrSA(16, 4, eta=eta, scale=scale, dtype=torch.float64, generator=g)
                    X = m.norm(torch.randn(S, 16, generator=g, dtype=torch.float64))
                    C = torch.randn(S, 16, generator=g, dtype=torch.float64)
                    measured.append(spectral_norm(m.as_map(C), X))
                    bound.append(prop51_bound(m, X, C))
    return {"measured": measured, "bound": bound}


def prop51_large_eta(etas: Sequence[float]) -> dict[str, Any]:
    """Norm, bound and the eta -> infinity limit max|gamma| ||J_MSA||_2 / min_i ||Delta X_i|| at one point."""
    g = torch.Generator().manual_seed(7)
    X = torch.randn(8, 16, generator=g, dtype=torch.float64)
    C = torch.randn(8, 16, generator=g, dtype=torch.float64)
    measured, bound = [], []
    for eta in etas:
        m = ItrSA(16, 4, eta=eta, dtype=torch.float64, generator=torch.Generator().manual_seed(3))
        Xn = m.norm(X)
        measured.append(spectral_norm(m.as_map(C), Xn))
        bound.append(prop51_bound(m, Xn, C))
    with torch.no_grad():
        eps = float(torch.linalg.vector_norm(m.delta(Xn, C), dim=-1).min())
    limit = float(m.norm.max_gain()) * spectral_norm(m.attention, Xn, tol=1e-10) / eps
    return {"eta": list(etas), "measured": measured, "bound": bound, "limit": limit, "eps": eps}


def prop51_along_inference(model: object, *, count: int, dataset: str = "sudoku4-id") -> dict[str, Any]:
    """Measured ||J||_2 and Prop. 5.1's bound at t = 0, 4, .., 16 of a trained ItrSA solver's inference on the
    first ``count`` puzzles of ``dataset`` (``model``: a SudokuSolver or a shipped checkpoint name)."""
    from .sudoku import puzzle_set, solver_map

    puzzles, _ = puzzle_set(dataset, count)
    measured, bound = [], []
    for puzzle in puzzles:
        sm = solver_map(model, puzzle)
        X = sm.X0
        for t in range(17):
            if t % 4 == 0:
                measured.append(spectral_norm(sm.f, X))
                bound.append(prop51_bound(sm.block, X, sm.C))
            X = sm.f(X)
    return {"measured": measured, "bound": bound, "max_gamma": float(sm.block.norm.max_gain())}


def toy_run(
    *, eta: float, omega: float, normalize: bool, ratio: float = 1.0, steps: int = 40, seed: int = 0
) -> dict[str, Any]:
    """The D = 4 toy with frequencies (omega, ratio * omega): eigenvalues and norm of J at x_T, and the orbit.

    ``ratio = 1`` is the paper's case of one frequency, where normalization gives ||J||_2 <= 1 exactly.
    """
    model = OscillatorToy(4, eta=eta, omega=[omega, ratio * omega], normalize=normalize, dtype=torch.float64)
    x0 = sphere_project(torch.randn(1, 4, generator=torch.Generator().manual_seed(seed), dtype=torch.float64))
    tr = model.rollout(x0, steps=steps)
    f = model.as_map()
    lam = eigenvalues(f, tr.final)
    unnormalized = torch.cat([1 + 1j * eta * model.omega, 1 - 1j * eta * model.omega])
    return {
        "eigenvalues": lam,
        "analytic_unnormalized": unnormalized,
        "max_modulus": float(lam.abs().max()),
        "spectral_norm": spectral_norm(f, tr.final, exact=True),
        "norms": tr.states[:, 0].norm(dim=-1),
        "orbit": tr.states[:, 0, :2],
        "eta": eta,
        "omega": omega,
        "normalize": normalize,
        "ratio": ratio,
    }


def toy_max_modulus(etas: Sequence[float], omegas: Sequence[float]) -> dict[str, Any]:
    """Largest eigenvalue modulus of the toy's Jacobian, unnormalized (eq. (18)) and normalized (eq. (20)), at
    random unit states, with the closed form sqrt(1 + eta^2 omega^2) of eq. (18); ``example`` holds the two
    eigenvalue sets at the (eta, omega) whose product is nearest 1 (Fig. 2b)."""
    raw, normed, theory = [], [], []
    clouds: dict[str, Any] = {}
    g = torch.Generator().manual_seed(0)
    for eta in etas:
        for w in omegas:
            x = sphere_project(torch.randn(1, 4, generator=g, dtype=torch.float64))
            lam_raw = eigenvalues(OscillatorToy(4, eta=eta, omega=w, normalize=False, dtype=torch.float64).as_map(), x)
            lam_n = eigenvalues(OscillatorToy(4, eta=eta, omega=w, dtype=torch.float64).as_map(), x)
            raw.append(float(lam_raw.abs().max()))
            normed.append(float(lam_n.abs().max()))
            theory.append(float(np.sqrt(1 + eta**2 * w**2)))
            if not clouds or abs(eta * w - 1) < abs(clouds["eta"] * clouds["omega"] - 1):  # show eta omega nearest 1
                clouds = {"raw": lam_raw, "normalized": lam_n, "eta": eta, "omega": w}
    return {"raw_max_modulus": raw, "normalized_max_modulus": normed, "theory": theory, "example": clouds}
