"""Thread settings for small tensor work on few cores.

The maps sadyn studies are small (thousands of numbers), so each torch op is dominated by dispatch overhead,
and on a busy 2-core machine two intra-op threads were measured to run a small forward pass over 100x slower
than one. Explorers and tutorials therefore compute under :func:`threads` (1 by
default); large dense work (eigvals of a 4096 x 4096 Jacobian) may want more.
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
