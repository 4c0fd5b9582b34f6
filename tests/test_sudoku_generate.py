"""The generator: unique solutions (checked by an independent solver), the givens range, determinism."""

from __future__ import annotations

import numpy as np
import pytest
from test_sudoku_reference import all_4x4_grids, ref_solutions

from sadyn.sudoku import count_givens, generate, givens_histogram, is_valid_solution
from sadyn.sudoku._generate import _shuffled, default_givens


def test_9x9_puzzles_have_exactly_one_solution_by_an_independent_solver() -> None:
    puzzles, solutions = generate(15, seed=3)
    assert puzzles.shape == solutions.shape == (15, 9, 9)
    assert puzzles.dtype == solutions.dtype == np.int8
    assert is_valid_solution(solutions, puzzles).all()
    counts = count_givens(puzzles)
    assert counts.min() >= 31 and counts.max() <= 42
    for p, s in zip(puzzles, solutions, strict=True):
        (only,) = ref_solutions(p, limit=2)  # unpacking fails unless there is exactly one
        np.testing.assert_array_equal(only, s)


def test_4x4_puzzles_are_unique_by_exhaustion_over_all_288_grids() -> None:
    grids = all_4x4_grids()
    puzzles, solutions = generate(300, size=4, seed=1)
    assert puzzles.shape == (300, 4, 4)
    lo, hi = default_givens(4)
    assert set(givens_histogram(puzzles)) == set(range(lo, hi + 1))
    given = puzzles != 0
    # fits[i, g]: grid g agrees with every given of puzzle i
    fits = np.all((grids[None] == puzzles[:, None]) | ~given[:, None], axis=(2, 3))
    np.testing.assert_array_equal(fits.sum(axis=1), np.ones(300))
    np.testing.assert_array_equal(grids[fits.argmax(axis=1)], solutions)


def test_removal_reaches_the_fewest_givens_of_4x4() -> None:
    puzzles, _ = generate(40, givens=4, size=4, seed=2)
    np.testing.assert_array_equal(count_givens(puzzles), np.full(40, 4))  # 4 is the known minimum
    fits = np.all((all_4x4_grids()[None] == puzzles[:, None]) | (puzzles[:, None] == 0), axis=(2, 3))
    assert (fits.sum(axis=1) == 1).all()


def test_an_int_givens_is_met_exactly() -> None:
    puzzles, _ = generate(5, givens=30, seed=4)
    np.testing.assert_array_equal(count_givens(puzzles), np.full(5, 30))


def test_same_seed_same_puzzles_and_prefixes_agree() -> None:
    a = generate(6, seed=11)
    b = generate(6, seed=11)
    c = generate(3, seed=11)
    d = generate(6, seed=12)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    np.testing.assert_array_equal(a[0][:3], c[0])  # puzzle i depends only on (seed, i): no chunking effects
    assert not np.array_equal(a[1], d[1])
    assert len({s.tobytes() for s in a[1]}) == 6  # distinct grids


def test_worker_processes_do_not_change_the_puzzles() -> None:
    serial = generate(8, size=4, seed=7, workers=1)
    parallel = generate(8, size=4, seed=7, workers=2)
    for x, y in zip(serial, parallel, strict=True):
        np.testing.assert_array_equal(x, y)


def test_workers_that_die_at_start_fall_back_or_explain(monkeypatch: pytest.MonkeyPatch) -> None:
    from concurrent.futures.process import BrokenProcessPool

    import sadyn.sudoku._generate as gen

    def broken(*args, **kwargs):
        raise BrokenProcessPool("terminated abruptly")  # what an unguarded script's children cause

    monkeypatch.setattr(gen, "_parallel", broken)
    monkeypatch.setitem(gen._SERIAL_BELOW, 4, 10)  # workers=None goes parallel for 500 puzzles
    monkeypatch.setattr(gen, "available_cpus", lambda: 2)
    with pytest.warns(
        UserWarning,
        match=r"worker processes died while starting; generating in this process\. "
        r"A script .* `if __name__ == \"__main__\":`",
    ):
        fallback = generate(500, size=4, seed=7)
    np.testing.assert_array_equal(fallback[0], generate(500, size=4, seed=7, workers=1)[0])
    with pytest.raises(RuntimeError, match=r"the 2 worker processes died \(terminated abruptly\)\. .*workers=1"):
        generate(12, size=4, seed=7, workers=2)


def test_shuffle_is_a_permutation_and_empty_n_is_allowed() -> None:
    import random

    out = _shuffled(list(range(50)), random.Random(0))
    assert sorted(out) == list(range(50)) and out != list(range(50))
    p, s = generate(0)
    assert p.shape == s.shape == (0, 9, 9)


def test_bad_arguments_get_clear_errors() -> None:
    with pytest.raises(ValueError, match=r"`n` must be >= 0, got n=-1\."):
        generate(-1)
    with pytest.raises(TypeError, match=r"`n` must be an int, got float 10.0\."):
        generate(10.0)
    with pytest.raises(ValueError, match=r"`seed` must be >= 0"):
        generate(1, seed=-3)
    with pytest.raises(ValueError, match=r"`givens` must satisfy 17 <= low <= high <= 81 for size=9 .*=\(40, 35\)"):
        generate(1, givens=(40, 35))
    with pytest.raises(ValueError, match=r"`givens` must satisfy 4 <= low <= high <= 16 for size=4"):
        generate(1, size=4, givens=(31, 42))
    with pytest.raises(ValueError, match=r"high=21 is out of reach of removal"):
        generate(1, givens=(17, 21))
    with pytest.raises(TypeError, match=r"`givens` must be an int or a \(low, high\) pair"):
        generate(1, givens=(1, 2, 3))
    with pytest.raises(TypeError, match=r"`givens` must hold ints"):
        generate(1, givens=(30.0, 35))
    with pytest.raises(ValueError, match=r"`givens` has no default for size=16; pass a range such as"):
        generate(1, size=16)
    with pytest.raises(ValueError, match=r"`workers` must be >= 1, got workers=0\."):
        generate(1, workers=0)
    with pytest.raises(ValueError, match="perfect square"):
        generate(1, size=6)


@pytest.mark.slow
def test_a_few_hundred_hard_puzzles_are_unique_and_cover_the_range() -> None:
    puzzles, solutions = generate(200, givens=(24, 30), seed=9)
    hist = givens_histogram(puzzles)
    assert set(hist) == set(range(24, 31))
    assert min(hist.values()) > 200 / 7 / 2  # every count drawn about equally often
    for p, s in zip(puzzles, solutions, strict=True):
        (only,) = ref_solutions(p, limit=2)
        np.testing.assert_array_equal(only, s)
