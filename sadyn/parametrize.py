"""Weight parametrizations of attention (``torch.nn.utils.parametrize``): constraints that hold at every step.

With per-head weights W^V_h (D x D_h), W^O_h (D_h x D) and their concatenations W^V = [W^V_1 ... W^V_H],
W^O = [W^O_1; ...; W^O_H] (D x D):

- :func:`orthogonal_values`: W^V and W^O orthogonal (W = Q of the QR factorization of a free matrix, signs fixed
  so that diag(R) > 0), the paper's E-multi setup (Sec. 6.2).
- :func:`tie_symmetric`: the hard version of eq. (4) for one head, W^K = W^V = I and W^Q = W^O = sym(M), so that
  A = W^Q W^K^T = V = W^V W^O is symmetric.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn
from torch.nn.utils import parametrize

from .attention import MultiHeadSelfAttention

__all__ = ["orthogonal_values", "tie_symmetric"]


class _OrthogonalConcat(nn.Module):
    """Maps a free tensor shaped like ``wv`` (H, D, Dh) or ``wo`` (H, Dh, D) to one whose D x D concatenation is
    orthogonal: Q of QR(M) with the signs fixed so that diag(R) > 0 (then an orthogonal M maps to itself)."""

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind

    def _to_matrix(self, w: Tensor) -> Tensor:
        H, a, b = w.shape
        return w.permute(1, 0, 2).reshape(a, H * b) if self.kind == "wv" else w.reshape(H * a, b)

    def _from_matrix(self, M: Tensor, shape: torch.Size) -> Tensor:
        H, a, b = shape
        return M.reshape(a, H, b).permute(1, 0, 2) if self.kind == "wv" else M.reshape(H, a, b)

    def forward(self, w: Tensor) -> Tensor:
        Q, R = torch.linalg.qr(self._to_matrix(w))
        sign = torch.sign(torch.diagonal(R))
        sign = torch.where(sign == 0, torch.ones_like(sign), sign)
        return self._from_matrix(Q * sign, w.shape)

    def right_inverse(self, w: Tensor) -> Tensor:
        return w


def orthogonal_values(attention: MultiHeadSelfAttention) -> MultiHeadSelfAttention:
    """Parametrize W^V and W^O (concatenated, D x D) as orthogonal matrices, in place (the paper's E-multi setup).

    The current weights are orthogonalized (QR). Read ``attention.wv`` / ``attention.wo`` as usual; the free
    tensors live in ``attention.parametrizations``. Returns ``attention``.
    """
    if not isinstance(attention, MultiHeadSelfAttention):
        raise TypeError(f"`attention` must be a MultiHeadSelfAttention, got {type(attention).__name__}.")
    for name in ("wv", "wo"):
        if not parametrize.is_parametrized(attention, name):
            parametrize.register_parametrization(attention, name, _OrthogonalConcat(name))
    return attention


class _Symmetric(nn.Module):
    def forward(self, w: Tensor) -> Tensor:
        return 0.5 * (w + w.transpose(-1, -2))

    def right_inverse(self, w: Tensor) -> Tensor:
        return w


def tie_symmetric(attention: MultiHeadSelfAttention) -> MultiHeadSelfAttention:
    """Hard eq. (4) for one head: W^K = W^V = I (frozen) and W^Q = W^O = sym(M), one shared free matrix M.

    Then A = W^Q W^K^T = sym(M) = W^V W^O = V, symmetric at every training step. Returns ``attention``.
    """
    if not isinstance(attention, MultiHeadSelfAttention) or attention.heads != 1:
        raise ValueError("`attention` must be a single-head MultiHeadSelfAttention for tie_symmetric (eq. (4)).")
    with torch.no_grad():
        eye = torch.eye(attention.dim, dtype=attention.wq.dtype, device=attention.wq.device)[None]
        attention.wk.copy_(eye)
        attention.wv.copy_(eye)
        attention.wo.copy_(attention.wq)
    attention.wk.requires_grad_(False)
    attention.wv.requires_grad_(False)
    parametrize.register_parametrization(attention, "wq", _Symmetric())
    parametrize.register_parametrization(attention, "wo", _Symmetric())
    tied: Any = attention.parametrizations
    tied.wo.original = tied.wq.original  # one shared M
    return attention
