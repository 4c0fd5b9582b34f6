"""Tutorials 07-08's explorers: trained Sudoku solvers across loops T, and energy voting across restarts K."""

from __future__ import annotations

from typing import Any

import ipywidgets as W
import numpy as np
from matplotlib.figure import Figure

from ..plots import PALETTE
from ..trained import _solver, accuracy_vs_loops, energy_curves, puzzle_set, restart_energies, voting_curve
from ._explorer import Explorer

__all__ = ["plot_board", "sudoku_explorer", "voting_explorer"]


def plot_board(ax, board: np.ndarray, puzzle: np.ndarray, solution: np.ndarray):
    """A board: givens in black, right answers in blue, wrong ones in vermillion (with the right digit small)."""
    n = board.shape[0]
    box = int(round(n**0.5))
    ax.set_xlim(0, n)
    ax.set_ylim(n, 0)
    ax.set_aspect("equal")
    ax.grid(False)
    ax.set_xticks([])
    ax.set_yticks([])
    for k in range(n + 1):
        lw = 2.0 if k % box == 0 else 0.6
        ax.axhline(k, color="k", lw=lw)
        ax.axvline(k, color="k", lw=lw)
    for i in range(n):
        for j in range(n):
            given, right = puzzle[i, j] > 0, board[i, j] == solution[i, j]
            color = "k" if given else (PALETTE[0] if right else PALETTE[3])
            ax.text(
                j + 0.5,
                i + 0.55,
                str(int(board[i, j])),
                ha="center",
                va="center",
                color=color,
                fontsize=14 if n <= 4 else 10,
                fontweight="bold" if given else "normal",
            )
            if not right:
                ax.text(j + 0.85, i + 0.25, str(int(solution[i, j])), ha="center", va="center", color="0.4", fontsize=7)
    return ax


def sudoku_explorer(
    curves: dict[str, Any] | None = None,
    *,
    model: str = "itrsa4-rms",
    steps: int = 16,
    puzzle: int = 0,
    models: dict[str, Any] | None = None,
) -> Explorer:
    """Choose a checkpoint, the loop count T and a puzzle: the accuracy-versus-T curve with the point at T (all
    other models in grey) and the board the model fills in after T loops.

    ``curves`` is :func:`sadyn.trained.accuracy_vs_loops`'s result (computed for the shipped 4x4 models if omitted);
    pass ``models`` (name -> SudokuSolver) when its names are not shipped checkpoints.
    """
    from ..pretrained import pretrained_models

    curves = curves if curves is not None else accuracy_vs_loops([m for m in pretrained_models() if "4" in m])
    names = list(curves["board"])
    if model not in names:
        raise ValueError(f"`model` must be one of the models in `curves`, {names}, got {model!r}.")
    puzzles, solutions = puzzle_set(curves["dataset"], curves["n"])
    solvers: dict[str, Any] = dict(models or {})
    controls = {
        "model": W.Dropdown(options=names, value=model, description="model"),
        "steps": W.SelectionSlider(
            options=curves["steps"], value=min(curves["steps"], key=lambda t: abs(t - steps)), description="loops T"
        ),
        "puzzle": W.IntSlider(value=puzzle, min=0, max=min(50, len(puzzles)) - 1, description="puzzle"),
    }

    def compute(model: str, steps: int, puzzle: int) -> dict[str, Any]:
        if model not in solvers:
            solvers[model] = _solver(model)
        board = solvers[model].solve(puzzles[puzzle : puzzle + 1], steps=steps)[0]
        i = curves["steps"].index(steps)
        return {
            "model": model,
            "steps": steps,
            "puzzle": puzzles[puzzle],
            "solution": solutions[puzzle],
            "board": board,
            "solved": bool((board == solutions[puzzle]).all()),
            "accuracy": curves["board"][model][i],
        }

    def draw(fig: Figure, d: dict[str, Any]) -> None:
        ax1, ax2 = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
        for name in names:
            if name != d["model"]:
                ax1.plot(curves["steps"], curves["board"][name], color="0.8", lw=1)
        ax1.plot(curves["steps"], curves["board"][d["model"]], "o-", color=PALETTE[0], label=d["model"])
        ax1.plot([d["steps"]], [d["accuracy"]], "o", ms=12, mfc="none", mec=PALETTE[1], mew=2)
        train_T = curves["train_steps"].get(d["model"])
        if train_T:
            ax1.axvline(train_T, color="0.5", ls=":", lw=1, label=f"trained at T = {train_T}")
        ax1.set(
            xscale="log",
            xlabel="loops T",
            ylabel=f"board accuracy ({curves['dataset']})",
            ylim=(-0.02, 1.02),
            title=f"{d['model']}: {d['accuracy']:.1%} at T = {d['steps']}",
        )
        ax1.legend(frameon=False, fontsize=8, loc="upper left")
        plot_board(ax2, d["board"], d["puzzle"], d["solution"])
        ax2.set_title(f"after T = {d['steps']} loops: {'solved' if d['solved'] else 'not solved'}")
        fig.tight_layout()

    return Explorer(controls, compute, draw, figsize=(9, 3.6), title="Test-time scaling of trained Sudoku solvers")


