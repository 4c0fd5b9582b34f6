"""Board geometry and input validation shared by the Sudoku solver, generator and metrics."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["Geometry", "geometry", "check_size", "as_board", "as_boards", "cell_units", "board_tokens"]


@dataclass(frozen=True)
class Geometry:
    """Index tables of a ``size x size`` board with ``box x box`` boxes (cells in row-major order)."""

    size: int
    box: int
    row_of: tuple[int, ...]
    col_of: tuple[int, ...]
    box_of: tuple[int, ...]
    full: int  # bitmask with one bit per digit: digit d (1..size) is bit 1 << (d - 1)
    popcount: tuple[int, ...]  # popcount[m] for every mask m < 2**size


def check_size(size: object, name: str = "size") -> int:
    """Require a perfect-square board side >= 4 (4, 9, 16, 25) and return it as an int."""
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)):
        raise TypeError(f"`{name}` must be an int such as 9 or 4, got {type(size).__name__}.")
    size = int(size)
    box = math.isqrt(size) if size > 0 else 0
    if size < 4 or box * box != size or size > 25:
        raise ValueError(
            f"`{name}` must be a perfect square between 4 and 25 (4x4 boards have 2x2 boxes, 9x9 boards 3x3), "
            f"got {name}={size}."
        )
    return size


@cache
def geometry(size: int) -> Geometry:
    """Return the (cached) index tables of a ``size x size`` board."""
    box = math.isqrt(size)
    cells = range(size * size)
    return Geometry(
        size=size,
        box=box,
        row_of=tuple(i // size for i in cells),
        col_of=tuple(i % size for i in cells),
        box_of=tuple((i // size) // box * box + (i % size) // box for i in cells),
        full=(1 << size) - 1,
        popcount=tuple(bin(m).count("1") for m in range(1 << size)),
    )


def _as_int_array(x: object, name: str) -> np.ndarray:
    arr = np.asarray(x)
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer):
        floating = np.issubdtype(arr.dtype, np.floating) and arr.size and np.all(np.isfinite(arr))
        if floating and np.all(arr == np.round(arr)) and np.abs(arr).max() < 2**31:
            return arr.astype(np.int64)
        raise TypeError(
            f"`{name}` must hold integer digits (0 = blank), got dtype {arr.dtype}; "
            f"for model outputs pass logits.argmax(-1) + 1."
        )
    return arr


def _check_square(arr: np.ndarray, name: str, ndims: tuple[int, ...]) -> int:
    if arr.ndim not in ndims or arr.shape[-1] != arr.shape[-2]:
        want = " or ".join({2: "(size, size)", 3: "(n, size, size)"}[d] for d in ndims)
        raise ValueError(f"`{name}` must have shape {want}, got shape {arr.shape}.")
    return check_size(arr.shape[-1], f"{name}.shape[-1]")


def _check_digits(arr: np.ndarray, name: str, lo: int, size: int) -> None:
    if arr.size and (arr.min() < lo or arr.max() > size):
        bad = tuple(int(v) for v in np.argwhere((arr < lo) | (arr > size))[0])
        where = "(row, col)" if arr.ndim == 2 else "(board, row, col)"
        raise ValueError(
            f"`{name}` must hold digits in [{lo}, {size}]{' (0 = blank)' if lo == 0 else ''}, "
            f"got {int(arr[bad])} at {where}={bad}."
        )


def as_board(x: ArrayLike, name: str = "puzzle", *, blanks: bool = True) -> np.ndarray:
    """Validate one board: shape (size, size), integer digits in [0, size] (or [1, size] if not ``blanks``)."""
    arr = _as_int_array(x, name)
    size = _check_square(arr, name, (2,))
    _check_digits(arr, name, 0 if blanks else 1, size)
    return arr


def as_boards(x: ArrayLike, name: str, *, digits: str | None = None) -> np.ndarray:
    """Validate a board or a batch of boards; return shape (n, size, size) with integer dtype.

    ``digits="blanks"`` also requires values in [0, size], ``digits="full"`` values in [1, size]; ``None``
    checks no range (predictions may hold anything).
    """
    arr = _as_int_array(x, name)
    size = _check_square(arr, name, (2, 3))
    if digits is not None:
        _check_digits(arr, name, {"blanks": 0, "full": 1}[digits], size)
    return arr[None] if arr.ndim == 2 else arr


def cell_units(size: int = 9) -> np.ndarray:
    """Row, column and box of every cell: an int64 array of shape ``(size * size, 3)``, cells row-major.

    Boxes are numbered row-major too (box ``(r // b) * b + c // b`` with ``b = sqrt(size)``). These are the
    indices a model needs for learned row, column and box embeddings.
    """
    g = geometry(check_size(size))
    return np.stack([g.row_of, g.col_of, g.box_of], axis=1).astype(np.int64)


def board_tokens(puzzles: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Turn boards into model inputs: ``(digits, is_given)``, one token per cell in row-major order.

    **Arguments:** ``puzzles``, integer digits (0 = blank) of shape ``(size, size)`` or ``(n, size, size)``.

    **Returns:** ``digits``, int64 of shape ``(n, size * size)`` (or ``(size * size,)`` for one board) with
    values in ``0..size`` (ready for an embedding table with ``size + 1`` rows, row 0 = blank); ``is_given``,
    bool of the same shape, ``digits > 0``.

    **Raises:** ``ValueError`` for a wrong shape or digits outside ``[0, size]``; ``TypeError`` for non-integers.
    """
    single = np.ndim(puzzles) == 2
    boards = as_boards(puzzles, "puzzles", digits="blanks")
    size = boards.shape[-1]
    digits = boards.reshape(boards.shape[0], size * size).astype(np.int64)
    if single:
        digits = digits[0]
    return digits, digits > 0
