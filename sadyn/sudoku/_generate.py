"""Puzzle generator: a random full grid, then cells removed while the solution stays unique.

1. A full grid comes from the backtracking search of :mod:`._solver` on an empty board, trying the digits of
   every cell in a random order (MRV branching, so it almost never backtracks).
2. A target number of givens ``k`` is drawn uniformly from ``givens = (lo, hi)``.
3. Cells are visited in a random order; cell ``i`` holding digit ``v`` is blanked when the board with ``v``
   forbidden at ``i`` has no solution (one existence search, ``search(..., avoid=(i, v))``), which is exactly
   "the puzzle without ``i`` still has one solution". Removal stops at ``k`` givens.
4. If every cell has been visited and more than ``k`` givens remain (the puzzle is minimal), the attempt is
   retried on a fresh grid with the same ``k``, up to ``_ATTEMPTS`` times; after that a minimal puzzle is kept
   if its count lies in ``[lo, hi]`` and a fresh grid is drawn otherwise. On 9x9, removal's minimal puzzles
   have 22-28 givens (mean about 24.4), so targets of 24 and up are met, while 22 and 23 come out less often
   than drawn: check with :func:`givens_histogram`.

Randomness: puzzle ``i`` of seed ``s`` uses its own stream, ``SeedSequence(s, spawn_key=(i,))`` (what
``SeedSequence(s).spawn(n)[i]`` gives), feeding Python's ``random.Random.random``, whose sequence for a given
seed Python guarantees across versions. So the puzzles depend only on ``(seed, i, size, givens)``, never on
the number of worker processes or the chunking.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import random
import warnings
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import numpy as np

from ._grid import Geometry, check_size, geometry
from ._solver import search

__all__ = ["generate", "default_givens", "generate_range", "check_givens", "check_workers", "GENERATOR_VERSION"]

GENERATOR_VERSION = 1  # bump when the puzzles produced for a given (seed, size, givens) change
_ATTEMPTS = 8  # fresh grids tried to hit the drawn number of givens exactly
_GIVE_UP = 10_000  # grids tried before an unreachable `givens` range is reported
_DEFAULT_GIVENS = {4: (6, 9), 9: (31, 42)}
_SERIAL_BELOW = {4: 20_000, 9: 1_000}  # workers=None: one process below this many puzzles


def default_givens(size: int) -> tuple[int, int]:
    """The default ``givens`` range of a board size: SATNet's (31, 42) for 9x9, (6, 9) for 4x4."""
    size = check_size(size)
    if size not in _DEFAULT_GIVENS:
        raise ValueError(
            f"`givens` has no default for size={size}; pass a range such as givens=({size * size // 2}, "
            f"{size * size * 2 // 3}) (pure-Python generation above 9x9 is slow)."
        )
    return _DEFAULT_GIVENS[size]


def _shuffled(seq: list[int], rand: random.Random) -> list[int]:
    """Fisher-Yates from ``rand.random()`` only (``random.shuffle`` is not promised stable across versions)."""
    out = list(seq)
    for j in range(len(out) - 1, 0, -1):
        k = int(rand.random() * (j + 1))
        out[j], out[k] = out[k], out[j]
    return out


def _random_grid(rand: random.Random, geom: Geometry) -> list[int]:
    digits = list(range(geom.size))
    order = [_shuffled(digits, rand) for _ in range(geom.size * geom.size)]
    count, grid = search([0] * (geom.size * geom.size), geom, 1, order=order)
    if count != 1 or grid is None:  # cannot happen: every empty board of a valid size has solutions
        raise RuntimeError("the empty board produced no full grid; please report this bug")
    return grid


def _dig(grid: list[int], target: int, rand: random.Random, geom: Geometry) -> list[int]:
    """Blank cells of ``grid`` in random order while the solution stays unique, stopping at ``target`` givens.

    Shortcut (same result as the search): a cell whose digit is the only one its row, column and box leave
    open is blanked without searching.
    """
    cells = list(grid)
    R, C, B = geom.row_of, geom.col_of, geom.box_of
    rows, cols, boxes = [geom.full] * geom.size, [geom.full] * geom.size, [geom.full] * geom.size
    left = len(cells)
    for i in _shuffled(list(range(len(cells))), rand):
        if left <= target:
            break
        v = cells[i]
        bit = 1 << (v - 1)
        r, c, b = R[i], C[i], B[i]
        open_digits = geom.full & ~((rows[r] | cols[c] | boxes[b]) ^ bit)
        cells[i] = 0
        if open_digits != bit and search(cells, geom, 1, avoid=(i, bit))[0]:
            cells[i] = v  # another solution puts a different digit here: keep the given
            continue
        rows[r] ^= bit
        cols[c] ^= bit
        boxes[b] ^= bit
        left -= 1
    return cells


