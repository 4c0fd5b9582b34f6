"""Board geometry, input validation and the model-input helpers of ``sadyn.sudoku._grid``."""

from __future__ import annotations

import numpy as np
import pytest

from sadyn.sudoku import board_tokens, cell_units
from sadyn.sudoku._grid import as_board, as_boards, check_size, geometry


def test_geometry_tables_of_9x9_boards() -> None:
    g = geometry(9)
    assert g.box == 3 and g.full == 0b111111111
    cell = lambda r, c: 9 * r + c  # noqa: E731
    assert (g.row_of[cell(4, 7)], g.col_of[cell(4, 7)], g.box_of[cell(4, 7)]) == (4, 7, 5)
    assert g.box_of[cell(8, 0)] == 6 and g.box_of[cell(0, 8)] == 2 and g.box_of[cell(8, 8)] == 8
    assert g.popcount[0b101101] == 4 and len(g.popcount) == 512


@pytest.mark.parametrize("size", [4, 9, 16])
def test_cell_units_partition_the_board_into_rows_columns_and_boxes(size: int) -> None:
    units = cell_units(size)
    assert units.shape == (size * size, 3) and units.dtype == np.int64
    for k in range(3):  # every row, column and box holds exactly `size` cells
        np.testing.assert_array_equal(np.bincount(units[:, k], minlength=size), np.full(size, size))
    b = int(np.sqrt(size))
    r, c = divmod(np.arange(size * size), size)
    np.testing.assert_array_equal(units[:, 2], (r // b) * b + c // b)


def test_board_tokens_flatten_row_major_and_mark_givens() -> None:
    boards = np.array([[[1, 0, 0, 4], [0, 0, 0, 0], [0, 3, 0, 0], [0, 0, 0, 2]]] * 2, dtype=np.int8)
    digits, given = board_tokens(boards)
    assert digits.shape == given.shape == (2, 16) and digits.dtype == np.int64 and given.dtype == bool
    np.testing.assert_array_equal(digits[0], [1, 0, 0, 4, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 2])
    assert given[0].sum() == 4 and given[0, 3] and not given[0, 1]
    one, one_given = board_tokens(boards[0])
    assert one.shape == (16,) and one_given.shape == (16,)
    boards[1, 2, 2] = 5
    with pytest.raises(
        ValueError,
        match=r"`puzzles` must hold digits in \[0, 4\] \(0 = blank\), got 5 at "
        r"\(board, row, col\)=\(1, 2, 2\)\.",
    ):
        board_tokens(boards)


def test_check_size_accepts_square_sides_and_explains_the_rest() -> None:
    assert check_size(np.int64(9)) == 9 and check_size(4) == 4
    with pytest.raises(ValueError, match=r"`size` must be a perfect square between 4 and 25 .* got size=8\."):
        check_size(8)
    for bad in (1, 36):
        with pytest.raises(ValueError, match="perfect square"):
            check_size(bad)
    with pytest.raises(TypeError, match=r"`size` must be an int such as 9 or 4, got bool\."):
        check_size(True)
    with pytest.raises(TypeError, match="got float"):
        check_size(9.0)


def test_as_board_rejects_bad_shapes_digits_and_dtypes() -> None:
    with pytest.raises(ValueError, match=r"`puzzle` must have shape \(size, size\), got shape \(9, 8\)\."):
        as_board(np.zeros((9, 8), int))
    with pytest.raises(ValueError, match=r"`puzzle.shape\[-1\]` must be a perfect square .* got puzzle.shape\[-1\]=5"):
        as_board(np.zeros((5, 5), int))
    board = np.zeros((4, 4), int)
    board[2, 1] = 7
    with pytest.raises(ValueError, match=r"digits in \[0, 4\] \(0 = blank\), got 7 at \(row, col\)=\(2, 1\)\."):
        as_board(board)
    with pytest.raises(ValueError, match=r"digits in \[1, 4\], got 0 at \(row, col\)=\(0, 0\)\."):
        as_board(np.zeros((4, 4), int), blanks=False)
    with pytest.raises(TypeError, match=r"integer digits \(0 = blank\), got dtype float64; .*argmax\(-1\) \+ 1"):
        as_board(np.full((4, 4), 0.5))
    with pytest.raises(TypeError, match="got dtype bool"):
        as_board(np.zeros((4, 4), bool))
    assert as_board(np.ones((4, 4))).dtype == np.int64  # integral floats are accepted


def test_as_boards_adds_a_batch_axis_and_checks_ranges_on_request() -> None:
    assert as_boards(np.zeros((4, 4), int), "x").shape == (1, 4, 4)
    batch = np.ones((3, 4, 4), int)
    batch[1, 3, 2] = 9
    assert as_boards(batch, "pred").shape == (3, 4, 4)  # no range check by default (predictions)
    msg = r"`grid` must hold digits in \[1, 4\], got 9 at \(board, row, col\)=\(1, 3, 2\)\."
    with pytest.raises(ValueError, match=msg):
        as_boards(batch, "grid", digits="full")
    with pytest.raises(ValueError, match=r"shape \(size, size\) or \(n, size, size\), got shape \(2, 2, 4, 4\)"):
        as_boards(np.zeros((2, 2, 4, 4), int), "x")
