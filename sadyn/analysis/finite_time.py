r"""Finite-time Lyapunov exponents: the paper's definition (App. B.3) over a horizon of T steps.

.. math::  \lambda_i^{(T)} = \frac{1}{2T}\,\ln \alpha_i\big((\partial f^T/\partial x)^\top (\partial f^T/\partial x)\big)
           = \frac{1}{T}\,\ln \sigma_i\big(J_{T-1} \cdots J_1 J_0\big)

with ``f^T`` the T-fold composition, ``J_t`` the one-step Jacobian at ``x_t``, and ``sigma_i`` the singular
values. Tomihari & Karakida (2025) use T = 16 on one random sample. Unlike the QR estimate of
:func:`lyapunov_spectrum` (which converges as T grows), this is the exact finite-T quantity.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor

from .._validate import Constraint, check_bool, check_constraint, check_count, check_k, check_positive
from ..threads import threads
from ._door import check_constraint_holds, check_independent
from ._maps import FlatMap, Linearization, dense_jacobians, flat_map, verified_tangent
from .lyapunov import LyapunovSpectrum, orbit_growth

__all__ = ["FiniteTimeVolume", "finite_time_lyapunov", "finite_time_volume"]

_DENSE_MAX = 2048  # above this state size (and with k given), the singular values come from ARPACK
_DENSE_BYTES = 2**32  # 4 GiB: the most the dense path's stacked Jacobians may take (a 9x9 solver's would be 14 GiB)


def _states(F: FlatMap, X: Tensor, steps: int) -> tuple[Tensor, Tensor]:
    """``x_0 .. x_{steps-1}`` ``(steps, B, n)`` and the first non-finite step per system (``steps + 1`` if none)."""
    B = X.shape[0]
    first_bad = torch.full((B,), steps + 1, dtype=torch.long)
    out = []
    for t in range(steps):
        out.append(X)
        Y = F(X)
        ok = torch.isfinite(Y).all(-1)
        if not bool(ok.all()):
            first_bad = torch.where(~ok & (first_bad > steps), t + 1, first_bad)
            Y = torch.where(ok[:, None], Y, X)
        X = Y
    return torch.stack(out), first_bad


def _log_svals_dense(Js: Tensor, usable: Tensor) -> Tensor:
    """log singular values ``(B, n)`` of ``J_{u-1} ... J_0`` per system (``usable[b] = u`` steps).

    The product is accumulated in factored form, ``J_{u-1} ... J_0 = Q P`` with ``P = R_u ... R_1`` upper
    triangular (a QR of ``J_t Q`` per step, ``P`` rescaled as it goes): the singular values of the graded
    triangular ``P`` keep their relative accuracy, while those of the explicit product lose everything below
    ``eps * sigma_max`` (for 12 Henon steps: 3e-15 versus 3e-6 error in ``sum ln sigma = T ln b``).
    """
    T, B, n, _ = Js.shape
    eye = torch.eye(n, dtype=Js.dtype, device=Js.device).expand(B, n, n)
    Q, P = eye.clone(), eye.clone()
    logscale = torch.zeros(B, dtype=Js.dtype, device=Js.device)
    for t in range(T):
        active = (t < usable)[:, None, None]
        Qn, R = torch.linalg.qr(Js[t] @ Q)
        Q, P = torch.where(active, Qn, Q), torch.where(active, R @ P, P)
        s = P.abs().amax((-2, -1)).clamp_min(torch.finfo(P.dtype).tiny)  # no overflow, unlike a 2-norm
        P, logscale = P / s[:, None, None], logscale + torch.log(s)
    return torch.log(torch.linalg.svdvals(P)) + logscale[:, None]


def _log_svals_arpack(F: FlatMap, Xs: Tensor, k: int, tangent: bool = False) -> Tensor:
    """Top-k log singular values of the product for one system, matrix-free (J v and J^T u per step)."""
    import numpy as np
    from scipy.sparse.linalg import LinearOperator, svds

    ops = [Linearization(F, Xs[t], tangent=tangent) for t in range(Xs.shape[0])]
    n, dtype = F.n, Xs.dtype

    def mv(v: np.ndarray) -> np.ndarray:
        w = torch.as_tensor(np.asarray(v).reshape(1, n), dtype=dtype)
        for op in ops:
            w = op.mv(w)
        return w[0].double().numpy()

    def rmv(u: np.ndarray) -> np.ndarray:
        w = torch.as_tensor(np.asarray(u).reshape(1, n), dtype=dtype)
        for op in reversed(ops):
            w = op.rmv(w)
        return w[0].double().numpy()

    A = LinearOperator((n, n), matvec=mv, rmatvec=rmv, dtype=np.float64)
    with threads(1):  # ARPACK and torch threads compete: sadyn/threads.py
        s = svds(A, k=k, return_singular_vectors=False, v0=np.random.default_rng(0).standard_normal(n))
    return torch.log(torch.as_tensor(np.sort(s)[::-1].copy(), dtype=dtype))[None]


@dataclass(frozen=True)
class _Orbit:
    """The validated arguments, the flat map and the states of a finite-time analysis (shared by both doors)."""

    F: FlatMap
    X: Tensor
    Xs: Tensor  # x_transient .. x_{transient+horizon-1}, (horizon, B, n)
    first_bad: Tensor  # first non-finite step per system, horizon + transient + 1 if none
    usable: Tensor  # Jacobians per system whose step stayed finite
    horizon: int
    transient: int
    batch: bool
    dt: float
    constraint: Constraint | None
    group: int
    excluded: int
    tangent: bool

    def divergence(self) -> tuple[list[int | None], tuple[str, ...]]:
        """``diverged_at`` and ``status`` per system."""
        div = [None if int(b) > self.transient + self.horizon else int(b) for b in self.first_bad]
        return div, tuple("ok" if d is None else "divergent" for d in div)


def _orbit(
    f: object,
    x0: object,
    horizon: object,
    transient: object,
    batch: object,
    constraint: object,
    group: object,
    dt: object,
) -> _Orbit:
    """Check every argument once (one message per mistake), then run the orbit over ``transient + horizon`` steps."""
    horizon = check_count(horizon, "horizon", hint="the number of steps T (the paper uses 16)")
    transient = check_count(transient, "transient", minimum=0)
    dt = check_positive(dt, "dt")
    batch = check_bool(batch, "batch")
    F, X = flat_map(f, x0, batch=batch)
    constraint, group, excluded = check_constraint(constraint, group, F.system_shape())
    check_constraint_holds(f, F, X, constraint, group)
    if batch:
        check_independent(F, X)
    tangent = verified_tangent(F, X)  # the map's closed-form tangent (checked once) for the Jacobian products
    Xs, first_bad = _states(F, X, transient + horizon)
    usable = (first_bad - 1 - transient).clamp(0, horizon)  # Jacobians whose step stayed finite
    return _Orbit(
        F, X, Xs[transient:], first_bad, usable, horizon, transient, batch, dt, constraint, group, excluded, tangent
    )


@torch.no_grad()
def finite_time_lyapunov(
    f: Callable[[Tensor], Tensor],
    x0: Tensor,
    *,
    horizon: int = 16,
    k: int | None = None,
    transient: int = 0,
    batch: bool = False,
    constraint: Constraint | None = None,
    group: int | None = None,
    dt: float = 1.0,
) -> LyapunovSpectrum:
    r"""Finite-time Lyapunov exponents ``(1/T) ln sigma_i(J_{T-1} ... J_0)`` from ``x0`` (paper App. B.3).

    Arguments:
        f: a map from a state to a state of the same shape (e.g. ``model.as_map(C)``).
        x0: the initial state (with ``batch=True``, a leading axis of independent systems).

    Other arguments:
        horizon: T, the number of steps (the paper uses 16).
        k: keep the k largest; ``None`` keeps all (all finite ones with a constraint). With ``k`` given and a
            state larger than 2048 entries the singular values come matrix-free from ARPACK (single system).
        transient: steps run before the horizon starts.
        batch: the leading axis of ``x0`` indexes independent systems.
        constraint, group: as in :func:`lyapunov_spectrum`; the product's singular values along the radial
            directions are exactly zero (``-inf`` exponents), and the constraint drops them (the smallest ones).
        dt: exponents are divided by it.

    Returns:
        :class:`LyapunovSpectrum` with ``steps = horizon``, ``history`` of one row and ``stderr`` NaN (a single
        finite-time value has no sampling error). Without a constraint, singular values below about
        ``eps * sigma_max`` are rounding noise (e.g. the radial ones of a normalized map: about -35/T in float64).
        A state that becomes non-finite gives ``status="divergent"``, ``diverged_at``, and exponents over the
        steps before it (NaN if there were none).

    Raises:
        ValueError / TypeError: as :func:`lyapunov_spectrum` (``horizon`` < 1, ``k`` out of range, bad map).
    """
    o = _orbit(f, x0, horizon, transient, batch, constraint, group, dt)
    F, Xs, usable, excluded, tangent = o.F, o.Xs, o.usable, o.excluded, o.tangent
    horizon, transient, batch, dt = o.horizon, o.transient, o.batch, o.dt
    available = F.n - excluded
    k = check_k(k, available, excluded=excluded)
    keep = available if k is None else k
    method = "dense"
    if k is not None and F.n > _DENSE_MAX and not batch:  # over the steps before a divergence, if any
        u = int(usable[0])
        logs = _log_svals_arpack(F, Xs[:u], k, tangent) if u else torch.full((1, k), math.nan, dtype=Xs.dtype)
        method = "arpack"
    else:
        need = int(usable.max()) * F.B * F.n**2 * Xs.element_size()
        if need > _DENSE_BYTES:
            raise ValueError(
                f"all {F.n} finite-time exponents need the {int(usable.max())} dense {F.n} x {F.n} Jacobians of the "
                f"horizon ({need / 2**30:.1f} GiB) and their QRs: too large for this routine. Pass `k` (the k largest, "
                f"matrix-free through ARPACK for a single system); for their mean, finite_time_volume(f, x0, ...) needs one "
                f"Jacobian at a time; or use lyapunov_spectrum(f, x0, steps=..., k=...)."
            )
        Js = dense_jacobians(F, Xs, tangent=tangent)
        _check_finite_jacobians(Js, usable, transient)
        logs = _log_svals_dense(Js, usable)
    growth = orbit_growth(torch.linalg.vector_norm(Xs, dim=-1))
    exps = (logs / usable.clamp_min(1)[:, None].to(logs.dtype) / dt)[:, :keep]
    exps = torch.where((usable > 0)[:, None], exps, torch.nan)
    div, status = o.divergence()
    err = torch.full_like(exps, math.nan)
    hsteps = torch.tensor([horizon])
    if not batch:
        return LyapunovSpectrum(
            exps[0],
            err[0],
            exps[0][None],
            hsteps,
            horizon,
            transient,
            status[0],
            div[0],
            F.n,
            excluded,
            dt,
            method,
            float(growth[0]),
        )
    return LyapunovSpectrum(
        exps, err, exps[None], hsteps, horizon, transient, status, tuple(div), F.n, excluded, dt, method, growth
    )


def _check_finite_jacobians(Js: Tensor, usable: Tensor, transient: int) -> None:
    """Refuse a NaN/inf Jacobian at a finite state of the orbit (LAPACK must never see it)."""
    T = Js.shape[0]
    counted = torch.arange(T)[:, None] < usable[None, :]  # (T, B): steps that enter the product
    bad = ~torch.isfinite(Js).flatten(2).all(-1) & counted
    if bool(bad.any()):
        t = int(bad.any(1).float().argmax())
        raise ValueError(
            f"the Jacobian of `f` has NaN or inf entries at step {transient + t} of the orbit, where the state is "
            f"finite: the map is not differentiable there (e.g. sqrt, abs or a norm at 0). Start from another "
            f"state or write the map so that it is smooth along the orbit."
        )


@dataclass(frozen=True, repr=False)
class FiniteTimeVolume:
    r"""The sum and mean of the finite finite-time exponents, without the spectrum (:func:`finite_time_volume`).

    Attributes:
        total: :math:`\sum_i \lambda_i^{(T)}` over the ``count`` finite exponents: the rate at which the T-step
            product expands ``count``-dimensional volumes (a float; ``(B,)`` with ``batch=True``). NaN for a system
            that diverged before its first step.
        count: the number of finite exponents, ``dimension - excluded``.
        horizon, transient, status, diverged_at, dimension, excluded, dt: as in :class:`LyapunovSpectrum` (a
            divergent system's total is over the steps before its divergence).
    """

    total: float | Tensor
    count: int
    horizon: int
    transient: int
    status: str | tuple[str, ...]
    diverged_at: int | None | tuple[int | None, ...]
    dimension: int
    excluded: int
    dt: float

    @property
    def mean(self) -> float | Tensor:
        """The mean finite exponent, ``total / count``: :attr:`LyapunovSpectrum.mean` of the full spectrum."""
        return self.total / self.count

    def __repr__(self) -> str:
        def fmt(v: float | Tensor) -> str:
            return f"{v:.4g}" if isinstance(v, float) else str([round(float(x), 4) for x in v])

        return (
            f"FiniteTimeVolume(mean={fmt(self.mean)}, total={fmt(self.total)}, count={self.count}, "
            f"horizon={self.horizon}, status={self.status!r})"
        )


def _left_normals(J: Tensor, group: int, per: int) -> Tensor:
    """Per group of output rows ``R`` (``group x n``), the ``per`` eigenvectors of ``R R^T`` with the smallest
    eigenvalues: ``(B, S, group, per)``. For a map that normalizes each group they span the left null space (the
    normals of the manifold at the output, e.g. ``gamma^-2 * y`` for RMSNorm with a gain); a ``group x group``
    eigen-solve per group costs far less than the step's LU."""
    B, n, _ = J.shape
    R = J.reshape(B, n // group, group, n)
    return torch.linalg.eigh(R @ R.mT)[1][..., :per]


def _log_volume_step(J: Tensor, n_out: Tensor | None, n_in: Tensor | None, first: bool) -> Tensor:
    """``log|det K|`` of one step (``(B,)``), ``K = U_out^T J U_in`` the step restricted to the tangent spaces.

    ``det(J + N_out N_in^T) = +-det K`` for orthonormal normals ``N`` with ``N_out^T J = 0`` (in the bases
    ``[U, N]`` the matrix is block triangular with an identity block), so one LU of an ``n x n`` matrix gives it.
    The first step maps all of ``R^n``: there the product's singular values are those of ``G = U_out^T J``, and
    ``1/2 log det(G G^T) = log|det K| + 1/2 log det(I + Z^T Z)`` with ``Z = (J + N_out N_in^T)^{-1} J N_in``
    (matrix determinant lemma; any orthonormal ``N_in`` with ``K`` invertible).
    """
    if n_out is None or n_in is None:
        return torch.linalg.slogdet(J)[1]
    B, n, _ = J.shape
    S, g, per = n_out.shape[1:]
    A = J.clone()
    A.view(B, S, g, S, g).diagonal(dim1=1, dim2=3).add_(torch.einsum("bsip,bsjp->bijs", n_out, n_in))
    LU, pivots = torch.linalg.lu_factor(A)
    logdet = torch.log(LU.diagonal(dim1=-2, dim2=-1).abs()).sum(-1)
    if not first:
        return logdet
    JN = torch.einsum("bnsi,bsip->bnsp", J.view(B, n, S, g), n_in).reshape(B, n, S * per)
    Z = torch.linalg.lu_solve(LU, pivots, JN)
    eye = torch.eye(S * per, dtype=J.dtype, device=J.device)
    L = torch.linalg.cholesky(eye + Z.mT @ Z)
    return logdet + torch.log(L.diagonal(dim1=-2, dim2=-1)).sum(-1)


@torch.no_grad()
def finite_time_volume(
    f: Callable[[Tensor], Tensor],
    x0: Tensor,
    *,
    horizon: int = 16,
    transient: int = 0,
    batch: bool = False,
    constraint: Constraint | None = None,
    group: int | None = None,
    dt: float = 1.0,
) -> FiniteTimeVolume:
    r"""The sum (and mean) of all finite finite-time exponents, exactly, without computing the spectrum.

    .. math::  \sum_{i \le m} \lambda_i^{(T)} = \frac{1}{T} \sum_{i \le m} \ln \sigma_i(J_{T-1} \cdots J_0)
               = \frac{1}{T}\Big(\tfrac12 \ln\det G G^\top + \sum_{t=1}^{T-1} \ln|\det K_t|\Big)

    with ``m = n - excluded`` the exponents left by the ``constraint``, ``U_t`` an orthonormal basis of
    ``range(J_t)`` (the tangent space of the manifold at ``x_{t+1}``), ``K_t = U_t^T J_t U_{t-1}`` and
    ``G = U_0^T J_0``: ``J_{T-1} \cdots J_0 = U_{T-1} K_{T-1} \cdots K_1 G`` and ``det((K G)(K G)^T) = det(K)^2
    det(G G^T)``. Each term is one LU of an ``n x n`` matrix (``_log_volume_step`` in this module); only one step's
    Jacobian is held at a time. Its ``mean`` is the mean exponent of Figs. 3 and S.1 where the full spectrum of
    :func:`finite_time_lyapunov` is too large: the same Jacobians, but one LU (``2n^3/3``) per step instead of a
    product and a QR, and one ``n x n`` matrix held instead of T (2-3x faster at n = 512-1024,
    ``benchmarks/bench_finite_time_volume.py``; 215 MB instead of 3.4 GiB for a 9x9 solver with D = 64).
    Without a constraint, ``m = n`` and the sum is ``(1/T) sum_t ln|det J_t|``.

    Arguments and raises: as :func:`finite_time_lyapunov` (no ``k``). Each group's normals are the left singular
    vectors of the Jacobian's rows with the smallest singular values, so any map that normalizes each group
    (sphere projection, RMSNorm with a gain, LayerNorm) is exact.

    Returns:
        :class:`FiniteTimeVolume` (``total``, ``mean``, ``count``, status and divergence as
        :class:`LyapunovSpectrum`).
    """
    o = _orbit(f, x0, horizon, transient, batch, constraint, group, dt)
    F, X, Xs, usable, excluded, tangent = o.F, o.X, o.Xs, o.usable, o.excluded, o.tangent
    horizon, transient, batch, dt, group = o.horizon, o.transient, o.batch, o.dt, o.group
    need = 2 * F.B * F.n**2 * X.element_size()
    if need > _DENSE_BYTES:
        raise ValueError(
            f"the volume needs one step's {F.B} dense {F.n} x {F.n} Jacobians and their LU at a time "
            f"({need / 2**30:.1f} GiB): too large. Pass fewer systems at once (batch), or a smaller state."
        )
    per = 0 if o.constraint is None else excluded // (F.n // group)
    total = torch.zeros(F.B, dtype=X.dtype, device=X.device)
    n_prev: Tensor | None = None
    for t in range(int(usable.max())):
        J = dense_jacobians(F, Xs[t : t + 1], tangent=tangent)[0]  # (B, n, n)
        _check_finite_jacobians(J[None], usable - t, transient + t)
        n_out = _left_normals(J, group, per) if per else None
        first = n_prev is None
        n_in = n_out if first else n_prev  # at x_0: any orthonormal normals serve (the correction makes it exact)
        step = _log_volume_step(J, n_out, n_in, first and per > 0)
        total = total + torch.where(t < usable, step, 0)
        n_prev = n_out
    count = F.n - excluded
    rate = total / usable.clamp_min(1).to(total.dtype) / dt
    rate = torch.where(usable > 0, rate, torch.nan)
    div, status = o.divergence()
    if not batch:
        return FiniteTimeVolume(float(rate[0]), count, horizon, transient, status[0], div[0], F.n, excluded, dt)
    return FiniteTimeVolume(rate, count, horizon, transient, status, tuple(div), F.n, excluded, dt)
