"""Rotary position encoding on a 2-D grid: positions that enter *inside* the attention, not through the input.

Each head's query and key channels are paired, ``(x_{2j}, x_{2j+1})``, and pair ``j`` is turned by an angle that
depends on the token's place on the grid (the first half of the pairs by its row, the second half by its column)::

    R_s = blockdiag(rot(r_s w_0), ..., rot(r_s w_{m-1}), rot(c_s w_0), ..., rot(c_s w_{m-1})),
    w_j = base^(-j/m),   m = D_h / 4,   q_s -> R_s q_s,   k_t -> R_t k_t.

Since rotations compose, ``(R_s q_s)^T (R_t k_t) = q_s^T R_{t-s} k_t``: the attention logits see only the offset
between two cells, row and column separately (RoPE, Su et al. 2021, here in 2-D). AKOrN's reference Sudoku model
puts its 2-D positional structure inside the attention the same way (a geometric transform of queries and keys,
"GTA"); sadyn's default feeds positions through the input C instead (``positions="units"``), and
``positions="rotary"`` is the ablation between the two (:class:`sadyn.models.SudokuSolver`).
"""

from __future__ import annotations

import torch
from torch import Tensor

from ._validate import check_int, check_positive

__all__ = ["grid_rotary", "rotate_pairs"]


def grid_rotary(
    rows: int, cols: int, head_dim: int, *, base: float = 100.0, dtype: torch.dtype = torch.float64
) -> tuple[Tensor, Tensor]:
    """``(cos, sin)`` of the angles of every cell of a ``rows x cols`` grid (row-major), each ``(rows*cols, D_h/2)``.

    ``base`` sets the slowest frequency ``base^(-(m-1)/m)``; the default 100 keeps every pair's turn across a 9x9
    board distinct (the usual 10000 is tuned for thousands of positions). ``head_dim`` must be divisible by 4.
    """
    rows, cols = check_int(rows, "rows", minimum=1), check_int(cols, "cols", minimum=1)
    head_dim = check_int(head_dim, "head_dim", minimum=4)
    base = check_positive(base, "base")
    if head_dim % 4:
        raise ValueError(
            f"a 2-D rotary encoding pairs the channels of each head and splits the pairs between rows and columns: "
            f"`head_dim` must be divisible by 4, got head_dim={head_dim}; choose dim / heads divisible by 4."
        )
    m = head_dim // 4
    w = base ** (-torch.arange(m, dtype=torch.float64) / m)  # (m,)
    r = torch.arange(rows, dtype=torch.float64).repeat_interleave(cols)  # row of each cell, row-major
    c = torch.arange(cols, dtype=torch.float64).repeat(rows)
    angles = torch.cat((r[:, None] * w, c[:, None] * w), -1)  # (S, D_h / 2)
    return angles.cos().to(dtype), angles.sin().to(dtype)


def rotate_pairs(x: Tensor, cos: Tensor, sin: Tensor) -> Tensor:
    """Turn the channel pairs ``(x_{2j}, x_{2j+1})`` of ``x`` (last axis D_h) by the angles whose ``cos``/``sin``
    broadcast against ``x[..., ::2]``: ``(a, b) -> (a cos - b sin, a sin + b cos)``. Linear in ``x``, norm-keeping."""
    a, b = x[..., 0::2], x[..., 1::2]
    return torch.stack((a * cos - b * sin, a * sin + b * cos), -1).flatten(-2)
