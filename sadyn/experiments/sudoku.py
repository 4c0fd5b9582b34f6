r"""Sec. 6 on trained Sudoku solvers (tutorials 07-08, Figs. 1-5, S.5): accuracy, the solver's map, its exponents.

Each function takes shipped checkpoint names (``sadyn.pretrained_models()``) or :class:`~sadyn.models.SudokuSolver`
objects and returns plain numbers; notebooks and widgets draw and judge them. The recurrent map of a solver at a
puzzle is its dynamics block with the input bound, ``f(X) = F(X, C)`` (eqs. (7)-(9)), so every analysis of
:mod:`sadyn.analysis` applies to it unchanged.

* Test-time scaling (Sec. 6.1, Fig. 4): board accuracy against the number of loops T.
* Maximal Lyapunov exponent at a puzzle (App. B.3, Fig. 3): the finite-time value
  :math:`\lambda^{(T)}_{\max} = \frac1T \ln \|D f^T(X_0)\|_2` (T = 16, from the initial state) and the QR estimate.
* Inference-time variants (Fig. 3): eta, the input scale or W^V multiplied by a factor.

The pseudo-energy and energy voting (Sec. 6.3, Fig. 6) are in :mod:`sadyn.experiments.sudoku_energy`.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import Tensor

from .. import SudokuSolver
from .._validate import Constraint, check_bool
from ..analysis import finite_time_lyapunov, finite_time_volume, lyapunov_spectrum, spectral_norm
from .jacobians import eigenvalue_cloud

__all__ = [
    "puzzle_set",
    "accuracy_vs_loops",
    "solved_boards",
    "SolverMap",
    "solver_map",
    "solver_lyapunov",
    "solver_eigenvalues",
    "solver_exponents",
    "solver_spectrum",
    "solver_variant",
    "shipped_solvers",
    "solve_one",
]

Models = Sequence[str] | Mapping[str, SudokuSolver]


def _solver(model: object) -> SudokuSolver:
    """A checkpoint name or a SudokuSolver -> the SudokuSolver."""
    if isinstance(model, str):
        from .. import load_pretrained

        return load_pretrained(model)
    if not isinstance(model, SudokuSolver):
        raise TypeError(
            f"`model` must be a SudokuSolver or a shipped checkpoint name (sadyn.pretrained_models()), "
            f"got {type(model).__name__}."
        )
    return model


def shipped_solvers(size: int, names: Sequence[str] | None = None) -> list[str]:
    """The shipped checkpoints (of ``names``, default all) whose boards are ``size`` x ``size``, read from the
    manifest's training command (``--size``), so a 4x4 evaluation never meets a 9x9 model."""
    from ..solver.pretrained import pretrained_info, pretrained_models

    shipped = pretrained_models()
    out = []
    for name in shipped if names is None else [n for n in names if n in shipped]:
        argv = pretrained_info(name)["command"].split()
        board = int(argv[argv.index("--size") + 1]) if "--size" in argv else 9
        if board == size:
            out.append(name)
    return out


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
    from ..sudoku import load_dataset

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
    from ..solver.pretrained import pretrained_info
    from ..sudoku import board_accuracy, cell_accuracy

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


def solved_boards(
    models: Models,
    *,
    steps: int = 16,
    dataset: str = "sudoku4-ood",
    n: int = 200,
    seeds: Sequence[int] = (0, 1, 2),
) -> dict[str, Any]:
    """Which of the first ``n`` puzzles of ``dataset`` each model solves after ``steps`` loops, per noise seed.

    The raw material of paired comparisons: two models scored on the same puzzles and the same seeds differ by
    ``mean_j d_j`` with standard error ``std(d) / sqrt(n)``, where ``d_j`` is puzzle j's difference averaged over
    the seeds (tighter than two independent binomial errors, and honest about noise-seed variation). Returns
    ``{"steps", "dataset", "n", "seeds", "solved": {name: bool array (len(seeds), n)}}``.
    """
    from ..sudoku import solved

    named = _named(models)
    puzzles, solutions = puzzle_set(dataset, n)
    T = int(steps)
    table = {
        name: np.stack([solved(model.solve_at(puzzles, steps=(T,), seed=int(s))[T], solutions, puzzles) for s in seeds])
        for name, model in named.items()
    }
    return {"steps": T, "dataset": dataset, "n": len(puzzles), "seeds": [int(s) for s in seeds], "solved": table}


def solve_one(model: object, puzzle: np.ndarray, solution: np.ndarray, *, steps: int, seed: int = 0) -> dict[str, Any]:
    """One board after ``steps`` loops: ``{"puzzle", "solution", "board", "solved"}`` (tutorial 07's explorer)."""
    board = _solver(model).solve(np.asarray(puzzle)[None], steps=steps, seed=seed)[0]
    return {"puzzle": puzzle, "solution": solution, "board": board, "solved": bool((board == solution).all())}


@dataclass(frozen=True)
class SolverMap:
    """The recurrent map of a trained solver at one puzzle: ``f(X) = block.step(X, C)`` from ``X0`` (one state
    ``(S, D)``), and the ``constraint``/``group`` that exclude the normalization's radial directions."""

    f: Callable[[Tensor], Tensor]
    X0: Tensor
    C: Tensor
    block: Any  # the solver's LoopedModel (ItrSA, AKOrN or EnergySA): .attention, .norm, .as_map, .rollout
    constraint: Constraint | None
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
    constraint: Constraint | None
    group: int | None
    if model.dynamics == "energy":
        constraint, group = "sphere", None
    else:
        kind = block.norm.kind
        # the radial directions the normalization removes: per token/group on a sphere, or the LayerNorm pair
        constraint, group = (
            (None, None) if kind is None else ("layer" if kind == "layer" else "sphere", block.norm.group)
        )
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


