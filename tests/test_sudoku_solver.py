"""The bitmask backtracking solver, checked against the independent reference solver and known facts."""

from __future__ import annotations

import numpy as np
import pytest
from test_sudoku_reference import KNOWN_PUZZLE, KNOWN_SOLUTION, all_4x4_grids, ref_solutions

from sadyn.sudoku import count_solutions, generate, is_valid_solution, solve
from sadyn.sudoku._grid import geometry
from sadyn.sudoku._solver import find_conflict, search

# 4x4: no two givens share a unit, yet cells (0,2) and (0,3) both need the digit 4.
DEAD_END = np.array([[1, 2, 0, 0], [0, 0, 0, 3], [0, 0, 3, 0], [0, 0, 0, 0]])


def test_solve_finds_the_published_solution() -> None:
    got = solve(KNOWN_PUZZLE)
    assert got.dtype == np.int8 and got.shape == (9, 9)
    np.testing.assert_array_equal(got, KNOWN_SOLUTION)
    assert count_solutions(KNOWN_PUZZLE) == 1


def test_count_solutions_of_the_empty_4x4_board_is_288() -> None:
    assert count_solutions(np.zeros((4, 4), int), limit=1000) == 288
    assert count_solutions(np.zeros((4, 4), int), limit=5) == 5
    assert count_solutions(np.zeros((9, 9), int)) == 2


def test_count_solutions_agrees_with_the_reference_on_ambiguous_boards(np_rng: np.random.Generator) -> None:
    puzzles, _ = generate(12, givens=(31, 36), seed=5)
    counts_seen = set()
    for i, p in enumerate(puzzles):
        q = p.copy()
        filled = np.argwhere(q > 0)
        for r, c in filled[np_rng.choice(len(filled), size=1 + i % 6, replace=False)]:
            q[r, c] = 0  # fewer givens: more often several solutions
        want = len(ref_solutions(q, limit=3))
        assert count_solutions(q, limit=3) == want
        counts_seen.add(want)
    assert len(counts_seen) >= 2  # the comparison covered unique and ambiguous boards


def test_count_and_solve_take_batches() -> None:
    grids = all_4x4_grids()[:5]
    puzzles = grids.copy()
    puzzles[:, 0, :] = 0  # one blank row: a unique completion
    np.testing.assert_array_equal(count_solutions(puzzles), np.ones(5))
    np.testing.assert_array_equal(solve(puzzles), grids)
    assert count_solutions(np.zeros((0, 4, 4), int)).shape == (0,)


def test_search_avoid_forbids_one_digit_in_one_cell() -> None:
    geom = geometry(9)
    cells = [int(v) for v in KNOWN_SOLUTION.ravel()]
    cells[40] = 0  # the centre cell, forced to KNOWN_SOLUTION[4, 4] = 5
    assert search(cells, geom, 2) == (1, [int(v) for v in KNOWN_SOLUTION.ravel()])
    assert search(cells, geom, 2, avoid=(40, 1 << (5 - 1)))[0] == 0
    assert search(cells, geom, 2, avoid=(40, 1 << (3 - 1)))[0] == 1


def test_conflicting_givens_are_found_and_reported() -> None:
    bad = KNOWN_PUZZLE.copy()
    bad[0, 8] = 5  # a second 5 in row 0
    assert find_conflict([int(v) for v in bad.ravel()], geometry(9)) == (0, 8)
    assert count_solutions(bad) == 0
    with pytest.raises(ValueError, match=r"conflicting givens: digit 5 at \(row, col\)=\(0, 0\) and \(0, 8\)"):
        solve(bad)
    with pytest.raises(ValueError, match=r"`puzzle`\[1\] has conflicting givens"):
        solve(np.stack([KNOWN_PUZZLE, bad]))


def test_a_dead_end_puzzle_has_no_solution() -> None:
    assert find_conflict([int(v) for v in DEAD_END.ravel()], geometry(4)) is None
    assert count_solutions(DEAD_END) == 0 == len(ref_solutions(DEAD_END))
    with pytest.raises(ValueError, match=r"`puzzle` has no solution: its givens do not conflict directly"):
        solve(DEAD_END)


def test_limit_must_be_a_positive_int() -> None:
    with pytest.raises(ValueError, match=r"`limit` must be an int >= 1 \(2 tests uniqueness\), got limit=0\."):
        count_solutions(KNOWN_PUZZLE, limit=0)
    with pytest.raises(TypeError, match=r"`limit` must be an int >= 1 .* got float 2.0\."):
        count_solutions(KNOWN_PUZZLE, limit=2.0)


def test_is_valid_solution_checks_units_ranges_and_givens() -> None:
    assert is_valid_solution(KNOWN_SOLUTION) is True
    assert is_valid_solution(KNOWN_SOLUTION, KNOWN_PUZZLE) is True
    swapped = KNOWN_SOLUTION.copy()
    swapped[0, [0, 1]] = swapped[0, [1, 0]]  # rows still hold 1..9, columns do not
    shifted = KNOWN_SOLUTION % 9  # digit 9 becomes 0: out of range
    other = KNOWN_PUZZLE.copy()
    other[0, 2] = 1  # a given that the grid contradicts
    np.testing.assert_array_equal(is_valid_solution(np.stack([KNOWN_SOLUTION, swapped, shifted])), [True, False, False])
    assert is_valid_solution(KNOWN_SOLUTION, other) is False
    assert is_valid_solution(all_4x4_grids()).all()
    with pytest.raises(ValueError, match=r"`puzzle` must have the shape of `grid` \(9, 9\), got \(4, 4\)"):
        is_valid_solution(KNOWN_SOLUTION, np.zeros((4, 4), int))
