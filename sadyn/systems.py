r"""Reference dynamical systems for teaching and for validating the analysis engine.

Each system is a plain callable map ``x -> x_next`` on tensors with the state on the last axis (any leading
batch axes), so every analysis of :mod:`sadyn.analysis` applies to it exactly as to a self-attention model.
Each one knows its analytic Jacobian (``.jacobian(x)``, usable as ``jac=`` in the Lyapunov routines) and,
where they exist, its exact or published Lyapunov exponents (natural log, per step; per unit time for the
flows, whose ``dt`` is an attribute):

=================  ===============================================  =======================================
system             map                                              exponents
=================  ===============================================  =======================================
``Henon``          (x, y) -> (1 - a x^2 + y, b x)                   0.41922, -1.62319 (a=1.4, b=0.3); sum = ln b
``Logistic``       x -> r x (1 - x)                                 ln 2 at r = 4 (exact)
``Lorenz``         one RK4 step of the Lorenz-63 flow               0.9056, 0, -14.5723; sum = -(sigma+1+beta)
``Linear``         x -> A x                                         ln |eig(A)| (exact)
``Kuramoto``       one RK4 step of d theta_i/dt = omega_i +        identical, synchronized: 0, -K (N-1 times)
                   (K/N) sum_j sin(theta_j - theta_i)
``OscillatorToy``  x -> Pi((I + eta Omega) x), eqs. (17)-(20)       :func:`toy_exponents`
=================  ===============================================  =======================================

**Componentwise kernels.** ``Henon``, ``Logistic`` and ``Lorenz`` write their step once, as
``kernel(x, params)``: a function of the state's components ``x = (x_1, ..., x_n)`` and of the parameters
``kernel_params()`` that uses only ``+ - * /``, so the same code runs on Python floats (one system), numpy
arrays (one entry per system) and torch tensors; ``step`` is that kernel on ``x.unbind(-1)``. The Lyapunov
engine uses the kernel and the analytic ``jacobian`` of such a system automatically on CPU float64 states (see
:mod:`sadyn.analysis.tangent`): IEEE ``+ - *`` agree bitwise on all three, so the orbit is the one ``step`` gives.

Published values: Sprott, *Chaos and Time-Series Analysis* (2003) and sprott.physics.wisc.edu/chaos/lespec.htm
(Wolf et al., Physica D 16, 285 (1985)); Kuramoto: Strogatz, Physica D 143, 1 (2000).
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor

from ._validate import check_count, check_dtype, check_int, check_number, check_positive, check_seed, check_tensor
from .dynamics import OscillatorToy

__all__ = [
    "Henon",
    "Logistic",
    "Lorenz",
    "Linear",
    "Kuramoto",
    "OscillatorToy",
    "toy_exponents",
    "lorentzian_frequencies",
    "lorenz_exponents",
]


Components = tuple[Any, ...]  # one entry per state coordinate: floats, numpy arrays or tensors alike


def _state(x: object, dim: int, name: str = "x") -> Tensor:
    x = check_tensor(x, name, finite=False)
    if x.ndim < 1 or x.shape[-1] != dim:
        raise ValueError(f"`{name}` must have shape (..., {dim}) (the state on the last axis), got {tuple(x.shape)}.")
    return x


class _MapSystem:
    """Shared behaviour: ``__call__`` is the map, ``dt`` the time per step (1 for maps), ``dim`` the state size."""

    dim: int
    dt: float = 1.0

    def __call__(self, x: Tensor) -> Tensor:
        return self.step(_state(x, self.dim))

    kernel: Any = None  # ``kernel(x: Components, params) -> Components`` where the step is componentwise

    def kernel_params(self, like: Tensor | None = None) -> tuple[float | Tensor, ...]:
        """The parameters the kernel takes: floats, or tensors of one value per system (cast to ``like``'s dtype)."""
        return ()

    def step(self, x: Tensor) -> Tensor:
        """The kernel applied to the components ``x.unbind(-1)``, stacked back on the last axis."""
        if self.kernel is None:
            raise NotImplementedError
        return torch.stack(self.kernel(x.unbind(-1), self.kernel_params(x)), dim=-1)

    def jacobian(self, x: Tensor) -> Tensor:
        """Analytic Jacobian of one step, ``(..., dim, dim)``."""
        raise NotImplementedError

    def initial_state(
        self, batch: int | None = None, *, dtype: torch.dtype = torch.float64, seed: int = 0, spread: float = 0.0
    ) -> Tensor:
        """A standard starting point ``(dim,)``; with ``batch`` ``(batch, dim)`` copies jittered by ``spread``."""
        x = torch.as_tensor(self._x0, dtype=check_dtype(dtype))
        if batch is None:
            return x.clone()
        batch, seed = check_int(batch, "batch", minimum=1), check_seed(seed)
        spread = check_positive(spread, "spread", allow_zero=True)
        gen = torch.Generator().manual_seed(seed)
        return x + spread * torch.randn(batch, self.dim, generator=gen, dtype=dtype)

    _x0: Sequence[float]

    def rollout(self, x0: Tensor, steps: int) -> Tensor:
        """States ``(steps + 1, *x0.shape)`` from ``x0`` (no gradients)."""
        out = [_state(x0, self.dim, "x0")]
        with torch.no_grad():
            for _ in range(check_count(steps, "steps")):
                out.append(self(out[-1]))
        return torch.stack(out)


class Henon(_MapSystem):
    """The Hénon map (x, y) -> (1 - a x^2 + y, b x) (Hénon 1976). det J = -b, so lambda_1 + lambda_2 = ln|b|."""

    dim = 2
    _x0 = (0.1, 0.1)
    reference_exponents = (0.41922, -1.62319)  # a = 1.4, b = 0.3 (Sprott)

    def __init__(self, a: float = 1.4, b: float = 0.3) -> None:
        self.a, self.b = check_number(a, "a"), check_number(b, "b")

    def kernel_params(self, like: Tensor | None = None) -> tuple[float, float]:
        return self.a, self.b

    @staticmethod
    def kernel(x: Components, params: tuple[float, float]) -> Components:
        """(x, y) -> (1 - a x^2 + y, b x), componentwise."""
        (u, v), (a, b) = x, params
        return 1 - a * (u * u) + v, b * u

    def jacobian(self, x: Tensor) -> Tensor:
        x = _state(x, 2)
        one, zero = torch.ones_like(x[..., 0]), torch.zeros_like(x[..., 0])
        rows = (torch.stack((-2 * self.a * x[..., 0], one), -1), torch.stack((self.b * one, zero), -1))
        return torch.stack(rows, -2)

    def exponent_sum(self) -> float:
        """lambda_1 + lambda_2 = ln|b| exactly (the Jacobian's determinant is -b everywhere)."""
        return math.log(abs(self.b))

    def __repr__(self) -> str:
        return f"Henon(a={self.a:g}, b={self.b:g})"


class Logistic(_MapSystem):
    """The logistic map x -> r x (1 - x) on states (..., 1); ``r`` may be a tensor of one value per system.

    At r = 4 the exponent is exactly ln 2 (the map is conjugate to the tent map). A tensor ``r`` of shape (B,)
    with states (B, 1) gives B independent maps: use ``batch=True`` in the analyses.
    """

    dim = 1
    _x0 = (0.3,)

    def __init__(self, r: float | Tensor = 4.0) -> None:
        self.r = check_tensor(r, "r") if isinstance(r, Tensor) else check_number(r, "r")
        self._col = self.r.reshape(*self.r.shape, 1) if isinstance(self.r, Tensor) else self.r  # against (..., 1)

    def _r(self, x: Tensor) -> Tensor | float:
        if isinstance(self._col, Tensor) and self._col.dtype != x.dtype:
            self._col = self._col.to(x.dtype)
        return self._col

    def kernel_params(self, like: Tensor | None = None) -> tuple[float | Tensor]:
        """``(r,)``: a float, or the tensor of one r per system (its last axis against the batch axis)."""
        return (self.r.to(like.dtype) if isinstance(self.r, Tensor) and like is not None else self.r,)

    @staticmethod
    def kernel(x: Components, params: tuple[Any]) -> Components:
        """x -> r x (1 - x)."""
        ((u,), (r,)) = x, params
        return (r * u * (1 - u),)

    def jacobian(self, x: Tensor) -> Tensor:
        return (self._r(x) * (1 - 2 * _state(x, 1)))[..., None]

    def __repr__(self) -> str:
        r = f"tensor of {self.r.numel()}" if isinstance(self.r, Tensor) else f"{self.r:g}"
        return f"Logistic(r={r})"


Matrix = tuple[Components, ...]  # rows of components


def _matmul(A: Matrix, B: Matrix) -> Matrix:
    """A B for matrices of components (floats, arrays or tensors entrywise)."""
    cols = tuple(zip(*B, strict=True))
    return tuple(
        tuple(sum((r * c for r, c in zip(row[1:], col[1:], strict=True)), row[0] * col[0]) for col in cols) for row in A
    )


def _eye_plus(s: float, D: Matrix) -> Matrix:
    """I + s D (off the diagonal just s D: adding 0.0 would be one more pass over an array for nothing)."""
    return tuple(tuple(1.0 + s * d if i == j else s * d for j, d in enumerate(row)) for i, row in enumerate(D))


def _stack_matrix(M: Matrix, like: Tensor) -> Tensor:
    """A matrix of components (tensors shaped like ``like``, or Python numbers) as a tensor ``(..., n, n)``."""
    rows = [torch.stack([e if isinstance(e, Tensor) else torch.full_like(like, e) for e in row], -1) for row in M]
    return torch.stack(rows, -2)


def _lorenz_dfield(x: Components, sigma: float, rho: float, beta: float) -> Matrix:
    """DF(x) = ((-sigma, sigma, 0), (rho - z, -1, -x), (y, x, -beta))."""
    a, b, c = x
    return ((-sigma, sigma, 0.0), (rho - c, -1.0, -a), (b, a, -beta))


def _lorenz_field(x: Components, sigma: float, rho: float, beta: float) -> Components:
    """(sigma (y - x), x (rho - z) - y, x y - beta z), componentwise."""
    a, b, c = x
    return sigma * (b - a), a * (rho - c) - b, a * b - beta * c


class Lorenz(_MapSystem):
    """One classical Runge-Kutta (RK4) step of length ``dt`` of the Lorenz-63 flow

        dx/dt = sigma (y - x),   dy/dt = x (rho - z) - y,   dz/dt = x y - beta z

    The flow's divergence is -(sigma + 1 + beta), so the exponents (per unit time: divide by ``dt``, or pass
    ``dt=lorenz.dt`` to the analyses) sum to -13.6667 at the classic parameters, up to the O(dt^4) error of RK4.
    """

    dim = 3
    _x0 = (1.0, 1.0, 20.0)
    reference_exponents = (0.9056, 0.0, -14.5723)  # sigma=10, rho=28, beta=8/3 (Sprott)

    def __init__(self, sigma: float = 10.0, rho: float = 28.0, beta: float = 8.0 / 3.0, dt: float = 0.01) -> None:
        self.sigma, self.rho, self.beta = (
            check_number(v, k) for v, k in ((sigma, "sigma"), (rho, "rho"), (beta, "beta"))
        )
        self.dt = check_positive(dt, "dt")

    def kernel_params(self, like: Tensor | None = None) -> tuple[float, float, float, float]:
        return self.sigma, self.rho, self.beta, self.dt

    def field(self, x: Tensor) -> Tensor:
        """The vector field F(x) of the flow (elementwise ops only: bitwise reproducible on any CPU)."""
        return torch.stack(_lorenz_field(x.unbind(-1), self.sigma, self.rho, self.beta), -1)

    def field_jacobian(self, x: Tensor) -> Tensor:
        """DF(x), ``(..., 3, 3)``."""
        return _stack_matrix(_lorenz_dfield(x.unbind(-1), self.sigma, self.rho, self.beta), x[..., 0])

    @staticmethod
    def kernel(x: Components, params: tuple[float, float, float, float]) -> Components:
        """x + (k1 + 2 k2 + 2 k3 + k4) h / 6 with k1 = F(x), k2 = F(x + k1 h/2), k3 = F(x + k2 h/2), k4 = F(x + k3 h)."""
        sigma, rho, beta, h = params
        a, b, c = x
        half = 0.5 * h
        p1, q1, r1 = _lorenz_field(x, sigma, rho, beta)
        p2, q2, r2 = _lorenz_field((a + p1 * half, b + q1 * half, c + r1 * half), sigma, rho, beta)
        p3, q3, r3 = _lorenz_field((a + p2 * half, b + q2 * half, c + r2 * half), sigma, rho, beta)
        p4, q4, r4 = _lorenz_field((a + p3 * h, b + q3 * h, c + r3 * h), sigma, rho, beta)
        w = h / 6.0
        return (
            a + (p1 + p2 * 2.0 + p3 * 2.0 + p4) * w,
            b + (q1 + q2 * 2.0 + q3 * 2.0 + q4) * w,
            c + (r1 + r2 * 2.0 + r3 * 2.0 + r4) * w,
        )

    def jacobian(self, x: Tensor) -> Tensor:
        """d(RK4 step)/dx by the chain rule through the four stages (componentwise: one pass per entry)."""
        x = _state(x, 3)
        return _stack_matrix(self.jacobian_kernel(x.unbind(-1), self.kernel_params()), x[..., 0])

    @staticmethod
    def jacobian_kernel(x: Components, params: tuple[float, float, float, float]) -> Matrix:
        """I + h/6 (D1 + 2 D2 + 2 D3 + D4): D1 = DF(x), D2 = DF(x2)(I + D1 h/2), D3 = DF(x3)(I + D2 h/2),
        D4 = DF(x4)(I + D3 h) at the stage points x2, x3, x4 of the step; entries are components, as in ``kernel``."""
        sigma, rho, beta, h = params
        a, b, c = x
        half = 0.5 * h
        p1, q1, r1 = _lorenz_field(x, sigma, rho, beta)
        x2 = (a + p1 * half, b + q1 * half, c + r1 * half)
        p2, q2, r2 = _lorenz_field(x2, sigma, rho, beta)
        x3 = (a + p2 * half, b + q2 * half, c + r2 * half)
        p3, q3, r3 = _lorenz_field(x3, sigma, rho, beta)
        x4 = (a + p3 * h, b + q3 * h, c + r3 * h)
        d1 = _lorenz_dfield(x, sigma, rho, beta)
        d2 = _matmul(_lorenz_dfield(x2, sigma, rho, beta), _eye_plus(half, d1))
        d3 = _matmul(_lorenz_dfield(x3, sigma, rho, beta), _eye_plus(half, d2))
        d4 = _matmul(_lorenz_dfield(x4, sigma, rho, beta), _eye_plus(h, d3))
        w = h / 6.0
        total = tuple(
            tuple(e1 + e2 * 2.0 + e3 * 2.0 + e4 for e1, e2, e3, e4 in zip(*rows, strict=True))
            for rows in zip(d1, d2, d3, d4, strict=True)
        )
        return _eye_plus(w, total)

    def exponent_sum(self) -> float:
        """-(sigma + 1 + beta): the exact sum of the flow's exponents (per unit time)."""
        return -(self.sigma + 1.0 + self.beta)

    def __repr__(self) -> str:
        return f"Lorenz(sigma={self.sigma:g}, rho={self.rho:g}, beta={self.beta:.4g}, dt={self.dt:g})"


def _lorenz_orbit(x: tuple[float, float, float], params: tuple[float, float, float, float], n: int) -> np.ndarray:
    """``n + 1`` consecutive states ``(n + 1, 3)`` of :meth:`Lorenz.kernel`'s orbit from ``x`` (``x`` first), in
    Python floats: the kernel's arithmetic inlined, operation for operation, so the states are bitwise its own."""
    sigma, rho, beta, h = params
    half, w = 0.5 * h, h / 6.0
    a, b, c = x
    out = array("d")
    keep = out.extend
    for _ in range(n):
        keep((a, b, c))
        p1, q1, r1 = sigma * (b - a), a * (rho - c) - b, a * b - beta * c
        a2, b2, c2 = a + p1 * half, b + q1 * half, c + r1 * half
        p2, q2, r2 = sigma * (b2 - a2), a2 * (rho - c2) - b2, a2 * b2 - beta * c2
        a3, b3, c3 = a + p2 * half, b + q2 * half, c + r2 * half
        p3, q3, r3 = sigma * (b3 - a3), a3 * (rho - c3) - b3, a3 * b3 - beta * c3
        a4, b4, c4 = a + p3 * h, b + q3 * h, c + r3 * h
        p4, q4, r4 = sigma * (b4 - a4), a4 * (rho - c4) - b4, a4 * b4 - beta * c4
        a, b, c = (
            a + (p1 + p2 * 2.0 + p3 * 2.0 + p4) * w,
            b + (q1 + q2 * 2.0 + q3 * 2.0 + q4) * w,
            c + (r1 + r2 * 2.0 + r3 * 2.0 + r4) * w,
        )
    keep((a, b, c))
    return np.frombuffer(out, dtype=np.float64).reshape(n + 1, 3)


def lorenz_exponents(
    system: Lorenz | None = None, *, starts: int = 500, steps: int = 500, transient: int = 1000, seed: int = 0
) -> Tensor:
    """The Lorenz-63 spectrum per unit time, lambda_1 to 1%, in under a second: one orbit cut into an ensemble.

    The recipe: one orbit from the standard start jittered by ``seed`` runs 1000 steps onto the attractor, then
    ``starts * steps + transient`` more (Python floats, the system's kernel inlined; every state kept). Member
    ``j`` of the ensemble follows that orbit from step ``j * steps``: ``transient`` steps to align its tangent
    basis, then ``steps`` steps whose local exponents ``log|R_ii|`` are averaged. The measured windows of the
    members tile ``starts * steps`` consecutive steps of the orbit (samples of the invariant measure). The members'
    states are the orbit's, so only their tangents are pushed: the RK4 Jacobians of a chunk of steps in one
    vectorized call, ``V <- J_t V`` over all members at once, and a Gram-Schmidt QR every ``m`` steps, with ``m``
    such that ``m dt (sigma + 1 + beta) <= 2`` (the volume contracts by at most e^2 between QRs: no precision
    lost). Returns ``(lambda_1, lambda_2, lambda_3)``.

    Two biases of the naive ensemble ``lyapunov_spectrum(L, L.initial_state(B, spread=...), batch=True)`` are
    avoided: a jittered blob leaves one region together and stays in phase for many time units (+0.75% at 256
    starts x 1600 steps, +3% at 1000 x 400), and each member's spectrum is sorted, so where a short window's
    lambda_2 estimate exceeds its lambda_1 the maximum of the two is kept (+15% at 200 steps per member).

    Measured (benchmarks/bench_tiny.py, one thread, idle 2-core machine): 0.64 s per call (median; 0.30 s of it the
    orbit); over 12 seeds lambda_1 is off by -0.00% on average with a scatter of 0.26%, worst +0.56%, all 12 within
    1% of 0.9056. A short transient leaves a deficit (the basis of a member that starts nearly orthogonal to the
    unstable direction aligns slowly): -1.3% with ``transient=500, steps=250``.
    """
    from .analysis import TangentMap
    from .analysis._gram_schmidt import mgs_numpy

    system = Lorenz() if system is None else system
    if not isinstance(system, Lorenz):
        raise TypeError(f"`system` must be a Lorenz instance or None, got {system!r}.")
    starts, steps = check_count(starts, "starts"), check_count(steps, "steps")
    transient, seed = check_count(transient, "transient", minimum=0), check_seed(seed)
    params = system.kernel_params()
    x = tuple(system.initial_state(1, spread=1.0, seed=seed)[0].tolist())
    x = tuple(_lorenz_orbit(x, params, 1000)[-1].tolist())
    orbit = _lorenz_orbit(x, params, starts * steps + transient)  # (starts * steps + transient + 1, 3)
    horizon = transient + steps
    members = np.arange(starts) * steps
    tm = TangentMap(system, batch=True)
    Q = tm.initial_basis(tm.prepare(torch.from_numpy(orbit[members])), seed).permute(1, 2, 0).numpy().copy()
    every = max(1, min(32, int(2.0 / (system.dt * (system.sigma + 1.0 + system.beta)))))
    total = np.zeros((3, starts))
    V, since = Q, 0
    for t0 in range(0, horizon, 256):
        chunk = orbit[np.arange(t0, min(t0 + 256, horizon))[:, None] + members]  # (c, starts, 3)
        Js = system.jacobian(torch.from_numpy(chunk)).permute(0, 2, 3, 1).numpy()  # (c, 3, 3, starts)
        for i, J in enumerate(Js):
            V = (J[:, :, None, :] * V[None]).sum(1)  # (3, 3, starts) x (3, k, starts)
            since += 1
            t = t0 + i + 1
            if since == every or t in (transient, horizon):
                V, d = mgs_numpy(V)
                if t > transient:
                    total += np.log(d)
                since = 0
    with np.errstate(invalid="ignore"):
        return torch.from_numpy(np.nanmean(total, axis=1) / (steps * system.dt))


class Linear(_MapSystem):
    """x -> A x. Its exponents are exactly ln|mu_i| for the eigenvalues mu_i of A (with multiplicity)."""

    def __init__(self, A: Tensor) -> None:
        A = check_tensor(A, "A")
        if A.ndim != 2 or A.shape[0] != A.shape[1]:
            raise ValueError(f"`A` must be a square matrix, got shape {tuple(A.shape)}.")
        self.A, self.dim = A, A.shape[0]
        self._x0 = tuple(1.0 / math.sqrt(self.dim) for _ in range(self.dim))

    def step(self, x: Tensor) -> Tensor:
        return x @ self.A.to(x.dtype).T

    def jacobian(self, x: Tensor) -> Tensor:
        x = _state(x, self.dim)
        return self.A.to(x.dtype).expand(*x.shape[:-1], self.dim, self.dim)

    def exact_exponents(self) -> Tensor:
        """ln|mu_i(A)|, descending."""
        return torch.linalg.eigvals(self.A).abs().log().sort(descending=True).values

    def __repr__(self) -> str:
        return f"Linear(dim={self.dim})"


def lorentzian_frequencies(
    n: int, gamma: float = 0.5, center: float = 0.0, *, dtype: torch.dtype = torch.float64
) -> Tensor:
    """n deterministic natural frequencies at the quantiles of a Lorentzian (Cauchy) of half-width ``gamma``.

    For this distribution the Kuramoto model synchronizes above K_c = 2 gamma with r_inf = sqrt(1 - 2 gamma / K).
    """
    n, gamma = check_count(n, "n"), check_positive(gamma, "gamma")
    center = check_number(center, "center")
    j = torch.arange(1, n + 1, dtype=check_dtype(dtype))
    return center + gamma * torch.tan(math.pi * (j - 0.5) / n - math.pi / 2)


class Kuramoto(_MapSystem):
    """One RK4 step of the classic Kuramoto model on phases theta (..., N):

        d theta_i / dt = omega_i + (K / N) sum_j sin(theta_j - theta_i) = omega_i + K r sin(psi - theta_i)

    with the order parameter r e^{i psi} = mean_j e^{i theta_j} (O(N) per step). Identical oscillators in the
    synchronized state have flow exponents 0 (the common phase) and -K (N - 1 times); the RK4 step gives
    ln R(-K dt) / dt with R(z) = 1 + z + z^2/2 + z^3/6 + z^4/24 (:meth:`sync_exponents`).
    """

    def __init__(self, omega: Tensor | Sequence[float], K: float = 1.0, dt: float = 0.01) -> None:
        if isinstance(omega, (str, bool)):
            raise TypeError(f"`omega` must be a 1-D sequence of frequencies, got omega={omega!r}.")
        self.omega = torch.as_tensor(omega, dtype=torch.float64)
        if self.omega.ndim != 1 or self.omega.numel() < 2:
            raise ValueError(
                f"`omega` must be a 1-D sequence of N >= 2 frequencies, got shape {tuple(self.omega.shape)}."
            )
        self.K, self.dim = check_number(K, "K"), self.omega.numel()
        self.dt = check_positive(dt, "dt")
        self._x0 = tuple(torch.linspace(0, math.pi, self.dim, dtype=torch.float64).tolist())  # half circle: r > 0

    def field(self, theta: Tensor) -> Tensor:
        c, s = torch.cos(theta), torch.sin(theta)
        C, S = c.mean(-1, keepdim=True), s.mean(-1, keepdim=True)
        return self.omega.to(theta.dtype) + self.K * (S * c - C * s)

    def step(self, theta: Tensor) -> Tensor:
        h = self.dt
        k1 = self.field(theta)
        k2 = self.field(theta + 0.5 * h * k1)
        k3 = self.field(theta + 0.5 * h * k2)
        k4 = self.field(theta + h * k3)
        return theta + (h / 6.0) * (k1 + 2 * k2 + 2 * k3 + k4)

    def jacobian(self, theta: Tensor) -> Tensor:
        """Jacobian of the RK4 step, by forward-mode autodiff (no closed form is worth writing)."""
        from torch.func import jacfwd, vmap

        theta = _state(theta, self.dim)
        flat = theta.reshape(-1, self.dim)
        return vmap(jacfwd(self.step))(flat).reshape(*theta.shape, self.dim)

    @staticmethod
    def order_parameter(theta: Tensor) -> Tensor:
        """r = |mean_j e^{i theta_j}| in [0, 1], one per leading index."""
        return torch.sqrt(torch.cos(theta).mean(-1) ** 2 + torch.sin(theta).mean(-1) ** 2)

    def sync_exponents(self) -> Tensor:
        """Exact exponents (per unit time) of the RK4 step at the synchronized state of identical oscillators."""
        z = -self.K * self.dt
        R = 1 + z + z**2 / 2 + z**3 / 6 + z**4 / 24
        rest = torch.full((self.dim - 1,), math.log(abs(R)) / self.dt, dtype=torch.float64)
        return torch.cat((torch.zeros(1, dtype=torch.float64), rest))

    def __repr__(self) -> str:
        return f"Kuramoto(N={self.dim}, K={self.K:g}, dt={self.dt:g})"


def toy_exponents(model: OscillatorToy, tokens: int = 1) -> Tensor:
    """Exact Lyapunov exponents of the oscillator toy (eqs. (17)-(20)) for ``tokens`` independent tokens.

    The linear part I + eta Omega is a direct sum of scaled rotations with moduli rho_p = sqrt(1 + eta^2 omega_p^2).
    Unnormalized (eq. (18)): ln rho_p, twice per channel pair. Normalized (eq. (19)): the state aligns with the
    pair of largest rho and the exponents are ln(rho_p / rho_max), twice per pair, minus the radial direction
    (one zero removed per token): the D - 1 finite exponents per token, descending.
    """
    if not isinstance(model, OscillatorToy):
        raise TypeError(f"`model` must be an OscillatorToy instance, got {model!r}.")
    tokens = check_count(tokens, "tokens")
    eta = float(model.eta)
    w = model.omega.detach().to(torch.float64).expand(model.dim // 2)
    rho = torch.sqrt(1 + eta**2 * w**2)
    if model.normalize:
        e = torch.log(rho / rho.max()).repeat_interleave(2).sort(descending=True).values[1:]
    else:
        e = torch.log(rho).repeat_interleave(2).sort(descending=True).values
    return e.repeat(tokens).sort(descending=True).values
