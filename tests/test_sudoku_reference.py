"""An independent Sudoku solver for the tests, checked against known facts.

Plain recursion over Python sets (no bitmasks, no shared code with ``sadyn.sudoku``): the other Sudoku tests
use it to confirm what the library's solver and generator claim.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

# A classic 9x9 puzzle and its published solution (Wikipedia, "Sudoku").
KNOWN_PUZZLE = np.array(
    [
        [5, 3, 0, 0, 7, 0, 0, 0, 0],
        [6, 0, 0, 1, 9, 5, 0, 0, 0],
        [0, 9, 8, 0, 0, 0, 0, 6, 0],
        [8, 0, 0, 0, 6, 0, 0, 0, 3],
        [4, 0, 0, 8, 0, 3, 0, 0, 1],
        [7, 0, 0, 0, 2, 0, 0, 0, 6],
        [0, 6, 0, 0, 0, 0, 2, 8, 0],
        [0, 0, 0, 4, 1, 9, 0, 0, 5],
        [0, 0, 0, 0, 8, 0, 0, 7, 9],
    ]
)
KNOWN_SOLUTION = np.array(
    [
        [5, 3, 4, 6, 7, 8, 9, 1, 2],
        [6, 7, 2, 1, 9, 5, 3, 4, 8],
        [1, 9, 8, 3, 4, 2, 5, 6, 7],
        [8, 5, 9, 7, 6, 1, 4, 2, 3],
        [4, 2, 6, 8, 5, 3, 7, 9, 1],
        [7, 1, 3, 9, 2, 4, 8, 5, 6],
        [9, 6, 1, 5, 3, 7, 2, 8, 4],
        [2, 8, 7, 4, 1, 9, 6, 3, 5],
        [3, 4, 5, 2, 8, 6, 1, 7, 9],
    ]
)


def _candidates(grid: list[list[int]], r: int, c: int) -> set[int]:
    n = len(grid)
    b = math.isqrt(n)
    used = set(grid[r]) | {grid[i][c] for i in range(n)}
    r0, c0 = r - r % b, c - c % b
    used |= {grid[i][j] for i in range(r0, r0 + b) for j in range(c0, c0 + b)}
    return set(range(1, n + 1)) - used


def ref_solutions(puzzle: np.ndarray, limit: int = 2) -> list[np.ndarray]:
    """Up to ``limit`` solutions of ``puzzle``; branches on the blank with the fewest candidates."""
    grid = [[int(v) for v in row] for row in np.asarray(puzzle)]
    out: list[np.ndarray] = []

    def rec() -> None:
        blanks = [(r, c) for r, row in enumerate(grid) for c, v in enumerate(row) if v == 0]
        if not blanks:
            out.append(np.array(grid))
            return
        r, c = min(blanks, key=lambda rc: len(_candidates(grid, *rc)))
        for d in sorted(_candidates(grid, r, c)):
            grid[r][c] = d
            rec()
            grid[r][c] = 0
            if len(out) >= limit:
                return

    rec()
    return out


def all_4x4_grids() -> np.ndarray:
    """Every valid 4x4 grid, by stacking row permutations that keep columns and boxes distinct: (288, 4, 4)."""
    perms = [np.array(p) for p in itertools.permutations(range(1, 5))]
    grids: list[np.ndarray] = []

    def rec(rows: list[np.ndarray]) -> None:
        if len(rows) == 4:
            grids.append(np.stack(rows))
            return
        for p in perms:
            cols_ok = all(not np.any(p == q) for q in rows)
            top = rows[-1] if len(rows) % 2 == 1 else None  # the row above in the same band of boxes
            boxes_ok = top is None or all(set(p[j : j + 2]).isdisjoint(top[j : j + 2]) for j in (0, 2))
            if cols_ok and boxes_ok:
                rec(rows + [p])

    rec([])
    return np.array(grids)


def test_brute_force_finds_the_288_grids_of_4x4_sudoku() -> None:
    grids = all_4x4_grids()
    assert grids.shape == (288, 4, 4)  # the known number of 4x4 Sudoku grids
    assert len({g.tobytes() for g in grids}) == 288


def test_reference_solver_counts_the_288_grids_and_solves_the_known_puzzle() -> None:
    assert len(ref_solutions(np.zeros((4, 4), int), limit=1000)) == 288
    (solution,) = ref_solutions(KNOWN_PUZZLE)
    np.testing.assert_array_equal(solution, KNOWN_SOLUTION)


def test_reference_solver_finds_both_fillings_of_a_blanked_rectangle() -> None:
    # Cells (0,3), (0,4), (3,3), (3,4) of the known solution hold 6 7 / 7 6 and span two boxes: blanking
    # them leaves exactly two solutions (the digits can swap); blanking a whole row leaves one.
    assert KNOWN_SOLUTION[0, 3] == KNOWN_SOLUTION[3, 4] and KNOWN_SOLUTION[0, 4] == KNOWN_SOLUTION[3, 3]
    puzzle = KNOWN_SOLUTION.copy()
    puzzle[np.ix_([0, 3], [3, 4])] = 0
    found = ref_solutions(puzzle, limit=5)
    assert len(found) == 2 and not np.array_equal(found[0], found[1])
    row_blank = KNOWN_SOLUTION.copy()
    row_blank[0] = 0
    assert len(ref_solutions(row_blank, limit=5)) == 1
    assert len(ref_solutions(np.zeros((9, 9), int), limit=3)) == 3
