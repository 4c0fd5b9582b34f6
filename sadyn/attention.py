"""Multi-head self-attention and the structured weights the paper studies (eqs. (1)-(2), Props. 4.1-4.2).

    SA_h(X) = softmax_row(beta X W^Q_h (W^K_h)^T X^T) X W^V_h          (S x D_h)
    MSA(X)  = sum_h SA_h(X) W^O_h,          beta = 1 / sqrt(D_h),  D_h = D / H

Weights are stored per head: ``wq, wk, wv`` of shape ``(H, D, D_h)`` and ``wo`` of shape ``(H, D_h, D)``
(``wo[h]`` is the h-th row block of W^O). The two products the theory talks about are
``qk_matrices()`` (A_h = W^Q_h W^K_h^T) and ``value_matrices()`` (V_h = W^V_h W^O_h, the "effective value"
of the paper's propositions). The softmax is written out explicitly: ``F.scaled_dot_product_attention`` on CPU
fails under forward-mode AD and makes ``jacrev`` about 250x slower, and every analysis differentiates
through this module with ``torch.func``. ``set_rotary`` turns queries and keys by per-token rotations
(:mod:`sadyn.rotary`), so that positions enter inside the attention; ``qk_matrices`` are then the products
before the turn.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from ._validate import check_bool, check_device, check_dtype, check_int, check_positive, check_state
from .rotary import rotate_pairs

__all__ = ["MultiHeadSelfAttention"]


def _randn(shape: tuple[int, ...], generator, dtype, device) -> Tensor:
    return torch.randn(shape, generator=generator, dtype=dtype or torch.get_default_dtype()).to(device)


class MultiHeadSelfAttention(nn.Module):
    """MSA(X) = sum_h softmax(beta X A_h X^T) X V_h with per-head weights (paper eq. (2)).

    Arguments:
        dim: D, the token dimension.
        heads: H; D must be divisible by H.

    Other arguments:
        bias: add biases to queries, keys, values and output (AKOrN's convolutions have them).
        beta: inverse temperature; default 1 / sqrt(D / H).
        scale: weight scale; entries are N(0, scale^2 / D), so every weight matrix has singular values O(scale).
        generator: a ``torch.Generator`` for reproducible weights.

    Works on states of shape ``(..., S, D)`` with any leading batch dims, in float32 or float64, under
    ``torch.func`` transforms (jvp, vjp, jacfwd, jacrev, vmap).
    """

    def __init__(
        self,
        dim: int,
        heads: int,
        *,
        bias: bool = False,
        beta: float | None = None,
        scale: float = 1.0,
        generator: torch.Generator | None = None,
        dtype: torch.dtype | None = None,
        device: torch.device | str | None = None,
    ) -> None:
        super().__init__()
        dim, heads = check_int(dim, "dim", minimum=1), check_int(heads, "heads", minimum=1)
        bias = check_bool(bias, "bias")
        dtype, device = check_dtype(dtype), check_device(device)
        if dim % heads:
            raise ValueError(
                f"`dim` must be divisible by `heads`, got dim={dim}, heads={heads}; choose heads among the divisors of dim."
            )
        check_positive(scale, "scale", allow_zero=True)
        self.dim, self.heads, self.head_dim = dim, heads, dim // heads
        self.beta = check_positive(beta, "beta") if beta is not None else 1.0 / math.sqrt(self.head_dim)
        s = scale / math.sqrt(dim)
        H, Dh = heads, self.head_dim
        self.wq = nn.Parameter(s * _randn((H, dim, Dh), generator, dtype, device))
        self.wk = nn.Parameter(s * _randn((H, dim, Dh), generator, dtype, device))
        self.wv = nn.Parameter(s * _randn((H, dim, Dh), generator, dtype, device))
        self.wo = nn.Parameter(s * _randn((H, Dh, dim), generator, dtype, device))
        if bias:
            zdtype = dtype or torch.get_default_dtype()
            self.bq = nn.Parameter(torch.zeros(H, Dh, dtype=zdtype, device=device))
            self.bk = nn.Parameter(torch.zeros(H, Dh, dtype=zdtype, device=device))
            self.bv = nn.Parameter(torch.zeros(H, Dh, dtype=zdtype, device=device))
            self.bo = nn.Parameter(torch.zeros(dim, dtype=zdtype, device=device))
        else:
            for name in ("bq", "bk", "bv", "bo"):
                self.register_parameter(name, None)
        self.rot_cos: Tensor | None
        self.rot_sin: Tensor | None
        self.register_buffer("rot_cos", None, persistent=False)  # set_rotary: positions inside the attention
        self.register_buffer("rot_sin", None, persistent=False)

    def set_rotary(self, cos: Tensor | None, sin: Tensor | None = None) -> MultiHeadSelfAttention:
        """Turn queries and keys by per-token rotations (:mod:`sadyn.rotary`; ``cos``/``sin`` of shape
        ``(S, D_h / 2)``, e.g. from :func:`sadyn.rotary.grid_rotary`), or switch that off with ``None``. States must
        then have exactly ``S`` tokens. Returns self."""
        if cos is None:
            self.rot_cos = self.rot_sin = None
            return self
        if sin is None or cos.shape != sin.shape or cos.ndim != 2 or cos.shape[1] * 2 != self.head_dim:
            raise ValueError(
                f"`cos` and `sin` must both have shape (S, head_dim / 2) = (S, {self.head_dim // 2}), got "
                f"{None if cos is None else tuple(cos.shape)} and {None if sin is None else tuple(sin.shape)}; "
                f"build them with sadyn.rotary.grid_rotary(rows, cols, head_dim={self.head_dim})."
            )
        like = self.wq
        self.rot_cos, self.rot_sin = cos.to(like), sin.to(like)
        return self

    def _check_tokens(self, X: Tensor) -> None:
        if self.rot_cos is not None and X.shape[-2] != self.rot_cos.shape[0]:
            raise ValueError(
                f"this attention turns queries and keys by a rotary encoding of {self.rot_cos.shape[0]} positions: "
                f"`X` must have {self.rot_cos.shape[0]} tokens, got shape {tuple(X.shape)}."
            )

    def _rotate(self, x: Tensor, cos_shape: tuple[int, ...]) -> Tensor:
        assert self.rot_cos is not None and self.rot_sin is not None
        return rotate_pairs(x, self.rot_cos.view(cos_shape), self.rot_sin.view(cos_shape))

    # ----------------------------------------------------------------------------------------------- maps
    def _project(self, X: Tensor, w: Tensor, b: Tensor | None) -> Tensor:
        out = torch.einsum("...sd,hde->...hse", X, w)
        return out if b is None else out + b[:, None, :]

    def attention(self, X: Tensor) -> Tensor:
        """Attention matrices P_h = softmax(beta Q_h K_h^T), shape ``(..., H, S, S)``; rows sum to 1.

        Only the shape and dtype are checked here (cheap, traceable): this is the innermost call of every
        rollout, where a state that overflows must come out as inf/NaN for the caller to report as divergence.
        Finiteness is checked at the public doors (``step``, ``rollout``, the analyses)."""
        check_state(X, "X", self.dim, finite=False)
        self._check_tokens(X)
        q, k = self._project(X, self.wq, self.bq), self._project(X, self.wk, self.bk)
        if self.rot_cos is not None:  # (..., H, S, D_h) against (S, D_h / 2)
            shape = tuple(self.rot_cos.shape)
            q, k = self._rotate(q, shape), self._rotate(k, shape)
        return torch.softmax(self.beta * q @ k.transpose(-1, -2), dim=-1)

    def forward(self, X: Tensor) -> Tensor:
        """MSA(X), same shape as X."""
        P = self.attention(X)
        v = self._project(X, self.wv, self.bv)
        # two pairwise contractions, not one three-operand einsum: that one would route through opt_einsum's path
        # search where it is installed (4x slower on small states, and another contraction order's rounding)
        out = torch.einsum("...hse,hef->...sf", torch.einsum("...hst,...hte->...hse", P, v), self.wo)
        return out if self.bo is None else out + self.bo

    def tangent(self, X: Tensor, V: Tensor) -> tuple[Tensor, Tensor]:
        r"""``(MSA(X), dMSA(X)[V])``: the output and its directional derivative along ``k`` tangents at once.

        ``V`` has shape ``(k, *X.shape)`` (the tangents on a new leading axis; ``X`` may have leading batch axes).
        Closed form per head (``q = X W^Q + b^Q`` etc.; biases do not enter the tangent, ``dq = V W^Q``)::

            L  = beta q k^T,      P = softmax_row(L),      O = P v,       MSA = sum_h O_h W^O_h + b^O
            dL = beta (dq k^T + q dk^T),   dP = P * (dL - rowsum(P * dL)),   dO = dP v + P dv

        evaluated without forming ``dP``: with ``G = P * (q dk^T)`` (one ``S x S`` matrix per tangent and head),
        ``M_s = sum_t P_st k_t v_t^T`` (shared by all tangents) and ``r = rowsum(P * dL) / beta``,

            dO_s = beta (dq_s M_s + (G v)_s - r_s O_s) + (P dv)_s,    r_s = dq_s . (P k)_s + rowsum(G)_s

        Exact (no approximation): it agrees with ``torch.func.jvp`` of :meth:`forward` to rounding, at a fraction of
        its cost (forward-mode AD routes ops that mix a tangent with a constant through slow generic paths).
        """
        if V.ndim != X.ndim + 1 or tuple(V.shape[1:]) != tuple(X.shape):
            raise ValueError(
                f"`V` must hold k tangents of the state's shape, (k, *X.shape) = (k, {', '.join(map(str, X.shape))}), "
                f"got {tuple(V.shape)}; stack the tangents on a new leading axis."
            )
        check_state(X, "X", self.dim, finite=False)
        self._check_tokens(X)
        S, D, k, H, Dh = X.shape[-2], X.shape[-1], V.shape[0], self.heads, self.head_dim
        X3 = X.reshape(-1, S, D)
        B, BH = X3.shape[0], X3.shape[0] * H
        W = torch.stack((self.wq, self.wk, self.wv)).permute(2, 0, 1, 3).reshape(D, 3 * H * Dh)  # [q | k | v] per head
        p0 = (X3 @ W).view(B, S, 3, H, Dh)
        if self.bq is not None:
            p0 = p0 + torch.stack((self.bq, self.bk, self.bv))
        pt = (V.reshape(k * B * S, D) @ W).view(k, B, S, 3, H, Dh)
        if self.rot_cos is not None:  # turn queries and keys (primal and tangent alike: the turn is linear)
            p0, pt = self._rotate_qk(p0), self._rotate_qk(pt)
        p0 = p0.permute(2, 0, 3, 1, 4).reshape(3, BH, S, Dh)
        q, kk, v = p0[0], p0[1], p0[2]  # primal queries, keys, values (BH, S, Dh)
        dq = pt[:, :, :, 0].permute(1, 3, 2, 0, 4).reshape(BH * S, k, Dh)  # (b h s, tangent, e)
        dkT = pt[:, :, :, 1].permute(1, 3, 4, 0, 2).reshape(BH, Dh, k * S)  # (b h, e, tangent t)
        dv = pt[:, :, :, 2].permute(1, 3, 2, 0, 4).reshape(BH, S, k * Dh)  # (b h, t, tangent e)
        P = torch.softmax(self.beta * q @ kk.transpose(-1, -2), dim=-1)  # (BH, S, S)
        Oh = P @ v  # per-head outputs
        M = (P @ (kk[..., :, None] * v[..., None, :]).reshape(BH, S, Dh * Dh)).view(BH * S, Dh, Dh)
        G = (q @ dkT).view(BH, S, k, S).mul_(P[:, :, None, :])  # P * (q dk^T), rows (s, tangent)
        r = G.sum(-1).add_((dq.view(BH, S, k, Dh) * (P @ kk)[:, :, None, :]).sum(-1))  # (BH, S, k)
        # (dq M + G v) computed transposed, (Dh x S) @ (S x S k): BLAS is ~2x faster with the long axis last
        inner = torch.baddbmm(
            torch.bmm(dq, M).view(BH, S * k, Dh).transpose(1, 2),
            v.transpose(1, 2),
            G.view(BH, S * k, S).transpose(1, 2),
        )
        inner = inner.transpose(1, 2).view(BH, S, k, Dh)
        inner = inner.sub_(r[..., None] * Oh[:, :, None, :])
        dO = torch.bmm(P, dv).view(BH, S, k, Dh).add_(inner, alpha=self.beta)
        wo = self.wo.reshape(H * Dh, D)
        out = Oh.view(B, H, S, Dh).transpose(1, 2).reshape(B * S, H * Dh) @ wo
        if self.bo is not None:
            out = out + self.bo
        dout = dO.view(B, H, S, k, Dh).permute(3, 0, 2, 1, 4).reshape(k * B * S, H * Dh) @ wo
        return out.reshape(X.shape), dout.reshape(V.shape)

    def _rotate_qk(self, p: Tensor) -> Tensor:
        """Rotate the query and key slots of ``p`` (last axes ``(S, 3, H, D_h)``: [q | k | v]); values stay."""
        S, half = self.rot_cos.shape if self.rot_cos is not None else (0, 0)
        qk = self._rotate(p[..., :2, :, :], (S, 1, 1, half))
        return torch.cat((qk, p[..., 2:, :, :]), -3)

    # ------------------------------------------------------------------------------------- the theory's view
    def qk_matrices(self) -> Tensor:
        """A_h = W^Q_h W^K_h^T, shape (H, D, D)."""
        return self.wq @ self.wk.transpose(-1, -2)

    def value_matrices(self) -> Tensor:
        """V_h = W^V_h W^O_h, shape (H, D, D): the value map each proposition constrains."""
        return self.wv @ self.wo

    def set_head_weights(self, wq: Tensor, wk: Tensor, wv: Tensor, wo: Tensor) -> MultiHeadSelfAttention:
        """Overwrite the weights (shapes (H, D, D_h) x3 and (H, D_h, D)); returns self."""
        for name, w in zip(("wq", "wk", "wv", "wo"), (wq, wk, wv, wo), strict=True):
            p = getattr(self, name)
            if w.shape != p.shape:
                raise ValueError(f"`{name}` must have shape {tuple(p.shape)}, got {tuple(w.shape)}.")
            with torch.no_grad():
                p.copy_(w)
        return self

    # ------------------------------------------------------------------------------ structured constructors
    @classmethod
    def symmetric(
        cls,
        dim: int,
        *,
        matrix: Tensor | None = None,
        beta: float | None = None,
        scale: float = 1.0,
        generator: torch.Generator | None = None,
        dtype: torch.dtype | None = None,
    ) -> MultiHeadSelfAttention:
        """Single head with W^Q W^K^T = W^V W^O = A, A symmetric (the energy-based SA of eq. (4)).

        ``matrix`` fixes A (e.g. the identity gives the token-clustering model of Geshkovski et al.);
        by default A = scale * (G + G^T) / sqrt(2 D) with G Gaussian.
        """
        A = _symmetric_or_given(dim, matrix, scale, generator, dtype)
        if not torch.allclose(A, A.T, atol=1e-12 * (1 + A.abs().max().item())):
            raise ValueError(
                "`matrix` must be symmetric for MultiHeadSelfAttention.symmetric; use generalized_symmetric for an asymmetric A."
            )
        return cls._from_products(dim, A[None], A[None], beta, dtype)

    @classmethod
    def generalized_symmetric(
        cls,
        dim: int,
        *,
        matrix: Tensor | None = None,
        beta: float | None = None,
        scale: float = 1.0,
        generator: torch.Generator | None = None,
        dtype: torch.dtype | None = None,
    ) -> MultiHeadSelfAttention:
        """Single head with asymmetric A = W^Q W^K^T and W^V W^O = (A + A^T)/2: the condition of Prop. 4.1.

        Caution (verified numerically in tests/test_energy.py): for asymmetric A the reconstructed energy
        E = -(1/2 beta) sum_ij exp(beta x_i^T A x_j) does *not* decrease at every state under this condition;
        the gradient has a term sum_j e_ji A^T x_j that the value map cannot match unless A = A^T.
        """
        if matrix is None:
            A = scale * _randn((dim, dim), generator, dtype, None) / math.sqrt(dim)
        else:
            A = matrix.to(dtype or matrix.dtype)
        return cls._from_products(dim, A[None], (0.5 * (A + A.T))[None], beta, dtype)

    @classmethod
    def orthogonal_heads(
        cls,
        dim: int,
        heads: int,
        *,
        asymmetric: bool = False,
        beta: float | None = None,
        scale: float = 1.0,
        generator: torch.Generator | None = None,
        dtype: torch.dtype | None = None,
    ) -> MultiHeadSelfAttention:
        """H heads acting on mutually orthogonal subspaces (the low-rank structure of Prop. 4.2).

        An orthogonal basis of R^D is split into H blocks U_h (D x D_h). With ``asymmetric=False`` (default)
        A_h = V_h = U_h S_h U_h^T with S_h symmetric, so A_h A_h' = 0 for h != h': the setting in which we
        prove and test that E_multi decreases along the flow without projection. With ``asymmetric=True`` the
        paper's form A_h = U_{1,h} M_h U_{2,h}^T (U_1, U_2 of width D/(2H)) and V_h = sym(A_h) is built instead;
        see the caution in ``generalized_symmetric``.
        """
        dim, heads = int(dim), int(heads)
        if dim % heads or (asymmetric and dim % (2 * heads)):
            need = 2 * heads if asymmetric else heads
            raise ValueError(f"`dim` must be divisible by {need} for orthogonal_heads, got dim={dim}, heads={heads}.")
        Dh = dim // heads
        U = torch.linalg.qr(_randn((dim, dim), generator, torch.float64, None))[0]
        Us = U.unflatten(1, (heads, Dh)).permute(1, 0, 2)  # (H, D, Dh)
        M = scale * _randn((heads, Dh, Dh), generator, torch.float64, None) / math.sqrt(Dh)
        if asymmetric:
            r = Dh // 2
            U1, U2 = Us[..., :r], Us[..., r:]
            A = U1 @ M[:, :r, :r] @ U2.transpose(1, 2)
        else:
            A = Us @ (0.5 * (M + M.transpose(1, 2))) @ Us.transpose(1, 2)
        V = 0.5 * (A + A.transpose(1, 2))
        dt = dtype or torch.get_default_dtype()
        return cls._from_products(dim, A.to(dt), V.to(dt), beta, dt, heads=heads, basis=Us.to(dt))

    @classmethod
    def _from_products(cls, dim, A, V, beta, dtype, heads=1, basis=None) -> MultiHeadSelfAttention:
        """Factor given products A_h (QK) and V_h (value) into per-head weights of width D_h = D/H.

        For H = 1: W^Q = A, W^K = I, W^V = V, W^O = I. For H > 1 the products live on the column space of
        ``basis[h]`` (D x D_h, orthonormal): W^Q_h = A_h U_h, W^K_h = U_h, W^V_h = U_h, W^O_h = U_h^T V_h.
        """
        dt = dtype or A.dtype
        m = cls(dim, heads, beta=beta, dtype=dt)
        if heads == 1:
            eye = torch.eye(dim, dtype=dt)[None]
            return m.set_head_weights(A, eye, eye, V)
        U = basis
        return m.set_head_weights(A @ U, U, U, U.transpose(1, 2) @ V)

    def extra_repr(self) -> str:
        bias = self.bo is not None
        return f"dim={self.dim}, heads={self.heads}, beta={self.beta:.4g}, bias={bias}"


def _symmetric_or_given(dim, matrix, scale, generator, dtype) -> Tensor:
    if matrix is not None:
        if matrix.shape != (dim, dim):
            raise ValueError(f"`matrix` must have shape ({dim}, {dim}), got {tuple(matrix.shape)}.")
        return matrix.to(dtype or matrix.dtype)
    G = _randn((dim, dim), generator, dtype, None)
    return scale * (G + G.T) / math.sqrt(2 * dim)
