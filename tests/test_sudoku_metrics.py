"""Board and cell accuracy, counted by hand on small batches, and the givens histogram."""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_sudoku_reference import all_4x4_grids

from sadyn.sudoku import board_accuracy, cell_accuracy, count_givens, givens_histogram


@pytest.fixture
def batch() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Four 4x4 solutions, their puzzles (top two rows given, 8 blanks each) and a copy to edit as `pred`."""
    solutions = all_4x4_grids()[[0, 50, 100, 287]].astype(np.int8)
    puzzles = solutions.copy()
    puzzles[:, 2:, :] = 0
    return solutions.copy(), solutions, puzzles


def test_board_accuracy_counts_boards_with_every_cell_right(batch) -> None:
    pred, solution, puzzle = batch
    assert board_accuracy(pred, solution) == 1.0
    pred[1, 3, 3] = pred[1, 3, 3] % 4 + 1  # one wrong blank: board 1 fails
    pred[2, 0, 0] = pred[2, 0, 0] % 4 + 1  # one wrong given: board 2 fails without `puzzle` only
    assert board_accuracy(pred, solution) == 0.5
    assert board_accuracy(pred, solution, puzzle) == 0.75
    assert board_accuracy(pred[0], solution[0]) == 1.0  # one board


def test_cell_accuracy_scores_blanks_only(batch) -> None:
    pred, solution, puzzle = batch
    pred[:, :2, :] = 0  # givens ignored entirely
    assert cell_accuracy(pred, solution, puzzle) == 1.0
    pred[0, 2, :3] = 0  # 3 of the 32 blanks wrong
    assert cell_accuracy(pred, solution, puzzle) == pytest.approx(29 / 32)
    assert math.isnan(cell_accuracy(solution, solution, solution))  # no blanks
    assert math.isnan(board_accuracy(np.zeros((0, 4, 4), int), np.ones((0, 4, 4), int)))


def test_accuracies_accept_integral_floats_and_lists(batch) -> None:
    pred, solution, puzzle = batch
    assert board_accuracy(pred.astype(np.float32), solution.tolist(), puzzle) == 1.0


def test_metric_inputs_are_checked(batch) -> None:
    pred, solution, puzzle = batch
    with pytest.raises(
        ValueError,
        match=r"`pred` must have the shape of `solution` \(4, 4, 4\), got \(4, 16\); "
        r"reshape flat model outputs",
    ):
        board_accuracy(pred.reshape(4, 16), solution)
    with pytest.raises(TypeError, match=r"`pred` must hold integer digits .* pass logits.argmax\(-1\) \+ 1"):
        board_accuracy(np.full((4, 4, 4), 0.3), solution)
    with pytest.raises(ValueError, match=r"`solution` must hold digits in \[1, 4\], got 0"):
        board_accuracy(pred, puzzle)
    wrong = puzzle.copy()
    wrong[3, 1, 2] = wrong[3, 1, 2] % 4 + 1
    with pytest.raises(ValueError, match=r"`puzzle` disagrees with `solution` at \(board, row, col\)=\(3, 1, 2\)"):
        cell_accuracy(pred, solution, wrong)
    with pytest.raises(ValueError, match=r"`puzzle` must have the shape of `solution` \(4, 4, 4\), got \(4, 4\)"):
        cell_accuracy(pred, solution, puzzle[0])


def test_givens_histogram_and_counts(batch) -> None:
    _, _, puzzle = batch
    puzzle[0, 0, 0] = 0
    np.testing.assert_array_equal(count_givens(puzzle), [7, 8, 8, 8])
    assert count_givens(puzzle[1]) == 8
    assert givens_histogram(puzzle) == {7: 1, 8: 3}
    assert list(givens_histogram(np.zeros((2, 9, 9), int))) == [0]