def voting_explorer(
    model: str = "akorn4-rms",
    *,
    restarts: int = 16,
    steps: tuple[int, ...] = (8, 16, 32),
    n: int = 200,
    dataset: str = "sudoku4-ood",
    puzzle: int | None = None,
    table: dict[str, Any] | None = None,
) -> Explorer:
    """Restarts K and loops T: the pseudo-energy curves of K runs on one puzzle (the voted run bold), and the voting
    accuracy over ``n`` puzzles against K beside one run's and the oracle's (computed once, then only indexed).

    ``table``: :func:`sadyn.trained.restart_energies` of this model on the first ``n`` puzzles of ``dataset``, if
    already computed. ``puzzle=None`` shows the first puzzle whose restarts disagree at the middle T.
    """
    solver = _solver(model)
    puzzles, solutions = puzzle_set(dataset, n)
    if table is None:
        table = restart_energies(solver, puzzles, solutions, restarts=restarts, steps=steps)
    restarts = table["energy"].shape[-1]
    if table["energy"].shape[1] != len(puzzles):
        raise ValueError(
            f"`table` holds {table['energy'].shape[1]} puzzles but n={n}; pass the n it was computed with."
        )
    if puzzle is None:
        hits = table["correct"][len(table["steps"]) // 2].sum(-1)
        mixed = np.flatnonzero((hits > 0) & (hits < restarts))
        puzzle = int(mixed[0]) if len(mixed) else 0
    controls = {
        "restarts": W.IntSlider(value=min(8, restarts), min=1, max=restarts, description="restarts K"),
        "steps": W.SelectionSlider(
            options=table["steps"], value=table["steps"][len(table["steps"]) // 2], description="loops T"
        ),
    }

    def compute(restarts: int, steps: int) -> dict[str, Any]:
        curve = voting_curve(table, steps)
        runs = energy_curves(solver, puzzles[puzzle], solutions[puzzle], restarts=restarts, steps=steps)
        return {
            "K": restarts,
            "T": steps,
            "curve": curve,
            "runs": runs,
            "vote": float(curve["vote"][restarts - 1]),
            "single": float(curve["single"][0]),
            "oracle": float(curve["oracle"][restarts - 1]),
        }

    def draw(fig: Figure, d: dict[str, Any]) -> None:
        ax1, ax2 = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
        runs = d["runs"]
        for k, (E, ok) in enumerate(zip(runs["energy"], runs["correct"])):
            voted = k == runs["vote"]
            ax1.plot(E, color=PALETTE[0] if ok else PALETTE[3], lw=2.5 if voted else 0.8, alpha=1 if voted else 0.6)
        ax1.set(
            xlabel="loop t",
            ylabel="pseudo-energy -Tr(X^T (C + MSA(X)))",
            title=f"puzzle {puzzle}: {int(runs['correct'].sum())}/{d['K']} runs right (blue), voted bold",
        )
        c = d["curve"]
        ax2.plot(c["K"], c["vote"], "o-", color=PALETTE[0], label="energy vote")
        ax2.plot(c["K"], c["single"], "--", color="0.4", label="one run (mean)")
        ax2.plot(c["K"], c["oracle"], ":", color=PALETTE[2], label="oracle (any run right)")
        ax2.plot([d["K"]], [d["vote"]], "o", ms=12, mfc="none", mec=PALETTE[1], mew=2)
        ax2.set(
            xscale="log",
            xlabel="restarts K",
            ylabel="board accuracy",
            title=f"{model}, T = {d['T']}: {d['vote']:.1%} with K = {d['K']}",
        )
        ax2.legend(frameon=False, fontsize=8)
        fig.tight_layout()

    return Explorer(controls, compute, draw, figsize=(10, 3.6), title="Energy voting over random restarts")
