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

Published values: Sprott, *Chaos and Time-Series Analysis* (2003) and sprott.physics.wisc.edu/chaos/lespec.htm
(Wolf et al., Physica D 16, 285 (1985)); Kuramoto: Strogatz, Physica D 143, 1 (2000).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

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
]


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

    def step(self, x: Tensor) -> Tensor:
        raise NotImplementedError

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

    def step(self, x: Tensor) -> Tensor:
        return torch.stack((1 - self.a * x[..., 0] ** 2 + x[..., 1], self.b * x[..., 0]), dim=-1)

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

    def step(self, x: Tensor) -> Tensor:
        return self._r(x) * x * (1 - x)

    def jacobian(self, x: Tensor) -> Tensor:
        return (self._r(x) * (1 - 2 * _state(x, 1)))[..., None]

    def __repr__(self) -> str:
        r = f"tensor of {self.r.numel()}" if isinstance(self.r, Tensor) else f"{self.r:g}"
        return f"Logistic(r={r})"


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

    def field(self, x: Tensor) -> Tensor:
        """The vector field F(x) of the flow (elementwise ops only: bitwise reproducible on any CPU)."""
        a, b, c = x.unbind(-1)
        return torch.stack((self.sigma * (b - a), a * torch.rsub(c, self.rho) - b, a * b - self.beta * c), -1)

    def field_jacobian(self, x: Tensor) -> Tensor:
        """DF(x), ``(..., 3, 3)``."""
        a, b, c = x[..., 0], x[..., 1], x[..., 2]
        one, zero = torch.ones_like(a), torch.zeros_like(a)
        rows = (
            torch.stack((-self.sigma * one, self.sigma * one, zero), -1),
            torch.stack((self.rho - c, -one, -a), -1),
            torch.stack((b, a, -self.beta * one), -1),
        )
        return torch.stack(rows, -2)

    def step(self, x: Tensor) -> Tensor:
        h = self.dt
        k1 = self.field(x)
        k2 = self.field(x + k1 * (0.5 * h))
        k3 = self.field(x + k2 * (0.5 * h))
        k4 = self.field(x + k3 * h)
        return x + (k1 + k2 * 2.0 + k3 * 2.0 + k4) * (h / 6.0)

    def jacobian(self, x: Tensor) -> Tensor:
        """d(RK4 step)/dx by the chain rule through the four stages."""
        x = _state(x, 3)
        h = self.dt
        eye = torch.eye(3, dtype=x.dtype, device=x.device).expand(*x.shape[:-1], 3, 3)
        k1 = self.field(x)
        d1 = self.field_jacobian(x)
        x2 = x + 0.5 * h * k1
        k2, d2 = self.field(x2), self.field_jacobian(x2) @ (eye + 0.5 * h * d1)
        x3 = x + 0.5 * h * k2
        k3, d3 = self.field(x3), self.field_jacobian(x3) @ (eye + 0.5 * h * d2)
        d4 = self.field_jacobian(x + h * k3) @ (eye + h * d3)
        return eye + (h / 6.0) * (d1 + 2 * d2 + 2 * d3 + d4)

    def exponent_sum(self) -> float:
        """-(sigma + 1 + beta): the exact sum of the flow's exponents (per unit time)."""
        return -(self.sigma + 1.0 + self.beta)

    def __repr__(self) -> str:
        return f"Lorenz(sigma={self.sigma:g}, rho={self.rho:g}, beta={self.beta:.4g}, dt={self.dt:g})"


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
