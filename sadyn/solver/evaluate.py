"""Evaluation: board and cell accuracy of a solver on the ID and OOD test sets, at several T, with restarts."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from .config import count, optional_count
from .model import VOTES, SudokuSolver

__all__ = ["evaluate", "format_table"]


def evaluate(
    model: SudokuSolver,
    datasets: Sequence[str] | None = None,
    *,
    steps: Sequence[int] = (16, 32, 64, 128),
    restarts: Sequence[int] = (1,),
    limit: int | None = None,
    seed: int = 0,
    show_progress: bool = False,
    vote: str = "energy",
) -> list[dict[str, Any]]:
    """Solve the "test" split of each dataset at every T in ``steps`` and every K in ``restarts``.

    Arguments:
        model: a :class:`~sadyn.solver.SudokuSolver`.
        datasets: names in ``sadyn.sudoku.DATASETS`` (default: the ID and OOD sets of the model's board size).

    Other arguments:
        steps: loop counts T. restarts: K values (K > 1 votes, by ``vote``: "energy", the lowest pseudo-energy,
        or "confidence", the readout's most probable board; :meth:`~sadyn.solver.SudokuSolver.solve`). limit:
        first ``limit`` puzzles only. seed: seed of the initial-state noise.

    Every T comes from the same rollout (the answers equal ``model.solve(..., steps=T)``'s), so the largest T
    sets the cost. Returns one dict per (dataset, T, K): ``dataset, steps, restarts, n, board, cell, seconds``
    (seconds of the whole rollout for that K), and ``vote`` where K > 1; board accuracy
    counts boards with every cell right, cell accuracy is over blank cells (:mod:`sadyn.sudoku`).
    """
    from ..sudoku import DATASETS, board_accuracy, cell_accuracy, load_dataset

    if not isinstance(model, SudokuSolver):
        raise TypeError(
            f"`model` must be a SudokuSolver, got {type(model).__name__}; load one with sadyn.load_model(path)."
        )
    steps = [count(T, "steps", minimum=0) for T in steps]
    restarts = [count(K, "restarts") for K in restarts]
    limit = optional_count(limit, "limit")
    if vote not in VOTES:
        raise ValueError(f"`vote` must be one of {VOTES}, got vote={vote!r}.")
    if datasets is None:
        datasets = [f"sudoku{model.size}-id", f"sudoku{model.size}-ood"]
    if isinstance(datasets, str):
        datasets = [datasets]
    for name in datasets:  # every name is checked before any set is solved
        if name not in DATASETS:
            raise ValueError(f"`datasets` entries must be in {tuple(DATASETS)}, got {name!r}.")
        if DATASETS[name].size != model.size:
            raise ValueError(f"dataset {name!r} has size {DATASETS[name].size} but the model solves size {model.size}.")
    rows = []
    for name in datasets:
        test = load_dataset(name, "test", show_progress=False)
        puzzles, solutions = test.puzzles[:limit], test.solutions[:limit]
        for K in restarts:
            t0 = time.perf_counter()
            preds = model.solve_at(puzzles, steps=tuple(steps), restarts=int(K), seed=seed, vote=vote)  # all T at once
            seconds = round(time.perf_counter() - t0, 2)
            for T in steps:
                pred = preds[int(T)]
                rows.append(
                    {
                        "dataset": name,
                        "steps": int(T),
                        "restarts": int(K),
                        "n": len(puzzles),
                        "board": board_accuracy(pred, solutions, puzzles),
                        "cell": cell_accuracy(pred, solutions, puzzles),
                        "seconds": seconds,
                    }
                    | ({"vote": vote} if K > 1 else {})
                )
                if show_progress:
                    r = rows[-1]
                    print(
                        f"  {name} T={T} K={K}: board {r['board']:.3f}, cell {r['cell']:.3f} ({r['seconds']} s)",
                        flush=True,
                    )
    return rows


def format_table(rows: Sequence[dict[str, Any]]) -> str:
    """A plain-text table of :func:`evaluate`'s rows (accuracies in percent)."""
    head = f"{'dataset':<14}{'T':>5}{'K':>5}{'n':>6}{'board %':>9}{'cell %':>8}{'s (all T)':>11}"
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(
            f"{r['dataset']:<14}{r['steps']:>5}{r['restarts']:>5}{r['n']:>6}{100 * r['board']:>9.1f}"
            f"{100 * r['cell']:>8.1f}{r['seconds']:>11.1f}"
        )
    return "\n".join(lines)
