"""Thread settings for small tensor work on few cores.

The maps sadyn studies are small (thousands of numbers), so each torch op is dominated by dispatch overhead,
and on a busy 2-core machine two intra-op threads were measured to run a small forward pass over 100x slower
than one. Explorers and tutorials therefore compute under :func:`threads` (1 by
default); large dense work (eigvals of a 4096 x 4096 Jacobian) may want more.

ARPACK: scipy's ARPACK solvers (``eigsh``, ``eigs``, ``svds``) call back into torch for every product while
their own OpenBLAS threads stay awake between calls, so torch's intra-op threads compete with them. sadyn runs its
matrix-free products there at one torch thread. Measured on 2 cores (the 207 leading eigenvectors of a 10,368-
dimensional J + J^T, Fig. 6's contribution index at 9x9): 57 s with two torch threads, 21 s with one.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch

from ._validate import check_count

__all__ = ["threads"]


@contextlib.contextmanager
def threads(n: int = 1) -> Iterator[None]:
    """Run the block with ``n`` torch intra-op threads, then restore the previous setting."""
    n = check_count(n, "n", hint="a positive number of threads")
    old = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(old)
