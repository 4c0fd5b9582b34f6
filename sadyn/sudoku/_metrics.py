"""How well a prediction solves puzzles: board accuracy, cell accuracy on blanks, and the givens histogram.

Puzzles from :func:`generate` have one solution each, so a board is solved exactly when it equals the
solution; no Sudoku-rule check is needed (use :func:`is_valid_solution` for puzzles of unknown uniqueness).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ._grid import as_boards

__all__ = ["board_accuracy", "solved", "cell_accuracy", "givens_histogram", "count_givens"]


def _pred_and_solution(pred: ArrayLike, solution: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    if np.shape(pred) != np.shape(solution):
        raise ValueError(
            f"`pred` must have the shape of `solution` {np.shape(solution)}, got {np.shape(pred)}; "
            f"reshape flat model outputs with pred.reshape(-1, size, size)."
        )
    return as_boards(pred, "pred"), as_boards(solution, "solution", digits="full")


def _puzzle(puzzle: ArrayLike, solution: np.ndarray) -> np.ndarray:
    q = as_boards(puzzle, "puzzle", digits="blanks")
    if q.shape != solution.shape:
        raise ValueError(f"`puzzle` must have the shape of `solution` {solution.shape}, got {np.shape(puzzle)}.")
    clash = (q != 0) & (q != solution)
    if clash.any():
        b, r, c = (int(v) for v in np.argwhere(clash)[0])
        raise ValueError(
            f"`puzzle` disagrees with `solution` at (board, row, col)=({b}, {r}, {c}): given {int(q[b, r, c])}, "
            f"solution {int(solution[b, r, c])}; pass the puzzles that belong to these solutions."
        )
    return q


def board_accuracy(pred: ArrayLike, solution: ArrayLike, puzzle: ArrayLike | None = None) -> float:
    r"""Fraction of boards solved: every cell of ``pred`` equals ``solution``.

    .. math:: \text{board} = \frac{1}{n} \sum_b \prod_{i \in \text{cells}} [\,\hat y_{b,i} = y_{b,i}\,]

    With ``puzzle``, only the blanks are scored (AKOrN's metric: "every blank correct"), so a model that
    does not copy the givens through is not penalized for them.

    **Arguments:** ``pred``, predicted digits of shape ``(n, size, size)`` or ``(size, size)`` (for logits of
    shape ``(n, size * size, size)`` pass ``logits.argmax(-1).reshape(n, size, size) + 1``); ``solution``,
    the true digits, same shape.

    **Other arguments:** ``puzzle``, the puzzles (0 = blank), same shape, optional.

    **Returns:** a float in [0, 1]; ``nan`` for an empty batch.

    **Raises:** ``ValueError`` for mismatched shapes, digits out of range or a ``puzzle`` whose givens
    disagree with ``solution``; ``TypeError`` for non-integer digits.
    """
    ok = solved(pred, solution, puzzle)
    return float(ok.mean()) if len(ok) else float("nan")


def solved(pred: ArrayLike, solution: ArrayLike, puzzle: ArrayLike | None = None) -> np.ndarray:
    """Per board, whether it is solved: ``(n,)`` booleans whose mean is :func:`board_accuracy` (same arguments).

    The paired comparisons of two models on the same puzzles (``sadyn reproduce fig5``) need them one by one.
    """
    p, s = _pred_and_solution(pred, solution)
    right = p == s
    if puzzle is not None:
        right |= _puzzle(puzzle, s) != 0
    return right.all(axis=(1, 2))


def cell_accuracy(pred: ArrayLike, solution: ArrayLike, puzzle: ArrayLike) -> float:
    r"""Fraction of blank cells predicted right, pooled over all boards.

    .. math:: \text{cell} = \frac{\sum_{b,i} [q_{b,i} = 0]\,[\hat y_{b,i} = y_{b,i}]}{\sum_{b,i} [q_{b,i} = 0]}

    Givens are left out: copying them is trivial and would inflate the score (31-42 of 81 cells on 9x9).

    **Arguments:** ``pred``, predicted digits, ``solution``, true digits, ``puzzle``, the puzzles (0 = blank),
    all of shape ``(n, size, size)`` or ``(size, size)``.

    **Returns:** a float in [0, 1]; ``nan`` when there are no blanks.

    **Raises:** as :func:`board_accuracy`.
    """
    p, s = _pred_and_solution(pred, solution)
    blank = _puzzle(puzzle, s) == 0
    total = int(blank.sum())
    return float(((p == s) & blank).sum() / total) if total else float("nan")


def count_givens(puzzles: ArrayLike) -> np.ndarray:
    """Number of filled cells of each puzzle: an int64 array of shape ``(n,)`` (``()`` for one board)."""
    single = np.ndim(puzzles) == 2
    counts = (as_boards(puzzles, "puzzles", digits="blanks") != 0).sum(axis=(1, 2)).astype(np.int64)
    return counts[0] if single else counts


def givens_histogram(puzzles: ArrayLike) -> dict[int, int]:
    """How many puzzles have each number of givens: ``{givens: count}``, sorted, only counts > 0."""
    values, counts = np.unique(np.atleast_1d(count_givens(puzzles)), return_counts=True)
    return {int(v): int(c) for v, c in zip(values, counts, strict=True)}
