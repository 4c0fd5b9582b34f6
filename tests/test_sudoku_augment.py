"""Sudoku symmetry augmentation keeps puzzle-solution pairs valid and unique, and covers the whole group."""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_sudoku_reference import ref_solutions

from sadyn.sudoku import augment_tokens, board_tokens, generate, is_valid_solution, random_symmetry


@pytest.mark.parametrize("size, n", [(4, 200), (9, 12)])
def test_augmented_pairs_stay_valid_and_unique(size: int, n: int) -> None:
    puzzles, solutions = generate(n, size=size, seed=4)
    digits, _ = board_tokens(puzzles)
    targets = solutions.reshape(n, -1).astype(np.int64) - 1
    d, t = augment_tokens(digits, targets, size, np.random.default_rng(0))
    assert d.shape == digits.shape and d.dtype == digits.dtype and t.dtype == targets.dtype
    new_puzzles, new_solutions = d.reshape(n, size, size), (t + 1).reshape(n, size, size)
    assert is_valid_solution(new_solutions, new_puzzles).all()
    np.testing.assert_array_equal((d > 0).sum(1), (digits > 0).sum(1))  # same number of givens
    assert (d != digits).any(1).mean() > 0.9  # nearly every board changed
    for p, s in zip(new_puzzles[:6], new_solutions[:6], strict=True):
        (only,) = ref_solutions(p, limit=2)  # still exactly one solution
        np.testing.assert_array_equal(only, s)


def test_symmetries_are_permutations_with_blank_fixed_and_reach_transposes() -> None:
    rng = np.random.default_rng(1)
    cells, relabel = random_symmetry(500, 9, rng)
    assert (np.sort(cells, 1) == np.arange(81)).all()
    assert (relabel[:, 0] == 0).all() and (np.sort(relabel[:, 1:], 1) == np.arange(1, 10)).all()
    # rows map to rows or (transposed) to columns: cell 0 and cell 1 share a row before, a row or column after
    r, c = np.divmod(cells[:, :2], 9)
    same_row, same_col = r[:, 0] == r[:, 1], c[:, 0] == c[:, 1]
    assert (same_row | same_col).all() and same_row.any() and same_col.any()
    # every position can receive cell 0 (bands, rows in bands, stacks, columns all move)
    assert len(np.unique(np.argmax(cells == 0, axis=1))) > 70


def test_augment_is_deterministic_per_generator_and_refuses_bad_shapes() -> None:
    digits = np.zeros((3, 16), np.int64)
    targets = np.tile(np.arange(16) % 4, (3, 1))
    a = augment_tokens(digits, targets, 4, np.random.default_rng(7))
    b = augment_tokens(digits, targets, 4, np.random.default_rng(7))
    np.testing.assert_array_equal(a[1], b[1])
    with pytest.raises(ValueError, match=r"must both have shape \(n, 16\)"):
        augment_tokens(digits[:, :9], targets[:, :9], 4, np.random.default_rng(0))
    with pytest.raises(ValueError, match="perfect square"):
        random_symmetry(1, 6, np.random.default_rng(0))
    assert math.factorial(9) * 2 * math.factorial(3) ** 8 > 1e12
