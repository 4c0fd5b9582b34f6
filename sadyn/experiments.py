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

__all__ = ["eigenvalue_cloud", "jacobian_norm_vs_tokens", "random_tokens"]


def random_tokens(tokens: int, dim: int, *, radius: float = 1.0, batch: Sequence[int] = (), seed: int = 0,
                  dtype: torch.dtype = torch.float64) -> Tensor:
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
