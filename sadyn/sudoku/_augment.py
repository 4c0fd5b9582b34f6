"""Sudoku symmetries: random validity-preserving transforms of puzzle-solution pairs (training augmentation).

For a ``size = b * b`` board the transforms are compositions of

* a digit relabelling ``d -> pi(d)`` (pi a permutation of 1..size; blanks stay 0),
* a permutation of the b bands (groups of b rows) and of the rows inside each band,
* the same for stacks (groups of b columns) and the columns inside each stack,
* an optional transposition.

Each maps rows, columns and boxes onto rows, columns and boxes (and digits onto digits), so a valid solution
stays valid, the givens stay consistent with it, and a puzzle with a unique solution keeps a unique one. The
group has ``size! * 2 * (b!)^(2b + 2)`` elements (1.2e12 for 9x9), so 9,000 training puzzles become an effectively
fresh stream. ``tests/test_sudoku_augment.py`` checks validity and uniqueness on generated puzzles.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["augment_tokens", "random_symmetry"]


def _block_permutations(n: int, b: int, rng: np.random.Generator) -> np.ndarray:
    """``(n, b*b)`` permutations of 0..b*b-1 that permute the b blocks and the b lines inside each block."""
    blocks = np.argsort(rng.random((n, b)), axis=1)  # which block goes to position i
    inner = np.argsort(rng.random((n, b, b)), axis=2)  # which line of that block goes to position j
    return (blocks[:, :, None] * b + np.take_along_axis(inner, blocks[:, :, None], axis=1)).reshape(n, b * b)


def random_symmetry(n: int, size: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` random board symmetries as ``(cells, relabel)``.

    ``cells[k]`` (shape ``(size*size,)``) is a permutation of the row-major cell indices: the transformed board is
    ``board.reshape(-1)[cells[k]]``. ``relabel[k]`` (shape ``(size + 1,)``) maps old digits to new ones with
    ``relabel[k][0] == 0`` (blanks stay blank).
    """
    b = math.isqrt(size)
    if b * b != size:
        raise ValueError(f"`size` must be a perfect square (4, 9, 16), got size={size}.")
    rows, cols = _block_permutations(n, b, rng), _block_permutations(n, b, rng)
    cells = rows[:, :, None] * size + cols[:, None, :]  # new (r, c) takes old (rows[r], cols[c])
    transpose = rng.random(n) < 0.5
    cells = np.where(transpose[:, None, None], cells.transpose(0, 2, 1), cells).reshape(n, size * size)
    relabel = np.concatenate([np.zeros((n, 1), np.int64), 1 + np.argsort(rng.random((n, size)), axis=1)], axis=1)
    return cells, relabel


def augment_tokens(
    digits: np.ndarray, targets: np.ndarray, size: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Apply one random symmetry per puzzle to token rows.

    ``digits``: ``(n, size*size)`` ints 0..size (0 = blank); ``targets``: ``(n, size*size)`` class indices
    0..size-1 (solution digit - 1). Returns the transformed pair, same shapes and dtypes; the same cell
    permutation and digit relabelling act on both, so ``targets`` is still the solution of ``digits``.
    """
    digits, targets = np.asarray(digits), np.asarray(targets)
    if digits.shape != targets.shape or digits.ndim != 2 or digits.shape[1] != size * size:
        raise ValueError(
            f"`digits` and `targets` must both have shape (n, {size * size}), got {digits.shape} and {targets.shape}."
        )
    cells, relabel = random_symmetry(len(digits), size, rng)
    d = np.take_along_axis(digits, cells, axis=1)
    t = np.take_along_axis(targets, cells, axis=1)
    d = np.take_along_axis(relabel, d.astype(np.int64), axis=1).astype(digits.dtype)
    t = (np.take_along_axis(relabel, t.astype(np.int64) + 1, axis=1) - 1).astype(targets.dtype)
    return d, t
