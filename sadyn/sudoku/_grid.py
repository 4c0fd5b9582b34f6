"""Board geometry and input validation shared by the Sudoku solver, generator and metrics."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

__all__ = ["Geometry", "geometry", "check_size", "as_board", "as_boards"]


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


@lru_cache(maxsize=None)
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
        if np.issubdtype(arr.dtype, np.floating) and arr.size and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)):
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


def as_board(x: object, name: str = "puzzle", *, blanks: bool = True) -> np.ndarray:
    """Validate one board: shape (size, size), integer digits in [0, size] (or [1, size] if not ``blanks``)."""
    arr = _as_int_array(x, name)
    size = _check_square(arr, name, (2,))
    lo = 0 if blanks else 1
    if arr.size and (arr.min() < lo or arr.max() > size):
        bad = tuple(int(v) for v in np.argwhere((arr < lo) | (arr > size))[0])
        raise ValueError(
            f"`{name}` must hold digits in [{lo}, {size}]{' (0 = blank)' if blanks else ''}, "
            f"got {int(arr[bad])} at (row, col)={bad}."
        )
    return arr


def as_boards(x: object, name: str) -> np.ndarray:
    """Validate a board or a batch of boards; return shape (n, size, size) with integer dtype."""
    arr = _as_int_array(x, name)
    _check_square(arr, name, (2, 3))
    return arr[None] if arr.ndim == 2 else arr
