"""Seeded inputs shared by the experiments: random token states on a sphere of given radius."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

from ..norms import sphere_project

__all__ = ["random_tokens"]


def random_tokens(
    tokens: int,
    dim: int,
    *,
    radius: float = 1.0,
    batch: Sequence[int] = (),
    seed: int = 0,
    dtype: torch.dtype = torch.float64,
) -> Tensor:
    """``(*batch, tokens, dim)`` Gaussian directions scaled to norm ``radius`` (the paper's Fig. 1 inputs)."""
    g = torch.Generator().manual_seed(seed)
    return radius * sphere_project(torch.randn(*batch, tokens, dim, generator=g, dtype=dtype))
