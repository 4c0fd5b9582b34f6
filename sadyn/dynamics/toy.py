"""The oscillator toy of Sec. 5.2, eqs. (17)-(20): a pure rotation, discretized, with and without normalization.

    (18)  x_{t+1} = (I + eta Omega) x_t                       eigenvalues 1 +- i eta omega_p, |.| > 1
    (19)  x_{t+1} = y / ||y||,   y = (I + eta Omega) x_t
    (20)  J(x)    = (1/||y||) (I - y y^T / ||y||^2) (I + eta Omega)

Since x^T Omega x = 0, ||y||^2 = ||x||^2 + eta^2 ||Omega x||^2; with one frequency omega and ||x|| = 1 this is
1 + eta^2 omega^2, so ||J||_2 <= 1: normalization pulls the eigenvalues back into the unit disc. Each token
(row of the state) is one independent oscillator vector.
"""

from __future__ import annotations

import torch
from torch import Tensor

from .._validate import check_bool, check_device, check_dtype, check_int
from ..norms import sphere_project
from ._base import LoopedModel, scalar_parameter
from ._omega import omega_apply, omega_matrix

__all__ = ["OscillatorToy"]


class OscillatorToy(LoopedModel):
    """x <- Pi((I + eta Omega) x) (``normalize=True``, eq. (19)) or x <- (I + eta Omega) x (eq. (18)).

    Arguments:
        dim: D (even); Omega rotates the D/2 channel pairs.

    Other arguments:
        eta: step size (> 0).
        omega: a frequency for every pair, or a sequence of D/2 frequencies.
        normalize: project back to the unit sphere after each step.
    """

    omega: Tensor  # a buffer (register_buffer), so that .to() moves it with the model

    def __init__(
        self,
        dim: int,
        *,
        eta: float = 0.1,
        omega: float | Tensor | list = 1.0,
        normalize: bool = True,
        dtype: torch.dtype | None = None,
        device: torch.device | str | None = None,
    ) -> None:
        super().__init__()
        dim = check_int(dim, "dim")
        if dim < 2 or dim % 2:
            raise ValueError(f"`dim` must be an even integer >= 2 (Omega rotates channel pairs), got dim={dim}.")
        self.dim = dim
        self.normalize = check_bool(normalize, "normalize")
        dtype, device = check_dtype(dtype), check_device(device)
        self.eta = scalar_parameter(eta, "eta", learn=False, dtype=dtype, device=device)
        if isinstance(omega, (bool, str)):
            raise TypeError(f"`omega` must be a number or a tensor of dim/2 numbers, got omega={omega!r}.")
        w = torch.as_tensor(omega, dtype=dtype or torch.get_default_dtype(), device=device)
        if w.ndim > 1 or (w.ndim == 1 and w.numel() != self.dim // 2):
            raise ValueError(
                f"`omega` must be a number or have dim/2={self.dim // 2} entries, got shape {tuple(w.shape)}."
            )
        if not bool(torch.isfinite(w).all()):
            raise ValueError("`omega` must be finite.")
        self.register_buffer("omega", w)

    def linear_part(self) -> Tensor:
        """I + eta Omega, the Jacobian of eq. (18)."""
        eye = torch.eye(self.dim, dtype=self.eta.dtype, device=self.eta.device)
        return eye + self.eta.detach() * omega_matrix(self.dim, self.omega)

    def _step(self, X: Tensor, C: Tensor | None) -> Tensor:
        y = X + self.eta * omega_apply(X, self.omega)
        if C is not None:
            y = y + self.eta * C
        return sphere_project(y) if self.normalize else y

    def normalization(self) -> tuple[str | None, int]:
        return ("sphere" if self.normalize else None), self.dim

    def _normalized_input(self, X: Tensor, C: Tensor | None) -> tuple[Tensor, str, int] | None:
        return (X, "sphere", self.dim) if self.normalize else None

    def jacobian_closed_form(self, x: Tensor) -> Tensor:
        """Eq. (20) for one token x of shape (D,): (1/||y||)(I - y y^T/||y||^2)(I + eta Omega) (eq. (18) if not normalized)."""
        L = self.linear_part().to(x.dtype)
        if not self.normalize:
            return L
        y = L @ x
        n = torch.linalg.vector_norm(y)
        P = torch.eye(self.dim, dtype=x.dtype, device=x.device) - torch.outer(y, y) / n**2
        return P @ L / n
