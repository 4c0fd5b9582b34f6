"""Regularizers of the paper's Sec. 6.2 (loss = CE + lambda R) and the weight parametrizations they go with.

With per-head weights W^Q_h, W^K_h, W^V_h (D x D_h), W^O_h (D_h x D), A_h = W^Q_h W^K_h^T, V_h = W^V_h W^O_h and the
concatenations W^Q = [W^Q_1 ... W^Q_H] (D x D), likewise W^K, W^V, and W^O = [W^O_1; ...; W^O_H] (D x D):

    R_Spec     = sum_{W in {W^Q, W^K, W^V, W^O}} (sigma_max(W)^2 - 1)^2 + sum_b ||b||^4     (Lewandowski et al. 2025)
    R_E-single = || V_1 - (A_1 + A_1^T) / 2 ||_F^2                  (H = 1; zero <=> Prop. 4.1's condition)
    R_E-multi  = sum_h || V_h - V_h^T ||_F^2                         (zero <=> every V_h symmetric, Prop. 4.2)

For E-multi the paper implements W^V and W^O as orthogonal matrices: that constraint, and the hard version of
eq. (4), are weight parametrizations in :mod:`sadyn.parametrize` (``orthogonal_values``, ``tie_symmetric``).

Every regularizer takes a module and sums over all its :class:`~sadyn.attention.MultiHeadSelfAttention`
submodules (a model, a dynamics block or one attention layer), so ``R(model)`` works on a SudokuSolver.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, cast

import torch
from torch import Tensor, nn

from ..attention import MultiHeadSelfAttention

__all__ = [
    "spectral_regularizer",
    "energy_single_regularizer",
    "energy_multi_regularizer",
    "concatenated_weights",
    "Regularizer",
    "RegularizerName",
    "REGULARIZERS",
    "register_regularizer",
    "regularizer_names",
]

RegularizerName = Literal["spectral", "e_single", "e_multi"]


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
    return cast(Tensor, total)  # _attentions found at least one attention


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
    return cast(Tensor, total)


def energy_multi_regularizer(module: nn.Module) -> Tensor:
    """R_E-multi = sum_h ||V_h - V_h^T||_F^2 (zero <=> every head's value map W^V_h W^O_h is symmetric).

    The paper pairs it with orthogonal W^V and W^O (:func:`orthogonal_values`); the penalty itself does not need it.
    """
    total = None
    for att in _attentions(module):
        V = att.value_matrices()
        term = (V - V.transpose(-1, -2)).pow(2).sum()
        total = term if total is None else total + term
    return cast(Tensor, total)


@dataclass(frozen=True)
class Regularizer:
    """One entry of :data:`REGULARIZERS`: the penalty ``R(module) -> scalar``, a help line, and the number of heads
    it needs (``None`` = any), which :class:`~sadyn.solver.config.TrainConfig` checks before training."""

    penalty: Callable[[nn.Module], Tensor]
    help: str
    heads: int | None = None

    def __call__(self, module: nn.Module) -> Tensor:
        return self.penalty(module)


# The one list of regularizers: TrainConfig's validation, the `sadyn train --regularizer` choices and the
# training loop all read it. Add a regularizer by writing its penalty above and one entry here.
REGULARIZERS: dict[str, Regularizer] = {
    "spectral": Regularizer(spectral_regularizer, "R_Spec: spectral norms of W^Q, W^K, W^V, W^O near 1"),
    "e_single": Regularizer(energy_single_regularizer, "R_E-single: V close to sym(A), Prop. 4.1", heads=1),
    "e_multi": Regularizer(energy_multi_regularizer, "R_E-multi: every V_h symmetric, Prop. 4.2"),
}


def regularizer_names() -> tuple[str, ...]:
    """The registered regularizer names, in registry order."""
    return tuple(REGULARIZERS)


def register_regularizer(name: str, regularizer: Regularizer) -> None:
    """Add ``regularizer`` under ``name`` (refuses to replace an existing entry)."""
    if not isinstance(regularizer, Regularizer):
        raise TypeError(f"`regularizer` must be a Regularizer, got {type(regularizer).__name__}.")
    if name in REGULARIZERS:
        raise ValueError(f"a regularizer named {name!r} is registered already; pick another name.")
    REGULARIZERS[name] = regularizer
