"""Spectra of the one-step Jacobian: its spectral norm (largest singular value) and its complex eigenvalues.

    spectral_norm:  ||J(x)||_2 = sigma_max(J) = sqrt(lambda_max(J^T J))
    eigenvalues:    the roots of det(J(x) - lambda I), complex, sorted by descending modulus

``||J||_2`` bounds how much one step can stretch a perturbation (Prop. 5.1 bounds it for ItrSA); the
eigenvalues show the oscillatory modes the paper discusses in Sec. 5.2 (a pair 1 +- i eta omega outside the
unit circle without normalization, pulled back inside it with normalization). Power iteration on J itself
would be unreliable here because the dominant eigenvalues of attention maps are often complex pairs; the
singular value is found by Lanczos on the symmetric J^T J and the top eigenvalues by Arnoldi (ARPACK).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable

import numpy as np
import torch
from torch import Tensor

from .._validate import check_bool, check_count, check_k, check_positive, check_seed, check_tol
from ..threads import threads
from ._maps import FlatMap, Linearization, dense_jacobians, flat_map, verified_tangent

__all__ = ["spectral_norm", "eigenvalues", "jacobian_spectrum", "lanczos_top"]


def lanczos_top(
    matvec: Callable[[Tensor], Tensor],
    n: int,
    *,
    dtype: torch.dtype,
    device: torch.device | str = "cpu",
    iters: int = 100,
    tol: float = 1e-8,
    seed: int = 0,
) -> tuple[float, bool, float]:
    """Largest eigenvalue of a symmetric positive semi-definite operator by Lanczos with full reorthogonalization.

    ``matvec`` maps a block ``(1, n)`` to ``(1, n)``. Stops when the residual bound ``beta_j |s_j|`` of the top Ritz
    pair falls below ``tol * theta`` (then ``|theta - lambda_max| <= tol * theta``). Returns
    ``(theta, converged, relative_residual)``.
    """
    gen = torch.Generator().manual_seed(seed)
    m = min(iters, n)
    Q = torch.zeros(m + 1, n, dtype=dtype, device=device)
    q = torch.randn(n, generator=gen, dtype=dtype).to(device)
    Q[0] = q / torch.linalg.vector_norm(q)
    alphas: list[float] = []
    betas: list[float] = []
    theta, rel = 0.0, math.inf
    for j in range(m):
        w = matvec(Q[j : j + 1])[0]
        alphas.append(float(w @ Q[j]))
        basis = Q[: j + 1]
        for _ in range(2):  # full reorthogonalization, twice is enough (Kahan)
            w = w - basis.T @ (basis @ w)
        b = float(torch.linalg.vector_norm(w))
        T = torch.diag(torch.tensor(alphas, dtype=torch.float64))
        if betas:
            off = torch.tensor(betas, dtype=torch.float64)
            T = T + torch.diag(off, 1) + torch.diag(off, -1)
        evals, evecs = torch.linalg.eigh(T)
        theta = max(float(evals[-1]), 0.0)
        resid = b * abs(float(evecs[-1, -1]))
        rel = resid / theta if theta > 0 else 0.0
        if rel <= tol or b <= 1e3 * torch.finfo(dtype).eps * max(theta, 1e-300) or j == n - 1:
            return theta, True, rel
        betas.append(b)
        Q[j + 1] = w / b
    return theta, False, rel


@torch.no_grad()
def spectral_norm(
    f: Callable[[Tensor], Tensor],
    x: Tensor,
    *,
    iters: int = 100,
    tol: float | None = None,
    exact: bool = False,
    seed: int = 0,
) -> float:
    """Largest singular value of the Jacobian of ``f`` at ``x``, ``||J(x)||_2``, matrix-free.

    Lanczos on ``J^T J``: each iteration costs one product ``J v`` and one ``J^T u`` (both re-used from a single
    linearization at ``x``), and stops when the Ritz value is certified to relative accuracy ``tol``
    (``|theta - sigma_max^2| <= tol * theta``, so ``sigma_max`` is good to about ``tol / 2``).

    Arguments:
        f: a map from a state to a state of the same shape (e.g. ``model.as_map(C)``, or ``model.attention``
            for ``||J_MSA||_2``).
        x: the state.

    Other arguments:
        iters: maximum Lanczos iterations (each one jvp + one vjp; a warning says if ``tol`` was not reached).
        tol: relative tolerance on ``sigma_max^2``; default 1e-8 in float64 and 1e-5 in float32 (100 eps).
        exact: build the dense Jacobian and take its 2-norm by SVD instead (``torch.linalg.matrix_norm(J, 2)``).
        seed: seed of the random start vector.

    Returns:
        ``sigma_max`` as a float.

    Raises:
        TypeError / ValueError: see :func:`sadyn.analysis.jvp`; ``iters`` < 1 or ``tol`` <= 0.

    See also: :func:`sadyn.analysis.prop51_bound` (the bound of Prop. 5.1 for ItrSA).
    """
    iters = check_count(iters, "iters")
    tol = None if tol is None else check_tol(tol)
    exact, seed = check_bool(exact, "exact"), check_seed(seed)
    F, X = flat_map(f, x, xname="x")
    if exact:
        return float(torch.linalg.matrix_norm(_dense(F, X), 2))
    op = Linearization(F, X, tangent=verified_tangent(F, X))
    return _lanczos_norm(op.mv, op.rmv, F.n, X, iters=iters, tol=tol, seed=seed)


def _lanczos_norm(
    mv: Callable[[Tensor], Tensor],
    rmv: Callable[[Tensor], Tensor],
    n: int,
    X: Tensor,
    *,
    iters: int,
    tol: float | None,
    seed: int,
) -> float:
    """sigma_max of the operator (``mv``: J V, ``rmv``: J^T U on ``(m, n)`` blocks) by Lanczos on ``J^T J``."""
    if tol is None:
        tol = max(1e-8, 100 * torch.finfo(X.dtype).eps)
    # J^T J squares the scale: for ||J|| above sqrt(max float) (1e154 in float64, 1e19 in float32) it overflows,
    # so Lanczos runs on (J/s)^T (J/s) with s = max|J q| for a random q with max|q| = 1, and sigma_max = s sqrt(theta).
    q = torch.randn(1, n, generator=torch.Generator().manual_seed(seed + 1), dtype=X.dtype).to(X.device)
    s = float(mv(q / q.abs().amax()).abs().amax())  # a max, not a 2-norm: no overflow
    s = s if (math.isfinite(s) and s > 0) else 1.0
    theta, converged, rel = lanczos_top(
        lambda v: rmv(mv(v) / s) / s, n, dtype=X.dtype, device=X.device, iters=iters, tol=tol, seed=seed
    )
    if not converged:
        warnings.warn(
            f"spectral_norm: Lanczos reached relative residual {rel:.2e} > tol={tol:g} after iters={iters}; "
            f"raise `iters` or pass exact=True.",
            RuntimeWarning,
            stacklevel=3,
        )
    return s * math.sqrt(theta)


def _dense(F: FlatMap, X: Tensor) -> Tensor:
    """The dense ``(n, n)`` Jacobian at ``X`` (through the map's own checked tangent where it has one), finite."""
    J = dense_jacobians(F, X[None], tangent=verified_tangent(F, X))[0, 0]
    if not bool(torch.isfinite(J).all()):  # LAPACK's balancing (DGEBAL) crashes the process on NaN/inf
        raise ValueError(
            "the Jacobian of `f` at `x` has NaN or inf entries: the map is not differentiable there; "
            "analyse it at another state."
        )
    return J


def _sort_by_modulus(lam: np.ndarray) -> np.ndarray:
    """Descending modulus; ties (conjugate pairs) by descending real part, then positive imaginary part first."""
    order = np.lexsort((-lam.imag, -lam.real, -np.round(np.abs(lam), 12)))
    return lam[order]


@torch.no_grad()
def eigenvalues(
    f: Callable[[Tensor], Tensor], x: Tensor, *, k: int | None = None, tol: float = 0.0, seed: int = 0
) -> Tensor:
    """Complex eigenvalues of the Jacobian of ``f`` at ``x``, sorted by descending modulus.

    With ``k=None`` all ``n`` eigenvalues of the dense Jacobian (``torch.linalg.eigvals``; cubic in n: about
    0.1-0.3 s at n = 512, 20 s at n = 4096 on one core). With ``k`` the ``k`` of largest modulus by implicitly
    restarted Arnoldi (``scipy.sparse.linalg.eigs`` on matrix-free products ``J v``), which pays above n ~ 2000.

    Arguments:
        f: a map from a state to a state of the same shape.
        x: the state.

    Other arguments:
        k: how many eigenvalues (largest modulus first); ``None`` for all.
        tol: ARPACK's relative tolerance (0 means machine precision); ignored for the dense path.
        seed: seed of ARPACK's start vector.

    Returns:
        complex tensor of shape ``(n,)`` or ``(k,)`` (complex128 for float64 states, complex64 for float32).

    Raises:
        ValueError: ``k`` outside [1, n]; TypeError / ValueError for a bad map as in :func:`sadyn.analysis.jvp`.
    """
    tol = check_positive(tol, "tol", allow_zero=True)
    seed = check_seed(seed)
    F, X = flat_map(f, x, xname="x")
    n = F.n
    k = check_k(k, n)
    ctype = torch.complex128 if X.dtype == torch.float64 else torch.complex64
    if k is None or k >= n - 1 or n <= 64:
        return _eigvals(_dense(F, X))[: (k or n)]
    from scipy.sparse.linalg import LinearOperator, eigs

    op = Linearization(F, X, tangent=verified_tangent(F, X))

    def matvec(v: np.ndarray) -> np.ndarray:
        t = torch.as_tensor(np.asarray(v).reshape(1, n), dtype=X.dtype, device=X.device)
        return op.mv(t)[0].cpu().double().numpy()

    v0 = np.random.default_rng(seed).standard_normal(n)
    A = LinearOperator((n, n), matvec=matvec, dtype=np.float64)
    with threads(1):  # ARPACK and torch threads compete: sadyn/threads.py
        lam = eigs(A, k=k, which="LM", tol=float(tol), v0=v0, return_eigenvectors=False)
    return torch.as_tensor(_sort_by_modulus(lam), dtype=ctype, device=X.device)


def _eigvals(J: Tensor) -> Tensor:
    """All eigenvalues of a finite dense ``J``, by descending modulus (complex128 for float64, complex64 for float32)."""
    ctype = torch.complex128 if J.dtype == torch.float64 else torch.complex64
    lam = _sort_by_modulus(torch.linalg.eigvals(J).cpu().numpy())
    return torch.as_tensor(lam, dtype=ctype, device=J.device)


@torch.no_grad()
def jacobian_spectrum(
    f: Callable[[Tensor], Tensor], x: Tensor, *, tol: float | None = None, seed: int = 0
) -> tuple[float, Tensor]:
    """``(||J||_2, eigenvalues)`` of the Jacobian at ``x`` from **one** dense Jacobian: what a dashboard shows.

    The same numbers as :func:`spectral_norm` (Lanczos on ``J^T J``, relative tolerance ``tol``, now with dense
    products) and :func:`eigenvalues` with ``k=None`` (all ``n``, by descending modulus), for the cost of one
    Jacobian (built through the map's own tangent where it has one) plus LAPACK's eigen-solve, which is most of
    it (about 0.1-0.3 s at n = 512 on one core).
    """
    tol = None if tol is None else check_tol(tol)
    seed = check_seed(seed)
    F, X = flat_map(f, x, xname="x")
    J = _dense(F, X)
    norm = _lanczos_norm(lambda v: v @ J.T, lambda u: u @ J, F.n, X, iters=100, tol=tol, seed=seed)
    return norm, _eigvals(J)
