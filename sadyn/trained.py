r"""Experiments on trained Sudoku solvers (tutorials 07-08): the paper's Sec. 6 measurements at teaching scale.

Each function takes shipped checkpoint names (``sadyn.pretrained_models()``) or :class:`~sadyn.models.SudokuSolver`
objects and returns plain numbers; notebooks and widgets draw and judge them. The recurrent map of a solver at a
puzzle is its dynamics block with the input bound, ``f(X) = F(X, C)`` (eqs. (7)-(9)), so every analysis of
:mod:`sadyn.analysis` applies to it unchanged.

* Test-time scaling (Sec. 6.1, Fig. 4): board accuracy against the number of loops T.
* Maximal Lyapunov exponent at a puzzle (App. B.3, Fig. 3): the finite-time value
  :math:`\lambda^{(T)}_{\max} = \frac1T \ln \|D f^T(X_0)\|_2` (T = 16, from the initial state) and the QR estimate.
* Pseudo-energy along inference (Sec. 6.3, Fig. 6): :math:`E = -\mathrm{Tr}(X^\top (C + \mathrm{MSA}(X)))`, its
  Jacobian reading :math:`-x^\top J x = -x^\top (J + J^\top) x / 2` with ``J`` the Jacobian of MSA, the alignment
  :math:`\cos(\mathrm{vec}\,\mathrm{MSA}(X), J x)` and the contribution index.
* Energy voting over K random restarts (AKOrN): keep the restart with the lowest final pseudo-energy.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import Tensor

from .analysis import contribution_index, finite_time_lyapunov, jvp, lyapunov_spectrum, pseudo_energy, spectral_norm
from .experiments import eigenvalue_cloud
from .models import SudokuSolver

__all__ = [
    "puzzle_set",
    "accuracy_vs_loops",
    "SolverMap",
    "solver_map",
    "solver_lyapunov",
    "solver_eigenvalues",
    "inference_energy",
    "restart_energies",
    "voting_curve",
    "energy_curves",
]

Models = Sequence[str] | Mapping[str, SudokuSolver]


def _solver(model: object) -> SudokuSolver:
    """A checkpoint name or a SudokuSolver -> the SudokuSolver."""
    if isinstance(model, str):
        from .pretrained import load_pretrained

        return load_pretrained(model)
    if not isinstance(model, SudokuSolver):
        raise TypeError(
            f"`model` must be a SudokuSolver or a shipped checkpoint name (sadyn.pretrained_models()), "
            f"got {type(model).__name__}."
        )
    return model


def _named(models: object) -> dict[str, SudokuSolver]:
    if isinstance(models, Mapping):
        return {str(k): _solver(v) for k, v in models.items()}
    if isinstance(models, (str, SudokuSolver)) or not isinstance(models, Sequence) or not models:
        raise TypeError(
            f"`models` must be a non-empty list of checkpoint names or a dict name -> SudokuSolver, "
            f"got {models!r:.80}; wrap a single name in a list."
        )
    return {str(m): _solver(m) for m in models}


def puzzle_set(dataset: str = "sudoku4-ood", n: int = 200, *, split: str = "test") -> tuple[np.ndarray, np.ndarray]:
    """The first ``n`` puzzles and solutions of a dataset split (``sadyn.sudoku.load_dataset``): a fixed subset."""
    from .sudoku import load_dataset

    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"`n` must be a positive integer (number of puzzles), got n={n!r}.")
    data = load_dataset(dataset, split, show_progress=False)
    return data.puzzles[:n], data.solutions[:n]


def accuracy_vs_loops(
    models: Models,
    *,
    steps: Sequence[int] = (1, 2, 4, 8, 16, 32, 64),
    dataset: str = "sudoku4-ood",
    n: int = 200,
    seed: int = 0,
) -> dict[str, Any]:
    """Board and cell accuracy of every model at every loop count T, on the first ``n`` puzzles of ``dataset``.

    One rollout per model serves every T (:meth:`SudokuSolver.solve_at`), with the same noise ``seed``. Returns
    ``{"steps", "dataset", "n", "board": {name: [acc per T]}, "cell": {...}, "train_steps": {name: T or None}}``.
    """
    from .pretrained import pretrained_info
    from .sudoku import board_accuracy, cell_accuracy

    named = _named(models)
    puzzles, solutions = puzzle_set(dataset, n)
    Ts = [int(t) for t in steps]
    out: dict[str, Any] = {
        "steps": Ts,
        "dataset": dataset,
        "n": len(puzzles),
        "board": {},
        "cell": {},
        "train_steps": {},
    }
    for name, model in named.items():
        preds = model.solve_at(puzzles, steps=tuple(Ts), seed=seed)
        out["board"][name] = [board_accuracy(preds[t], solutions, puzzles) for t in Ts]
        out["cell"][name] = [cell_accuracy(preds[t], solutions, puzzles) for t in Ts]
        try:
            out["train_steps"][name] = int(pretrained_info(name)["train_steps"])
        except ValueError:
            out["train_steps"][name] = None
    return out


@dataclass(frozen=True)
class SolverMap:
    """The recurrent map of a trained solver at one puzzle: ``f(X) = block.step(X, C)`` from ``X0`` (one state
    ``(S, D)``), and the ``constraint``/``group`` that exclude the normalization's radial directions."""

    f: Callable[[Tensor], Tensor]
    X0: Tensor
    C: Tensor
    block: torch.nn.Module
    constraint: str | None
    group: int | None


