"""AKOrN: artificial Kuramoto oscillator neurons with self-attention connectivity (paper eqs. (7)-(8)).

Each token of dimension D is split into D/N oscillators of dimension N (N even). One step is

    Delta X   = Omg(X) + Proj^{osc}_X(C + MSA(X))                (7)
    X_{t+1}   = Pi^{osc}(X + eta Delta X)                        (8)

with Omg the rotation of channel pairs (``sadyn.dynamics._omega``), Proj^{osc}_X the projection of every
oscillator onto the tangent space of its sphere at X, and Pi^{osc} the projection back to the unit sphere.
``norm="rms"`` replaces Pi^{osc} by an oscillator-wise RMSNorm with a learned gain (the paper's
"AKOrN + RMSNorm"; we keep the tangent projection, which the paper does not specify); ``norm=None`` removes it
(X_{t+1} = X + eta Delta X, Sec. 5's "without normalization").

Unlike the reference code, ``omega=0`` is a real zero rotation: the step stays X + eta Proj(...), it is not
silently rescaled to eta / (1 + eta).
"""

from __future__ import annotations

import math
from typing import Literal

import torch
from torch import Tensor, nn

from .._validate import check_bool, check_dtype, check_in, check_int, check_number
from ..attention import MultiHeadSelfAttention
from ..norms import Normalization, tangent_project
from ._base import AttentionLoop, scalar_parameter
from ._omega import omega_apply, omega_matrix

__all__ = ["AKOrN"]


class AKOrN(AttentionLoop):
    """Kuramoto-oscillator update with attention coupling, eqs. (7)-(8).

    Arguments:
        dim: D, token dimension.
        heads: H, attention heads.

    Other arguments:
        oscillator_dim: N, channels per oscillator (even, divides D). Default 4, as in AKOrN's Sudoku model.
        eta: step size (> 0), learnable scalar (AKOrN's ``gamma``, initialized to 1).
        omega: natural frequency; with ``omega_mode="global"`` one scalar for every pair, with
            ``"pair"`` one learnable frequency per channel pair (D/2 of them), all initialized to ``omega``.
        norm: "sphere" (Pi^{osc}, default), "rms" (oscillator-wise RMSNorm with gain ``gamma``) or None (no
            normalization: the unstable variant the paper trains for one epoch).
        project: apply the tangent projection to C + MSA(X) (default True, as in AKOrN).
        bias, beta, scale, generator, dtype, device: passed to :class:`MultiHeadSelfAttention`.

    States should start on the model's manifold: use :meth:`normalize` on an initial guess.
    """

    def __init__(
        self,
        dim: int,
        heads: int,
        *,
        oscillator_dim: int = 4,
        eta: float = 1.0,
        omega: float = 0.5,
        omega_mode: Literal["global", "pair"] = "global",
        learn_eta: bool = True,
        learn_omega: bool = True,
        norm: Literal["sphere", "rms"] | None = "sphere",
        gamma: float = 1.0,
        learn_gamma: bool = True,
        project: bool = True,
        bias: bool = False,
        beta: float | None = None,
        scale: float = 1.0,
        generator: torch.Generator | None = None,
        dtype: torch.dtype | None = None,
        device: torch.device | str | None = None,
    ) -> None:
        super().__init__()
        N = check_int(oscillator_dim, "oscillator_dim")
        dim = check_int(dim, "dim", minimum=1)
        dtype = check_dtype(dtype)
        if N < 2 or N % 2:
            raise ValueError(
                f"`oscillator_dim` must be an even integer >= 2 (Omega rotates channel pairs), got {oscillator_dim}."
            )
        if dim % N:
            raise ValueError(
                f"`dim` must be divisible by `oscillator_dim`, got dim={dim}, oscillator_dim={N}; "
                f"choose N among the even divisors of dim."
            )
        check_in(omega_mode, "omega_mode", ("global", "pair"))
        check_in(norm, "norm", ("sphere", "rms", None))
        if not math.isfinite(check_number(omega, "omega")):
            raise ValueError(f"`omega` must be a finite number, got omega={omega!r}.")
        self.attention = MultiHeadSelfAttention(
            dim, heads, bias=bias, beta=beta, scale=scale, generator=generator, dtype=dtype, device=device
        )
        self.dim, self.heads, self.oscillator_dim = self.attention.dim, self.attention.heads, N
        self.project = check_bool(project, "project")
        self.norm = Normalization(norm, dim, group=N, gamma=gamma, learn_gamma=learn_gamma, dtype=dtype, device=device)
        self.eta = scalar_parameter(eta, "eta", learn=learn_eta, dtype=dtype, device=device)
        init = scalar_parameter(omega, "omega", learn=learn_omega, dtype=dtype, device=device, positive=False)
        if omega_mode == "pair":
            init = nn.Parameter(init.detach().repeat(dim // 2), requires_grad=learn_omega)
        self.omega = init
        self.omega_mode = omega_mode

    def normalize(self, X: Tensor) -> Tensor:
        """Put a state on the model's manifold (every oscillator on its sphere, times gamma for "rms")."""
        X, _ = self._check(X)
        return self.norm(X)

    def omega_matrix(self) -> Tensor:
        """The D x D antisymmetric matrix Omega of Omg(X) = X Omega^T (token-wise)."""
        return omega_matrix(self.dim, self.omega.detach())

    def delta(self, X: Tensor, C: Tensor | None = None) -> Tensor:
        """Delta X = Omg(X) + Proj^{osc}_X(C + MSA(X)), eq. (7)."""
        y = self.drive(X, C)
        if self.project:
            y = tangent_project(X, y, self.oscillator_dim)
        return omega_apply(X, self.omega) + y

    def pre_norm(self, X: Tensor, C: Tensor | None = None) -> Tensor:
        """Y = X + eta Delta X, the input of Pi^{osc} (or the oscillator-wise RMSNorm)."""
        return X + self.eta * self.delta(X, C)

    def _step(self, X: Tensor, C: Tensor | None) -> Tensor:
        return self.norm(self.pre_norm(X, C))

    def extra_repr(self) -> str:
        w = float(self.omega.detach()) if self.omega.ndim == 0 else "per pair"
        return f"oscillator_dim={self.oscillator_dim}, eta={float(self.eta.detach()):.4g}, omega={w}, project={self.project}"
