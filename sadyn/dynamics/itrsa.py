"""ItrSA: iterative self-attention with input injection and normalization (paper eq. (9)).

    Delta X = C + MSA(X),        X_{t+1} = Norm(X_t + eta * Delta X_t)

with Norm in {"rms", "sphere", "layer", None} (token-wise, or chunk-wise with ``group=N``). The input of the
normalization, Y = X + eta Delta X, is exposed as :meth:`ItrSA.pre_norm`, because Prop. 5.1 bounds the
Jacobian by max|gamma| / min_i ||Y_i|| * (1 + eta ||J_MSA||).
"""

from __future__ import annotations

import torch
from torch import Tensor

from .._validate import check_bool
from ..attention import MultiHeadSelfAttention
from ..norms import Normalization, NormKind
from ._base import AttentionLoop, scalar_parameter

__all__ = ["ItrSA"]


class ItrSA(AttentionLoop):
    """X <- Norm(X + eta (C + MSA(X))), eq. (9). ``norm=None`` is the unnormalized model the paper trains 1 epoch.

    Arguments:
        dim: D, token dimension.
        heads: H, attention heads (D divisible by H).

    Other arguments:
        eta: step size (> 0), a learnable scalar unless ``learn_eta=False``; the paper initializes it to 1.
        norm: "rms" (default; gamma * y/||y||), "sphere" (y/||y||), "layer" or None.
        gamma: initial RMSNorm gain (paper convention: tokens of norm gamma; sqrt(D) gives torch's RMSNorm).
        group: normalize chunks of ``group`` channels instead of whole tokens (the "oscillator-wise" variant).
        bias, beta, scale, generator, dtype, device: passed to :class:`MultiHeadSelfAttention`.

    ``energy`` is the pseudo-energy -Tr(X^T (C + MSA(X))) of Sec. 6.3: a score, not a Lyapunov function.
    """

    attention: MultiHeadSelfAttention

    def __init__(
        self,
        dim: int,
        heads: int,
        *,
        eta: float = 1.0,
        norm: NormKind | None = "rms",
        gamma: float = 1.0,
        group: int | None = None,
        learn_eta: bool = True,
        learn_gamma: bool = True,
        bias: bool = False,
        beta: float | None = None,
        scale: float = 1.0,
        generator: torch.Generator | None = None,
        dtype: torch.dtype | None = None,
        device: torch.device | str | None = None,
    ) -> None:
        super().__init__()
        learn_eta = check_bool(learn_eta, "learn_eta")
        self.attention = MultiHeadSelfAttention(
            dim, heads, bias=bias, beta=beta, scale=scale, generator=generator, dtype=dtype, device=device
        )
        self.dim, self.heads = self.attention.dim, self.attention.heads
        self.norm = Normalization(
            norm, dim, group=group, gamma=gamma, learn_gamma=learn_gamma, dtype=dtype, device=device
        )
        self.eta = scalar_parameter(eta, "eta", learn=learn_eta, dtype=dtype, device=device)

    def delta(self, X: Tensor, C: Tensor | None = None) -> Tensor:
        """Delta X = C + MSA(X) (eq. (9)); C = 0 when omitted."""
        return self.drive(X, C)

    def pre_norm(self, X: Tensor, C: Tensor | None = None) -> Tensor:
        """Y = X + eta Delta X, the input of the normalization."""
        return X + self.eta * self.delta(X, C)

    def _step(self, X: Tensor, C: Tensor | None) -> Tensor:
        return self.norm(self.pre_norm(X, C))

    def _tangent(self, X: Tensor, C: Tensor | None, V: Tensor) -> tuple[Tensor, Tensor]:
        """``(X_next, J V)`` of one step for tangents ``V`` ``(k, *X.shape)``, in closed form (no autodiff).

        ``Y = X + eta (C + MSA(X))`` gives ``dY = V + eta dMSA[V]``, and ``dX_next = dNorm(Y)[dY]``
        (:meth:`MultiHeadSelfAttention.tangent`, :meth:`Normalization.tangent`). Unchecked, like ``_step``.
        """
        out, dout = self.attention.tangent(X, V)
        Y = X + self.eta * (out if C is None else out + C)
        return self.norm.tangent(Y, V + self.eta * dout)

    def extra_repr(self) -> str:
        return f"eta={float(self.eta.detach()):.4g}"
