r"""Sec. 6.3 on trained Sudoku solvers (tutorial 08, Fig. 6): the pseudo-energy along inference and energy voting.

* Pseudo-energy along inference: :math:`E = -\mathrm{Tr}(X^\top (C + \mathrm{MSA}(X)))`, its Jacobian reading
  :math:`-x^\top J x = -x^\top (J + J^\top) x / 2` with ``J`` the Jacobian of MSA, the alignment
  :math:`\cos(\mathrm{vec}\,\mathrm{MSA}(X), J x)` and the contribution index.
* Energy voting over K random restarts (AKOrN): keep the restart with the lowest final pseudo-energy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch

from ..analysis import contribution_index, jvp, pseudo_energy
from .sudoku import _solver, solver_map

__all__ = ["inference_energy", "restart_energies", "voting_curve", "energy_curves"]


def inference_energy(
    model: object,
    puzzle: object,
    *,
    steps: int = 32,
    seed: int = 0,
    fraction: float = 0.02,
    contribution_at: Sequence[int] | None = None,
) -> dict[str, np.ndarray]:
    r"""Fig. 6 along one inference, at t = 0..steps (arrays of length steps + 1):

    * ``pseudo_energy``: :math:`-\mathrm{Tr}(X_t^\top (C + \mathrm{MSA}(X_t)))`;
    * ``attention_energy``: the same without C, :math:`-\langle x_t, \mathrm{vec}\,\mathrm{MSA}(X_t)\rangle`;
    * ``quadratic``: its Jacobian reading :math:`-x_t^\top J_t x_t = -x_t^\top (J_t + J_t^\top) x_t / 2`,
      ``J_t`` the Jacobian of MSA at ``X_t``;
    * ``cosine``: :math:`\cos(\mathrm{vec}\,\mathrm{MSA}(X_t), J_t x_t)` (1 when MSA acts linearly on X_t);
    * ``contribution``: :func:`sadyn.analysis.contribution_index` of MSA at X_t (share of x_t in the top
      ``fraction`` eigenspace of J_t + J_t^T), at every step or only at the steps ``contribution_at`` (NaN at
      the others: at 9x9 each index is a Lanczos eigen-solve of a 10,368-dimensional operator, about a minute).
    """
    at = set(range(steps + 1))
    if contribution_at is not None:
        at = {int(t) for t in contribution_at}
        if not at or not all(0 <= t <= steps for t in at):
            raise ValueError(f"`contribution_at` must list steps in [0, steps={steps}], got {list(contribution_at)!r}.")
    sm = solver_map(model, puzzle, seed=seed)
    attn = sm.block.attention
    with torch.no_grad():
        traj = sm.block.rollout(sm.X0, sm.C, steps=steps)
    if traj.diverged_at is not None:
        raise ValueError(
            f"the rollout diverged at step {traj.diverged_at}; the pseudo-energy needs finite states "
            f"(use fewer `steps` or a normalized model)."
        )
    keys = ("pseudo_energy", "attention_energy", "quadratic", "cosine", "contribution")
    out = {k: np.zeros(steps + 1) for k in keys}
    for t, X in enumerate(traj.states):
        with torch.no_grad():
            M = attn(X)
        Jx = jvp(attn, X, X)
        out["pseudo_energy"][t] = float(pseudo_energy(sm.block, X, sm.C))
        out["attention_energy"][t] = -float((X * M).sum())
        out["quadratic"][t] = -float((X * Jx).sum())
        out["cosine"][t] = float(torch.nn.functional.cosine_similarity(M.flatten(), Jx.flatten(), dim=0))
        out["contribution"][t] = contribution_index(attn, X, fraction=fraction) if t in at else np.nan
    return out


@torch.no_grad()
def restart_energies(
    model: object,
    puzzles: np.ndarray,
    solutions: np.ndarray,
    *,
    restarts: int = 16,
    steps: Sequence[int] = (8, 16, 32),
    seed: int = 0,
) -> dict[str, Any]:
    """Final pseudo-energy and correctness of every restart: ``energy`` and ``correct`` of shape
    ``(len(steps), n, restarts)`` (``correct``: the whole board right; divergent runs get energy +inf).

    The noise of restart k is the k-th draw of ``torch.Generator().manual_seed(seed)``, as in
    :meth:`SudokuSolver.solve` for one batch, so voting over the first K restarts (:func:`voting_curve`)
    reproduces ``model.solve(puzzles, steps=T, restarts=K, seed=seed)``.
    """
    model = _solver(model)
    if isinstance(restarts, bool) or not isinstance(restarts, int) or restarts < 1:
        raise ValueError(f"`restarts` must be a positive integer, got restarts={restarts!r}.")
    Ts = sorted({int(t) for t in steps})
    n = len(model.tokens(puzzles))
    target = torch.as_tensor(np.asarray(solutions).reshape(n, -1).astype(np.int64))
    energy = np.zeros((len(Ts), n, restarts))
    correct = np.zeros((len(Ts), n, restarts), dtype=bool)
    for snap in model.iterate(puzzles, steps=Ts, restarts=restarts, seed=seed):
        i, r, k = Ts.index(snap.steps), snap.rows, snap.restart
        energy[i, r, k] = snap.energy().cpu().numpy()
        correct[i, r, k] = ((snap.prediction().cpu() == target[r]).all(-1) & snap.finite.cpu()).numpy()
    return {"steps": Ts, "energy": energy, "correct": correct}


def voting_curve(result: Mapping[str, Any], steps: int) -> dict[str, np.ndarray]:
    """Board accuracy with K = 1..restarts restarts at loop count ``steps``, from :func:`restart_energies`:

    ``vote`` (keep the lowest-energy restart), ``single`` (the mean accuracy of one restart: what voting has to beat)
    and ``oracle`` (any restart right: the ceiling a perfect score would reach). Arrays indexed by K - 1.
    """
    if steps not in result["steps"]:
        raise ValueError(f"`steps` must be one of the loop counts computed, {result['steps']}, got steps={steps!r}.")
    i = result["steps"].index(steps)
    E, ok = result["energy"][i], result["correct"][i]
    n, K = E.shape
    vote, oracle = np.zeros(K), np.zeros(K)
    for k in range(1, K + 1):
        pick = np.argmin(E[:, :k], axis=1)
        vote[k - 1] = ok[np.arange(n), pick].mean()
        oracle[k - 1] = ok[:, :k].any(1).mean()
    return {"K": np.arange(1, K + 1), "vote": vote, "single": np.full(K, ok.mean()), "oracle": oracle}


@torch.no_grad()
def energy_curves(
    model: object, puzzle: np.ndarray, solution: np.ndarray, *, restarts: int = 8, steps: int = 16, seed: int = 0
) -> dict[str, Any]:
    """Pseudo-energy E_t (t = 0..steps) of ``restarts`` runs on one puzzle (the noise draws of
    :func:`restart_energies` called with this puzzle alone): ``energy`` ``(restarts, steps + 1)``, ``correct`` ``(restarts,)`` (board right at
    T = steps) and ``vote``, the index of the restart with the lowest final energy."""
    model = _solver(model)
    K, T = int(restarts), int(steps)
    target = torch.as_tensor(np.asarray(solution).reshape(1, -1).astype(np.int64))
    energy = np.zeros((K, T + 1))
    correct = np.zeros(K, dtype=bool)
    for snap in model.iterate(puzzle, steps=range(T + 1), restarts=K, seed=seed):
        energy[snap.restart, snap.steps] = float(snap.energy()[0])
        if snap.steps == T:
            correct[snap.restart] = bool((snap.prediction().cpu() == target).all() & snap.finite.all())
    return {"energy": energy, "correct": correct, "vote": int(np.argmin(energy[:, -1]))}