def _one_puzzle(seed: int, index: int, size: int, lo: int, hi: int) -> tuple[list[int], list[int]]:
    """Puzzle ``index`` of ``seed``: flat (puzzle, solution) lists."""
    state = np.random.SeedSequence(seed, spawn_key=(index,)).generate_state(2, np.uint64)
    rand = random.Random(int(state[0]) << 64 | int(state[1]))
    geom = geometry(size)
    target = lo + int(rand.random() * (hi - lo + 1))
    for attempt in range(1, _GIVE_UP + 1):
        grid = _random_grid(rand, geom)
        puzzle = _dig(grid, target, rand, geom)
        givens = sum(1 for v in puzzle if v)
        if givens == target or (attempt >= _ATTEMPTS and givens <= hi):
            return puzzle, grid
    raise RuntimeError(
        f"removal reached no {size}x{size} puzzle with at most {hi} givens in {_GIVE_UP} grids; "
        f"raise the upper end of `givens`."
    )


def _chunk(args: tuple[int, int, int, int, int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Puzzles ``start .. stop-1`` as int8 arrays (the unit of work sent to a process)."""
    seed, start, stop, size, lo, hi = args
    puzzles = np.zeros((stop - start, size * size), dtype=np.int8)
    solutions = np.zeros_like(puzzles)
    for row, index in enumerate(range(start, stop)):
        p, s = _one_puzzle(seed, index, size, lo, hi)
        puzzles[row], solutions[row] = p, s
    return puzzles, solutions


def check_givens(givens: object, size: int) -> tuple[int, int]:
    """Resolve ``givens`` (None, an int or a pair) to an inclusive ``(low, high)`` range that removal reaches."""
    cells = size * size
    if givens is None:
        return default_givens(size)
    if isinstance(givens, (int, np.integer)) and not isinstance(givens, bool):
        pair: tuple = (givens, givens)
    elif isinstance(givens, (tuple, list)) and len(givens) == 2:
        pair = tuple(givens)
    else:
        raise TypeError(f"`givens` must be an int or a (low, high) pair such as (31, 42), got {givens!r}.")
    if not all(isinstance(g, (int, np.integer)) and not isinstance(g, bool) for g in pair):
        raise TypeError(f"`givens` must hold ints, got {givens!r}.")
    lo, hi = int(pair[0]), int(pair[1])
    floor = {4: 4, 9: 17}.get(size, size - 1)  # fewest givens of a unique puzzle (4, 9); size - 1 bounds it below
    if not floor <= lo <= hi <= cells:
        raise ValueError(
            f"`givens` must satisfy {floor} <= low <= high <= {cells} for size={size} "
            f"(no {size}x{size} puzzle with fewer than {floor} givens has a unique solution), got givens={givens!r}."
        )
    if size == 9 and hi < 22:
        raise ValueError(
            f"`givens` high={hi} is out of reach of removal (the minimal puzzles it finds have 22-28 givens); "
            f"use givens=(22, {max(hi, 26)}) or more."
        )
    return lo, hi


def _check_count(value: object, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"`{name}` must be an int, got {type(value).__name__} {value!r}.")
    if value < minimum:
        raise ValueError(f"`{name}` must be >= {minimum}, got {name}={value}.")
    return int(value)


def _cgroup_cpu_limit(path: str = "/sys/fs/cgroup/cpu.max") -> int | None:
    """CPUs allowed by a cgroup v2 quota (``"<quota> <period>"``, e.g. ``"100000 100000"`` on Binder: 1 CPU),
    rounded up; None without a quota (``"max ..."``) or without the file (not Linux, cgroup v1)."""
    try:
        with open(path, encoding="ascii") as f:
            quota, period = f.read().split()[:2]
        if quota == "max":
            return None
        return max(1, math.ceil(int(quota) / int(period)))
    except (OSError, ValueError, ZeroDivisionError):
        return None


def available_cpus() -> int:
    """CPUs this process may really use: the affinity mask (where the OS has one), capped by the cgroup CPU
    quota (containers such as Binder's grant one or two CPUs of a many-core host)."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        cpus = os.cpu_count() or 1
    quota = _cgroup_cpu_limit()
    return max(1, min(cpus, quota) if quota is not None else cpus)


def check_workers(workers: object, n: int, size: int) -> int:
    """Resolve ``workers=None`` (one process for small ``n``, else the available CPUs, at most 8) or check an int.

    Each worker process imports sadyn, and with it torch (about a second and a few hundred MB), so small jobs
    stay in this process.
    """
    if workers is None:
        return 1 if n < _SERIAL_BELOW.get(size, 100) else max(1, min(available_cpus(), 8, n // 250))
    return _check_count(workers, "workers", 1)


def _chunks(seed: int, start: int, stop: int, size: int, lo: int, hi: int, step: int) -> Iterator[tuple]:
    for a in range(start, stop, step):
        yield (seed, a, min(a + step, stop), size, lo, hi)


_SCRIPT_HINT = (
    'A script that starts processes must run its code under `if __name__ == "__main__":` (workers start '
    'with "spawn", which re-imports the script)'
)


def _parallel(jobs: list[tuple], workers: int, bar: Any) -> list[tuple[np.ndarray, np.ndarray]]:
    # "spawn" works everywhere (notebooks, pytest, macOS, Windows) and never forks a process that holds torch's
    # thread pools; _chunk is a module-level function, so the children can import it.
    parts = []
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        for part in pool.map(_chunk, jobs):  # map keeps job order: results do not depend on workers
            parts.append(part)
            if bar is not None:
                bar.update(len(part[0]))
    return parts


def generate_range(
    start: int,
    stop: int,
    *,
    givens: tuple[int, int],
    seed: int,
    size: int,
    workers: int | None,
    show_progress: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Puzzles ``start .. stop-1`` of the stream ``seed`` (``givens``, ``seed``, ``size`` checked): flat int8.

    With ``workers=None``, worker processes that die while starting (an unguarded script) give a warning and a
    serial run; with an explicit ``workers`` they give a ``RuntimeError`` that says how to fix the script.
    """
    n = stop - start
    lo, hi = givens
    auto = workers is None
    workers = max(1, min(check_workers(workers, n, size), n))
    step = max(1, min(250, math.ceil(n / (workers * 4))))
    jobs = list(_chunks(seed, start, stop, size, lo, hi, step))
    bar = None
    if show_progress and n:
        from tqdm.auto import tqdm

        bar = tqdm(total=n, desc=f"generating {size}x{size} puzzles", unit="puzzle")
    parts: list[tuple[np.ndarray, np.ndarray]] = []
    try:
        if workers > 1:
            try:
                parts = _parallel(jobs, workers, bar)
            except BrokenProcessPool as err:
                if not auto:
                    raise RuntimeError(
                        f"the {workers} worker processes died ({err}). {_SCRIPT_HINT}; or pass workers=1."
                    ) from err
                warnings.warn(
                    f"worker processes died while starting; generating in this process. {_SCRIPT_HINT}.",
                    stacklevel=3,
                )
                if bar is not None:
                    bar.reset()
        if not parts:
            for job in jobs:
                parts.append(_chunk(job))
                if bar is not None:
                    bar.update(job[2] - job[1])
    finally:
        if bar is not None:
            bar.close()
    if not parts:
        empty = np.zeros((0, size * size), dtype=np.int8)
        return empty, empty.copy()
    return np.concatenate([p for p, _ in parts]), np.concatenate([s for _, s in parts])


def generate(
    n: int,
    *,
    givens: int | tuple[int, int] | None = None,
    seed: int = 0,
    size: int = 9,
    workers: int | None = None,
    show_progress: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Generate ``n`` Sudoku puzzles, each with exactly one solution.

    Each puzzle is a random full grid with cells blanked in random order while the solution stays unique,
    down to a number of givens drawn uniformly from ``givens`` (see the module docstring for the rare case
    where removal cannot go that low). Puzzle ``i`` depends only on ``(seed, i, size, givens)``: the same
    seed gives the same puzzles with any ``workers``, and ``generate(m)`` is a prefix of ``generate(n)``
    for ``m < n``.

    **Arguments:** ``n``, the number of puzzles.

    **Other arguments:** ``givens``, the number of filled cells: an int or an inclusive ``(low, high)`` range;
    ``None`` means ``(31, 42)`` for 9x9 (SATNet's range) and ``(6, 9)`` for 4x4. ``seed``, an int >= 0.
    ``size``, the board side (9 or 4; 16 and 25 need an explicit ``givens`` and are slow in pure Python).
    ``workers``, the number of processes (``None``: one below 1,000 9x9 puzzles, else the available CPUs, at
    most 8). Processes start with "spawn", which works in notebooks, under pytest and on every OS; a script
    must then call this under ``if __name__ == "__main__":`` (with ``workers=None`` an unguarded script only
    gets a warning and a serial run). ``show_progress``, a tqdm bar.

    **Returns:** ``(puzzles, solutions)``, int8 arrays of shape ``(n, size, size)``; 0 marks a blank in
    ``puzzles``; ``solutions`` hold digits ``1..size``.

    **Raises:** ``ValueError`` for ``n < 0``, a negative ``seed``, a bad ``size`` or a ``givens`` range that no
    unique puzzle (or no removal) reaches; ``TypeError`` for non-int arguments.

    See also: :func:`count_solutions`, :func:`givens_histogram`, :func:`load_dataset`.
    """
    n = _check_count(n, "n", 0)
    seed = _check_count(seed, "seed", 0)
    size = check_size(size)
    lo, hi = check_givens(givens, size)
    puzzles, solutions = generate_range(
        0, n, givens=(lo, hi), seed=seed, size=size, workers=workers, show_progress=show_progress
    )
    return puzzles.reshape(n, size, size), solutions.reshape(n, size, size)
