"""Regularizers of the paper's Sec. 6.2 (loss = CE + lambda R) and the weight parametrizations they go with.

With per-head weights W^Q_h, W^K_h, W^V_h (D x D_h), W^O_h (D_h x D), A_h = W^Q_h W^K_h^T, V_h = W^V_h W^O_h and the
concatenations W^Q = [W^Q_1 ... W^Q_H] (D x D), likewise W^K, W^V, and W^O = [W^O_1; ...; W^O_H] (D x D):

    R_Spec     = sum_{W in {W^Q, W^K, W^V, W^O}} (sigma_max(W)^2 - 1)^2 + sum_b ||b||^4     (Lewandowski et al. 2025)
    R_E-single = || V_1 - (A_1 + A_1^T) / 2 ||_F^2                  (H = 1; zero <=> Prop. 4.1's condition)
    R_E-multi  = sum_h || V_h - V_h^T ||_F^2                         (zero <=> every V_h symmetric, Prop. 4.2)

For E-multi the paper implements W^V and W^O as orthogonal matrices: :func:`orthogonal_values` registers that
parametrization (W = Q of the QR factorization of a free matrix, signs fixed so that diag(R) > 0).
:func:`tie_symmetric` builds the hard version of eq. (4) for one head: W^K = W^V = I and W^Q = W^O = sym(M).

Every regularizer takes a module and sums over all its :class:`~sadyn.attention.MultiHeadSelfAttention`
submodules (a model, a dynamics block or one attention layer), so ``R(model)`` works on a SudokuSolver.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn.utils import parametrize

from .attention import MultiHeadSelfAttention

__all__ = [
    "spectral_regularizer",
    "energy_single_regularizer",
    "energy_multi_regularizer",
    "orthogonal_values",
    "tie_symmetric",
    "concatenated_weights",
    "REGULARIZERS",
]


def _attentions(module: nn.Module) -> list[MultiHeadSelfAttention]:
    if not isinstance(module, nn.Module):
        raise TypeError(
            f"`module` must be a torch.nn.Module (a model or a MultiHeadSelfAttention), got {type(module).__name__}."
        )
    found = [m for m in module.modules() if isinstance(m, MultiHeadSelfAttention)]
    if not found:
        raise ValueError(
            f"`module` ({type(module).__name__}) contains no MultiHeadSelfAttention: nothing to regularize."
        )
    return found


def concatenated_weights(attention: MultiHeadSelfAttention) -> dict[str, Tensor]:
    """The paper's D x D matrices W^Q, W^K, W^V (heads side by side as columns) and W^O (heads stacked as rows)."""
    H, D, Dh = attention.wq.shape
    cols = lambda w: w.permute(1, 0, 2).reshape(D, H * Dh)  # noqa: E731
    return {
        "wq": cols(attention.wq),
        "wk": cols(attention.wk),
        "wv": cols(attention.wv),
        "wo": attention.wo.reshape(H * Dh, D),
    }


def spectral_regularizer(module: nn.Module) -> Tensor:
    """R_Spec = sum_W (sigma_max(W)^2 - 1)^2 + sum_b ||b||_2^4 over the SA weights and biases of ``module``.

    Zero exactly when every concatenated weight matrix has largest singular value 1 and every bias is zero.
    sigma_max is computed exactly (``torch.linalg.matrix_norm(W, 2)``), differentiable.
    """
    total = None
    for att in _attentions(module):
        for W in concatenated_weights(att).values():
            s = torch.linalg.matrix_norm(W, 2)
            term = (s**2 - 1) ** 2
            total = term if total is None else total + term
        for name in ("bq", "bk", "bv", "bo"):
            b = getattr(att, name)
            if b is not None:
                total = total + b.pow(2).sum().pow(2)
    return total


def energy_single_regularizer(module: nn.Module) -> Tensor:
    """R_E-single = ||V - (A + A^T)/2||_F^2 for single-head attention (zero <=> the condition of Prop. 4.1)."""
    total = None
    for att in _attentions(module):
        if att.heads != 1:
            raise ValueError(
                f"energy_single_regularizer is defined for single-head attention (Prop. 4.1), got heads={att.heads}; "
                f"use energy_multi_regularizer for several heads."
            )
        A, V = att.qk_matrices()[0], att.value_matrices()[0]
        term = (V - 0.5 * (A + A.T)).pow(2).sum()
        total = term if total is None else total + term
    return total


def energy_multi_regularizer(module: nn.Module) -> Tensor:
    """R_E-multi = sum_h ||V_h - V_h^T||_F^2 (zero <=> every head's value map W^V_h W^O_h is symmetric).

    The paper pairs it with orthogonal W^V and W^O (:func:`orthogonal_values`); the penalty itself does not need it.
    """
    total = None
    for att in _attentions(module):
        V = att.value_matrices()
        term = (V - V.transpose(-1, -2)).pow(2).sum()
        total = term if total is None else total + term
    return total


REGULARIZERS = {
    "spectral": spectral_regularizer,
    "e_single": energy_single_regularizer,
    "e_multi": energy_multi_regularizer,
}


# ------------------------------------------------------------------------------------------ parametrizations
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
    attention.parametrizations.wo.original = attention.parametrizations.wq.original  # one shared M
    return attention
