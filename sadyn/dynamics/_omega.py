"""The oscillatory part shared by AKOrN and the toy of Sec. 5.2: Omega, a rotation of channel pairs.

For channel pairs (x_{2p}, x_{2p+1}) of a token, Omg(x) = (omega_p x_{2p+1}, -omega_p x_{2p}), i.e.
Omg(x) = Omega x with Omega = blockdiag([[0, omega_p], [-omega_p, 0]]), which is antisymmetric
(Omega^T = -Omega), so x^T Omega x = 0 and the eigenvalues of Omega are +-i omega_p.
"""

from __future__ import annotations

import torch
from torch import Tensor

__all__ = ["omega_apply", "omega_matrix"]


def omega_apply(x: Tensor, omega: Tensor) -> Tensor:
    """Omega x on the last axis (even length D); ``omega`` is a scalar or has D/2 entries (one per pair)."""
    pairs = x.unflatten(-1, (-1, 2))
    w = omega.reshape(-1, 1) if omega.ndim else omega
    rotated = torch.stack((pairs[..., 1], -pairs[..., 0]), dim=-1)
    return (w * rotated).flatten(-2)


def omega_matrix(dim: int, omega: Tensor) -> Tensor:
    """The dense D x D antisymmetric matrix of ``omega_apply`` (for tests, plots and closed forms)."""
    eye = torch.eye(dim, dtype=omega.dtype, device=omega.device)
    return omega_apply(eye, omega).T  # column j = Omega e_j
