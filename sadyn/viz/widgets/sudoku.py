"""Tutorials 07-08's explorers: trained Sudoku solvers across loops T, and energy voting across restarts K."""

from __future__ import annotations

from typing import Any

import ipywidgets as W
import numpy as np
from matplotlib.figure import Figure

from ...experiments.sudoku import _solver, accuracy_vs_loops, puzzle_set, shipped_solvers, solve_one
from ...experiments.sudoku_energy import energy_curves, restart_energies, voting_curve
from ..plots import PALETTE, plot_accuracy_vs_loops, plot_board, plot_voting_curve
from ._explorer import Explorer

__all__ = ["sudoku_explorer", "voting_explorer"]


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

    ``curves`` is :func:`sadyn.experiments.accuracy_vs_loops`'s result (computed for the shipped 4x4 models if omitted);
    pass ``models`` (name -> SudokuSolver) when its names are not shipped checkpoints.
    """
    curves = curves if curves is not None else accuracy_vs_loops(shipped_solvers(4))
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
        i = curves["steps"].index(steps)
        return {
            "model": model,
            "steps": steps,
            **solve_one(solvers[model], puzzles[puzzle], solutions[puzzle], steps=steps),
            "accuracy": curves["board"][model][i],
        }

    def draw(fig: Figure, d: dict[str, Any]) -> None:
        ax1, ax2 = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
        plot_accuracy_vs_loops(curves, ax1, highlight=d["model"], at=d["steps"])
        ax1.set_title(f"{d['model']}: {d['accuracy']:.1%} at T = {d['steps']}")
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

    ``table``: :func:`sadyn.experiments.restart_energies` of this model on the first ``n`` puzzles of ``dataset``, if
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
        for k, (E, ok) in enumerate(zip(runs["energy"], runs["correct"], strict=True)):
            voted = k == runs["vote"]
            ax1.plot(E, color=PALETTE[0] if ok else PALETTE[3], lw=2.5 if voted else 0.8, alpha=1 if voted else 0.6)
        ax1.set(
            xlabel="loop t",
            ylabel="pseudo-energy -Tr(X^T (C + MSA(X)))",
            title=f"puzzle {puzzle}: {int(runs['correct'].sum())}/{d['K']} runs right (blue), voted bold",
        )
        plot_voting_curve(d["curve"], ax2, at=d["K"])
        ax2.set_title(f"{model}, T = {d['T']}: {d['vote']:.1%} with K = {d['K']}")
        fig.tight_layout()

    return Explorer(controls, compute, draw, figsize=(10, 3.6), title="Energy voting over random restarts")
