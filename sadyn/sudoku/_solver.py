"""Bitmask backtracking: count, find and check Sudoku solutions.

Each row, column and box keeps a bitmask of the digits it already holds (digit ``d`` is bit ``1 << (d-1)``);
the candidates of an empty cell are ``full & ~(row | col | box)``. The search always branches on the empty
cell with the fewest candidates (MRV) and stops after ``limit`` solutions.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from ._grid import Geometry, as_boards, geometry

__all__ = ["solve", "count_solutions", "is_valid_solution", "search", "find_conflict"]


def find_conflict(cells: Sequence[int], geom: Geometry) -> tuple[int, int] | None:
    """Return the flat indices ``(i, j)`` of two equal givens sharing a unit, or None."""
    seen: dict[tuple[str, int, int], int] = {}
    for i, v in enumerate(cells):
        if v:
            for key in (("r", geom.row_of[i], v), ("c", geom.col_of[i], v), ("b", geom.box_of[i], v)):
                if key in seen:
                    return seen[key], i
                seen[key] = i
    return None


def search(
    cells: list[int],
    geom: Geometry,
    limit: int,
    *,
    avoid: tuple[int, int] = (-1, 0),
    order: Sequence[Sequence[int]] | None = None,
) -> tuple[int, list[int] | None]:
    """Count solutions of a flat board up to ``limit``; return ``(count, first_solution)``.

    The low-level engine (no validation; conflicting givens give count 0). ``avoid=(cell, bit)`` forbids one
    digit in one cell, which turns the uniqueness test of a cell removal into a single existence search.
    ``order[i]`` lists the digits (0-based) to try in cell ``i``; by default digits are tried low to high.
    """
    size, full, pop = geom.size, geom.full, geom.popcount
    R, C, B = geom.row_of, geom.col_of, geom.box_of
    rows, cols, boxes = [0] * size, [0] * size, [0] * size
    empties: list[int] = []
    for i, v in enumerate(cells):
        if v:
            bit = 1 << (v - 1)
            r, c, b = R[i], C[i], B[i]
            if (rows[r] | cols[c] | boxes[b]) & bit:
                return 0, None
            rows[r] |= bit
            cols[c] |= bit
            boxes[b] |= bit
        else:
            empties.append(i)
    grid = list(cells)
    n_empty = len(empties)
    avoid_cell, avoid_bit = avoid
    found = 0
    first: list[int] | None = None

    def rec(depth: int) -> bool:
        nonlocal found, first
        if depth == n_empty:
            found += 1
            if first is None:
                first = grid.copy()
            return found >= limit
        best_k, best_m, best_n = -1, 0, size + 1
        for k in range(depth, n_empty):
            i = empties[k]
            m = full & ~(rows[R[i]] | cols[C[i]] | boxes[B[i]])
            if i == avoid_cell:
                m &= ~avoid_bit
            pc = pop[m]
            if pc < best_n:
                best_k, best_m, best_n = k, m, pc
                if pc <= 1:
                    break
        if best_n == 0:
            return False
        i = empties[best_k]
        empties[best_k], empties[depth] = empties[depth], i
        r, c, b = R[i], C[i], B[i]
        if order is None:
            digits = [d for d in range(size) if best_m >> d & 1]
        else:
            digits = [d for d in order[i] if best_m >> d & 1]
        for d in digits:
            bit = 1 << d
            rows[r] |= bit
            cols[c] |= bit
            boxes[b] |= bit
            grid[i] = d + 1
            stop = rec(depth + 1)
            rows[r] ^= bit
            cols[c] ^= bit
            boxes[b] ^= bit
            if stop:
                return True
        grid[i] = 0
        return False

    rec(0)
    return found, first


def _flat(puzzle: np.ndarray) -> list[int]:
    return [int(v) for v in puzzle.ravel()]


def _check_limit(limit: object) -> int:
    if isinstance(limit, bool) or not isinstance(limit, (int, np.integer)):
        raise TypeError(f"`limit` must be an int >= 1 (2 tests uniqueness), got {type(limit).__name__} {limit!r}.")
    if limit < 1:
        raise ValueError(f"`limit` must be an int >= 1 (2 tests uniqueness), got limit={limit}.")
    return int(limit)


def count_solutions(puzzle: ArrayLike, limit: int = 2) -> int | np.ndarray:
    """Count the solutions of ``puzzle``, stopping at ``limit``.

    **Arguments:** ``puzzle``, an integer array of shape (size, size) with 0 for blanks (size 4, 9, 16 or 25),
    or a batch of shape (n, size, size).

    **Other arguments:** ``limit``, the count at which to stop (``2`` answers "is it unique?").

    **Returns:** ``min(number of solutions, limit)``, 0 when the givens conflict: an int for one board, an
    int64 array of shape (n,) for a batch.

    **Raises:** ``ValueError`` for a wrong shape, digits outside [0, size] or ``limit < 1``; ``TypeError`` for
    non-integer digits or ``limit``.
    """
    single = np.ndim(puzzle) == 2
    boards = as_boards(puzzle, "puzzle", digits="blanks")
    limit = _check_limit(limit)
    geom = geometry(boards.shape[-1])
    counts = np.array([search(_flat(b), geom, limit)[0] for b in boards], dtype=np.int64)
    return int(counts[0]) if single else counts


def _solve_one(board: np.ndarray, geom: Geometry, where: str) -> np.ndarray:
    cells = _flat(board)
    clash = find_conflict(cells, geom)
    if clash is not None:
        (r0, c0), (r1, c1) = (divmod(i, geom.size) for i in clash)
        raise ValueError(
            f"`puzzle`{where} has conflicting givens: digit {cells[clash[0]]} at (row, col)=({r0}, {c0}) and "
            f"({r1}, {c1}) share a row, column or box; fix or blank one of them."
        )
    count, first = search(cells, geom, 1)
    if count == 0 or first is None:
        raise ValueError(
            f"`puzzle`{where} has no solution: its givens do not conflict directly but cannot be completed."
        )
    return np.asarray(first, dtype=np.int8).reshape(board.shape)


def solve(puzzle: ArrayLike) -> np.ndarray:
    """Solve a Sudoku puzzle (or a batch of them) by backtracking.

    **Arguments:** ``puzzle``, an integer array of shape (size, size), 0 = blank, or (n, size, size).

    **Returns:** the solution, an int8 array of the same shape. If a puzzle has several solutions the first
    one in search order is returned; check uniqueness with ``count_solutions(puzzle) == 1``.

    **Raises:** ``ValueError`` for a wrong shape, digits outside [0, size], two equal givens in one row,
    column or box, or a puzzle without solution (naming the board of a batch); ``TypeError`` for non-integer
    digits.
    """
    single = np.ndim(puzzle) == 2
    boards = as_boards(puzzle, "puzzle", digits="blanks")
    geom = geometry(boards.shape[-1])
    out = np.empty(boards.shape, dtype=np.int8)
    for b, board in enumerate(boards):
        out[b] = _solve_one(board, geom, "" if single else f"[{b}]")
    return out[0] if single else out


def is_valid_solution(grid: ArrayLike, puzzle: ArrayLike | None = None) -> bool | np.ndarray:
    """Check that ``grid`` is a complete, valid Sudoku (and agrees with ``puzzle``'s givens, if given).

    **Arguments:** ``grid``, integer array of shape (size, size) or (n, size, size); ``puzzle``, optional,
    same shape, 0 = blank.

    **Returns:** a bool for one board, a bool array of shape (n,) for a batch. Digits outside [1, size]
    make a board invalid rather than raising.

    **Raises:** ``ValueError`` for wrong shapes or a ``puzzle`` whose shape differs from ``grid``'s.
    """
    single = np.ndim(grid) == 2
    g = as_boards(grid, "grid")
    n, size = g.shape[0], g.shape[-1]
    box = geometry(size).box
    want = np.arange(1, size + 1)
    ok = np.all((g >= 1) & (g <= size), axis=(1, 2))
    rows = np.sort(g, axis=2)
    cols = np.sort(g, axis=1).transpose(0, 2, 1)
    boxes = np.sort(g.reshape(n, box, box, box, box).transpose(0, 1, 3, 2, 4).reshape(n, size, size), axis=2)
    for units in (rows, cols, boxes):
        ok &= np.all(units == want, axis=(1, 2))
    if puzzle is not None:
        p = as_boards(puzzle, "puzzle")
        if p.shape != g.shape:
            raise ValueError(
                f"`puzzle` must have the shape of `grid` {g.shape[1:] if single else g.shape}, got {np.shape(puzzle)}."
            )
        ok &= np.all((p == 0) | (p == g), axis=(1, 2))
    return bool(ok[0]) if single else ok