def solver_eigenvalues(
    model: object,
    puzzle: object,
    *,
    steps: int = 16,
    seed: int = 0,
    k: int | None = None,
    margin: float = 1e-9,
) -> dict[str, Any]:
    """Eigenvalues of the one-step Jacobian of a solver's map at X_T after ``steps`` loops (Fig. 2c); see
    :func:`sadyn.experiments.eigenvalue_cloud` for the keys (``eigenvalues``, ``max_modulus``, ``outside_share``),
    for ``k`` (only the k of largest modulus: what a 9x9 solver allows) and for ``margin`` (how far from the unit
    circle an eigenvalue must lie to count as outside)."""
    sm = solver_map(model, puzzle, seed=seed)
    return eigenvalue_cloud(sm.block, sm.X0, sm.C, steps=steps, k=k, margin=margin)


def solver_exponents(
    model: object,
    puzzles: Iterable[Any],
    *,
    horizon: int = 16,
    seed: int = 0,
    dense_max: int = 2048,
    mean: bool = True,
) -> dict[str, Any]:
    """The paper's finite-time Lyapunov exponents (App. B.3: T = 16 from the inference start) of a solver's loop
    at each puzzle (:func:`solver_map` binds the puzzle; radial directions excluded): the maximal and the mean
    exponent per puzzle and their averages, and how many rollouts diverged. Up to ``dense_max`` state entries
    (a 4x4 solver: 512) both come from the whole spectrum; above it (a 9x9 solver: 5,184 or 10,368) lambda_max
    comes matrix-free (ARPACK, ``k=1``) and the mean from :func:`sadyn.finite_time_volume` (exact, one LU per loop,
    minutes per puzzle), or is NaN with ``mean=False`` (lambda_max alone, seconds)."""
    model = _solver(model)
    want_mean = check_bool(mean, "mean")
    mx, means, divergent = [], [], 0
    for puzzle in puzzles:
        sm = solver_map(model, puzzle, seed=seed)
        c, g = sm.constraint, sm.group
        if sm.X0.numel() <= dense_max:
            L = finite_time_lyapunov(sm.f, sm.X0, horizon=horizon, constraint=c, group=g)
            mx.append(float(L.max))
            means.append(float(L.mean))
        else:
            L = finite_time_lyapunov(sm.f, sm.X0, horizon=horizon, k=1, constraint=c, group=g)
            mx.append(float(L.max))
            volume = finite_time_volume(sm.f, sm.X0, horizon=horizon, constraint=c, group=g) if want_mean else None
            means.append(float(volume.mean) if volume is not None else float("nan"))
        divergent += L.status == "divergent"
    return {
        "max": float(np.nanmean(mx)),
        "mean": float(np.nanmean(means)) if np.isfinite(means).any() else float("nan"),
        "max_per_puzzle": mx,
        "mean_per_puzzle": means,
        "divergent": divergent,
        "puzzles": len(mx),
    }


@torch.no_grad()
def solver_spectrum(model: object, puzzle: object, *, horizon: int = 16, seed: int = 0, budget: int = 2**18):
    r"""The whole finite-time spectrum :math:`\frac1T \ln \sigma_i(J_{T-1}\cdots J_0)` of a solver's map at one
    puzzle, radial directions excluded: :func:`sadyn.finite_time_lyapunov`'s numbers with the per-step
    Jacobians built ``budget`` state-sized tangents at a time (16 times fewer than the engine's default, so a
    notebook kernel stays small: about 20 MB instead of 350 MB for a 4x4 solver). A rollout that diverges falls
    back to :func:`sadyn.finite_time_lyapunov`. Returns ``{"exponents" (descending), "max", "mean", "excluded",
    "n"}``."""
    from .._validate import check_constraint
    from ..analysis._maps import dense_jacobians, flat_map
    from ..analysis.finite_time import _log_svals_dense, _states

    sm = solver_map(model, puzzle, seed=seed)
    F, X = flat_map(sm.f, sm.X0)
    _, _, excluded = check_constraint(sm.constraint, sm.group, F.system_shape())
    Xs, first_bad = _states(F, X, horizon)
    if int(first_bad[0]) <= horizon:  # not finite all the way: the engine handles the partial product
        L = finite_time_lyapunov(sm.f, sm.X0, horizon=horizon, constraint=sm.constraint, group=sm.group)
        exps = L.exponents
    else:
        logs = _log_svals_dense(dense_jacobians(F, Xs, budget=budget), torch.full((1,), horizon))
        exps = (logs[0] / horizon)[: F.n - excluded]
    return {
        "exponents": exps,
        "max": float(exps[0]),
        "mean": float(exps.mean()),
        "excluded": excluded,
        "n": F.n,
    }


def solver_variant(model: object, knob: str, factor: float) -> SudokuSolver:
    """A copy of ``model`` with eta, the input (all embeddings) or W^V multiplied by ``factor`` (Fig. 3's
    inference-time variants: the same trained weights, perturbed, not retrained)."""
    m = copy.deepcopy(_solver(model))
    with torch.no_grad():
        if knob == "eta":
            m.block.eta.mul_(factor)
        elif knob == "input":
            m.digit_embedding.weight.mul_(factor)
            for weight in m.position_embedding.parameters():  # each table's weight
                weight.mul_(factor)
        elif knob == "W^V":
            m.block.attention.wv.mul_(factor)
        else:
            raise ValueError(f"`knob` must be 'eta', 'input' or 'W^V', got {knob!r}.")
    return m
