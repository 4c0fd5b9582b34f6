"""Tutorials 07-08's explorers: trained Sudoku solvers across loops T, the 9x9 solver's accuracy and exponent across
inference-time variants (from the cache), and energy voting across restarts K."""

from __future__ import annotations

from typing import Any

import ipywidgets as W
import numpy as np
from matplotlib.figure import Figure

from ...experiments.sudoku import _solver, accuracy_vs_loops, puzzle_set, shipped_solvers, solve_one, solver_variant
from ...experiments.sudoku_energy import energy_curves, restart_energies, voting_curve
from ...experiments.sudoku_variants import load_variant_cache
from ..criticality import plot_variant_scan
from ..plots import PALETTE, plot_accuracy_vs_loops, plot_board, plot_voting_curve
from ._explorer import Explorer

__all__ = ["sudoku_explorer", "variant_explorer", "voting_explorer"]


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
    show_restarts: int = 8,
    show_steps: int | None = None,
) -> Explorer:
    """Restarts K and loops T: the pseudo-energy curves of K runs on one puzzle (the voted run bold), and the voting
    accuracy over ``n`` puzzles against K beside one run's and the oracle's (computed once, then only indexed).

    ``table``: :func:`sadyn.experiments.restart_energies` of this model on the first ``n`` puzzles of ``dataset``, if
    already computed. ``puzzle=None`` shows the first puzzle on which, with ``show_restarts`` runs of
    ``show_steps`` loops (default: the middle T), some restarts are right, some wrong, and the vote is right.
    """
    solver = _solver(model)
    puzzles, solutions = puzzle_set(dataset, n)
    if table is None:
        table = restart_energies(solver, puzzles, solutions, restarts=restarts, steps=steps)
    restarts = table["energy"].shape[-1]
    show_steps = table["steps"][len(table["steps"]) // 2] if show_steps is None else show_steps
    show_restarts = min(int(show_restarts), restarts)
    if show_steps not in table["steps"]:
        raise ValueError(f"`show_steps` must be one of the table's loop counts {table['steps']}, got {show_steps!r}.")
    if table["energy"].shape[1] != len(puzzles):
        raise ValueError(
            f"`table` holds {table['energy'].shape[1]} puzzles but n={n}; pass the n it was computed with."
        )
    if puzzle is None:
        puzzle = _instructive_puzzle(solver, puzzles, solutions, restarts=show_restarts, steps=show_steps)
    controls = {
        "restarts": W.IntSlider(value=show_restarts, min=1, max=restarts, description="restarts K"),
        "steps": W.SelectionSlider(options=table["steps"], value=show_steps, description="loops T"),
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


def _instructive_puzzle(solver: Any, puzzles: np.ndarray, solutions: np.ndarray, *, restarts: int, steps: int) -> int:
    """The first of the first 40 puzzles whose ``restarts`` runs (the draws the explorer shows) disagree and whose
    vote is right; else the first that disagrees; else 0."""
    fallback = None
    for i in range(min(40, len(puzzles))):
        runs = energy_curves(solver, puzzles[i], solutions[i], restarts=restarts, steps=steps)
        if 0 < runs["correct"].sum() < restarts:
            if runs["correct"][runs["vote"]]:
                return i
            fallback = i if fallback is None else fallback
    return 0 if fallback is None else fallback


def variant_explorer(
    knob: str = "W^V",
    *,
    factor: float = 1.0,
    puzzle: int = 0,
    cache: dict[str, Any] | None = None,
    steps: int = 32,
) -> Explorer:
    """A W^V (or eta) multiplier on the shipped 9x9 solver: accuracy and lambda_max against the factor, and accuracy
    against lambda_max (both from the cached scan, :func:`sadyn.experiments.load_variant_cache`), beside the board
    that variant fills in for one of the cache's in-distribution puzzles, computed live (one 9x9 board, well under a
    second)."""
    data = load_variant_cache() if cache is None else cache
    scans = data["scans"]
    if knob not in scans:
        raise ValueError(f"`knob` must be one of the cached scans {sorted(scans)}, got {knob!r}.")
    first = scans[knob]
    puzzles, solutions = np.asarray(data["puzzles"], dtype=np.int8), np.asarray(data["solutions"], dtype=np.int8)
    base = _solver(first["model"])
    controls = {
        "knob": W.Dropdown(options=sorted(scans), value=knob, description="knob"),
        "factor": W.SelectionSlider(
            options=first["factors"], value=min(first["factors"], key=lambda f: abs(f - factor)), description="x factor"
        ),
        "puzzle": W.IntSlider(value=puzzle, min=0, max=len(puzzles) - 1, description="puzzle"),
    }

    def follow_knob(change: dict) -> None:  # each scan has its own factors: offer those, keep the nearest
        old = controls["factor"].value
        options = scans[change["new"]]["factors"]
        controls["factor"].options = options
        controls["factor"].value = min(options, key=lambda f: abs(f - old))

    controls["knob"].observe(follow_knob, names="value")  # registered before the explorer's own redraw

    def compute(knob: str, factor: float, puzzle: int) -> dict[str, Any]:
        scan = scans[knob]
        if factor not in scan["factors"]:  # the two scans have different factors: snap to the nearest
            factor = min(scan["factors"], key=lambda f: abs(f - factor))
        i = scan["factors"].index(factor)
        variant = solver_variant(base, knob, factor)
        return {
            "scan": scan,
            "knob": knob,
            "factor": factor,
            "board_acc": scan["board"][i],
            "lambda_max": scan["lambda_max"][i],
            **solve_one(variant, puzzles[puzzle], solutions[puzzle], steps=steps),
        }

    def draw(fig: Figure, d: dict[str, Any]) -> None:
        ax1, ax2, ax3 = (fig.add_subplot(1, 3, k) for k in (1, 2, 3))
        scan = d["scan"]
        ax1.plot(scan["factors"], scan["board"], "o-", color=PALETTE[0], label="board accuracy")
        ax1.set(xlabel=f"{d['knob']} x factor", ylabel="board accuracy (T = 32)", ylim=(-0.03, 1.03))
        twin = ax1.twinx()
        twin.plot(scan["factors"], scan["lambda_max"], "s--", color=PALETTE[3], label="lambda_max")
        twin.axhline(0, color="0.5", lw=0.8)
        twin.set_ylabel("lambda_max (T = 16)", color=PALETTE[3])
        ax1.axvline(d["factor"], color=PALETTE[1], lw=1.5)
        ax1.set_title(f"x{d['factor']:g}: {d['board_acc']:.0%}, lambda_max {d['lambda_max']:+.2f}", fontsize=9)
        plot_variant_scan(scan, ax2, at=d["factor"])
        plot_board(ax3, d["board"], d["puzzle"], d["solution"])
        ax3.set_title(f"puzzle {puzzle}: {'solved' if d['solved'] else 'not solved'}", fontsize=9)
        fig.tight_layout()

    return Explorer(controls, compute, draw, figsize=(12, 3.6), title="9x9 solver: accuracy and exponent together")