def solver_map(model: object, puzzle: object, *, seed: int = 0, dtype: torch.dtype = torch.float64) -> SolverMap:
    """Bind the input C of ``puzzle`` (one board) into a copy of the model's block in ``dtype``; X0 is the model's
    initial state for that puzzle (givens at C, blanks at noise drawn with ``seed``)."""
    model = copy.deepcopy(_solver(model)).to(dtype)
    digits = model.tokens(puzzle)
    if digits.shape[0] != 1:
        raise ValueError(
            f"`puzzle` must be one board of shape ({model.size}, {model.size}), got {digits.shape[0]} boards; "
            f"index one, e.g. puzzles[0]."
        )
    C = model.inputs(digits).detach()
    X0 = model.initial_state(digits, C, torch.Generator().manual_seed(int(seed))).detach()
    block = model.block
    if model.dynamics == "energy":
        constraint, group = "sphere", None
    else:
        constraint, group = (None, None) if block.norm.kind is None else ("sphere", block.norm.group)
    return SolverMap(block.as_map(C[0]), X0[0], C[0], block, constraint, group)


def solver_lyapunov(
    model: object, puzzle: object, *, horizon: int = 16, steps: int = 100, transient: int = 16, seed: int = 0
) -> dict[str, Any]:
    r"""Maximal Lyapunov exponent of a trained solver's map at one puzzle, finite-time and by QR.

    ``finite_time`` is the paper's :math:`\frac1T \ln \sigma_{\max}(J_{T-1}\cdots J_0)` from the initial state,
    computed matrix-free as ``ln spectral_norm(f^T, X0) / T`` (equal to ``finite_time_lyapunov(...).max``, which is
    used instead when the rollout diverges). ``qr`` is ``lyapunov_spectrum(f, X0, steps, transient, k=1)`` with the
    radial directions excluded (``steps=0`` skips it). Returns ``{"finite_time", "qr", "qr_stderr", "status"}``;
    a divergent rollout gives ``status="divergent"`` and the exponents measured before it.
    """
    sm = solver_map(model, puzzle, seed=seed)
    with torch.no_grad():
        traj = sm.block.rollout(sm.X0, sm.C, steps=horizon)
    status = "ok" if traj.diverged_at is None else "divergent"
    if status == "ok":

        def f_T(X: Tensor) -> Tensor:
            for _ in range(horizon):
                X = sm.f(X)
            return X

        ft = math.log(spectral_norm(f_T, sm.X0, tol=1e-8)) / horizon
    else:
        ft = float(
            finite_time_lyapunov(sm.f, sm.X0, horizon=horizon, k=1, constraint=sm.constraint, group=sm.group).max
        )
    out: dict[str, Any] = {"finite_time": ft, "qr": math.nan, "qr_stderr": math.nan, "status": status}
    if steps > 0:
        L = lyapunov_spectrum(
            sm.f, sm.X0, steps=steps, transient=transient, k=1, constraint=sm.constraint, group=sm.group
        )
        out.update(
            qr=float(L.max),
            qr_stderr=float(L.stderr[0]),
            status="ok" if status == "ok" and L.status == "ok" else "divergent",
        )
    return out


def solver_eigenvalues(model: object, puzzle: object, *, steps: int = 16, seed: int = 0) -> dict[str, Any]:
    """Eigenvalues of the one-step Jacobian of a solver's map at X_T after ``steps`` loops (Fig. 2c); see
    :func:`sadyn.experiments.eigenvalue_cloud` for the keys (``eigenvalues``, ``max_modulus``, ``outside_share``)."""
    sm = solver_map(model, puzzle, seed=seed)
    return eigenvalue_cloud(sm.block, sm.X0, sm.C, steps=steps)


def inference_energy(
    model: object, puzzle: object, *, steps: int = 32, seed: int = 0, fraction: float = 0.02
) -> dict[str, np.ndarray]:
    r"""Fig. 6 along one inference, at t = 0..steps (arrays of length steps + 1):

    * ``pseudo_energy``: :math:`-\mathrm{Tr}(X_t^\top (C + \mathrm{MSA}(X_t)))`;
    * ``attention_energy``: the same without C, :math:`-\langle x_t, \mathrm{vec}\,\mathrm{MSA}(X_t)\rangle`;
    * ``quadratic``: its Jacobian reading :math:`-x_t^\top J_t x_t = -x_t^\top (J_t + J_t^\top) x_t / 2`,
      ``J_t`` the Jacobian of MSA at ``X_t``;
    * ``cosine``: :math:`\cos(\mathrm{vec}\,\mathrm{MSA}(X_t), J_t x_t)` (1 when MSA acts linearly on X_t);
    * ``contribution``: :func:`sadyn.analysis.contribution_index` of MSA at X_t (share of x_t in the top
      ``fraction`` eigenspace of J_t + J_t^T).
    """
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
        out["contribution"][t] = contribution_index(attn, X, fraction=fraction)
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
