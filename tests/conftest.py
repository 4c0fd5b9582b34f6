"""Shared test set-up: stricter and more repeatable than what users get.

- Seeds: every test starts from the same seeds (``random``, ``numpy``, ``torch``), so a test's result does
  not depend on which tests ran before it. Prefer the ``rng`` fixture (a seeded ``torch.Generator``) and
  pass it explicitly, e.g. ``torch.randn(4, 8, generator=rng, dtype=torch.float64)``.
- ``torch.use_deterministic_algorithms(True)``: an op without a deterministic implementation raises instead
  of silently giving run-to-run differences (``CUBLAS_WORKSPACE_CONFIG`` is set so CUDA matmuls qualify).
- ``torch.set_num_threads(1)``: the CI box and the developers' machines have 2 cores shared with other
  work. For the small tensors of these tests intra-op threading buys nothing, and on an oversubscribed
  2-core machine threaded small ops stall: measured here (``numerics.md``, pitfall 8), a 0.087 ms forward
  took 88 ms under foreign load. One thread keeps the suite fast and its timings stable.
- Matplotlib draws off-screen (``Agg``), and figures are closed after each test.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator

# Must be set before torch initialises CUDA (deterministic cuBLAS workspaces).
os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")

import matplotlib  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

SEED = 0

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)
# Off-screen drawing for this process only: not via the MPLBACKEND variable, which the notebook kernels
# that nbval starts would inherit (their figures must stay inline to match the committed outputs).
matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _fixed_seeds() -> Iterator[None]:
    """Reset the global seeds before each test, and close its figures after it."""
    random.seed(SEED)
    np.random.seed(SEED)
    torch.manual_seed(SEED)
    yield
    import sys

    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


@pytest.fixture
def rng() -> torch.Generator:
    """A CPU ``torch.Generator`` seeded with ``SEED``; pass it as ``generator=rng``."""
    return torch.Generator().manual_seed(SEED)


@pytest.fixture
def np_rng() -> np.random.Generator:
    """A numpy ``Generator`` seeded with ``SEED`` (for numpy-only code such as the Sudoku generator)."""
    return np.random.default_rng(SEED)
