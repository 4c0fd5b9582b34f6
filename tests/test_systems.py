"""The reference systems: their maps, analytic Jacobians and exact values (the engine's tests use them too)."""

from __future__ import annotations

import math

import pytest
import torch

import sadyn as sd
from sadyn.analysis import jacobian, lyapunov_spectrum
from sadyn.systems import Henon, Kuramoto, Linear, Logistic, Lorenz, lorentzian_frequencies, toy_exponents

F64 = torch.float64


def test_maps_and_batches():
    h = Henon()
    x = torch.tensor([0.5, -0.1], dtype=F64)
    torch.testing.assert_close(h(x), torch.tensor([1 - 1.4 * 0.25 - 0.1, 0.15], dtype=F64))
    assert h(torch.zeros(4, 3, 2, dtype=F64)).shape == (4, 3, 2)
    assert Logistic(4.0)(torch.tensor([0.5], dtype=F64)).item() == 1.0
    assert h.initial_state().shape == (2,) and h.initial_state(5, spread=0.1).shape == (5, 2)
    assert h.rollout(h.initial_state(), 10).shape == (11, 2)
    assert (
        repr(h) == "Henon(a=1.4, b=0.3)" and "Lorenz(" in repr(Lorenz()) and "Kuramoto(N=3" in repr(Kuramoto([0, 1, 2]))
    )
    with pytest.raises(ValueError, match=r"`x` must have shape \(\.\.\., 2\)"):
        h(torch.zeros(3, dtype=F64))
    with pytest.raises(ValueError, match="`A` must be a square matrix"):
        Linear(torch.zeros(2, 3))
    with pytest.raises(ValueError, match="`dt` must be a finite number > 0"):
        Lorenz(dt=0)


def test_lorenz_rk4_converges_at_fourth_order():
    """Halving dt divides the one-unit-time error by about 2^4 (classical RK4)."""
    x0 = torch.tensor([1.0, 1.0, 20.0], dtype=F64)

    def run(dt):
        L = Lorenz(dt=dt)
        x = x0
        for _ in range(round(0.5 / dt)):
            x = L(x)
        return x

    ref = run(0.0005)
    e1, e2 = (run(0.01) - ref).norm(), (run(0.005) - ref).norm()
    assert 12 < float(e1 / e2) < 20


def test_lorenz_jacobian_determinant_is_the_flow_contraction():
    """det(step Jacobian) = exp(-(sigma + 1 + beta) dt) up to RK4's O(dt^5) local error."""
    L = Lorenz()
    x = torch.tensor([3.0, -2.0, 25.0], dtype=F64)
    assert abs(float(torch.linalg.det(L.jacobian(x))) - math.exp(L.exponent_sum() * L.dt)) < 1e-6
    torch.testing.assert_close(L.jacobian(x), jacobian(L, x), atol=1e-13, rtol=0)


def test_kuramoto_order_parameter_matches_theory():
    """Lorentzian frequencies (half-width 0.5, so K_c = 1) at K = 2: r_inf = sqrt(1 - 2 gamma / K) = 0.7071.
    With N = 4000 deterministic quantiles the finite-size error is below 0.01."""
    omega = lorentzian_frequencies(4000, gamma=0.5)
    sys = Kuramoto(omega, K=2.0, dt=0.05)
    theta = torch.rand(4000, generator=torch.Generator().manual_seed(0), dtype=F64) * 0.5  # start coherent
    rs = []
    for t in range(800):
        theta = sys(theta)
        if t >= 400:
            rs.append(float(sys.order_parameter(theta)))
    assert abs(sum(rs) / len(rs) - math.sqrt(0.5)) < 0.01
    incoherent = Kuramoto(omega[::8], K=0.5, dt=0.1)  # below K_c: r decays to O(N^-1/2)
    th = torch.rand(500, generator=torch.Generator().manual_seed(1), dtype=F64) * 0.5
    for _ in range(600):
        th = incoherent(th)
    assert float(incoherent.order_parameter(th)) < 0.15


def test_kuramoto_sync_spectrum():
    sys = Kuramoto(torch.zeros(5), K=1.5, dt=0.1)
    r = lyapunov_spectrum(sys, torch.full((5,), 0.2, dtype=F64), steps=100, transient=400, dt=sys.dt)
    torch.testing.assert_close(r.exponents, sys.sync_exponents(), atol=1e-10, rtol=0)
    assert abs(float(sys.sync_exponents()[1]) + 1.5) < 1e-4  # RK4 reproduces the flow's -K to O(dt^4)


def test_linear_exact_exponents_and_lorentzian_quantiles():
    A = torch.tensor([[0.0, -2.0], [2.0, 0.0]], dtype=F64)
    torch.testing.assert_close(Linear(A).exact_exponents(), torch.full((2,), math.log(2.0), dtype=F64))
    w = lorentzian_frequencies(1001, gamma=0.5, center=1.0)
    assert float(w.median()) == pytest.approx(1.0, abs=1e-12)
    assert float(((w - 1).abs() < 0.5).double().mean()) == pytest.approx(0.5, abs=1e-3)  # half-width at half-mass


def test_toy_exponents_closed_form():
    toy = sd.OscillatorToy(4, eta=0.5, omega=[1.0, 2.0])
    rho1, rho2 = math.sqrt(1 + 0.25), math.sqrt(1 + 1.0)
    torch.testing.assert_close(
        toy_exponents(toy),
        torch.tensor([0.0, math.log(rho1 / rho2)] * 1, dtype=F64).repeat_interleave(torch.tensor([1, 2])),
    )
    free = sd.OscillatorToy(4, eta=0.5, omega=[1.0, 2.0], normalize=False)
    torch.testing.assert_close(
        toy_exponents(free, tokens=2), torch.tensor([math.log(rho2)] * 4 + [math.log(rho1)] * 4, dtype=F64)
    )
    same = sd.OscillatorToy(6, eta=0.3, omega=1.0)
    torch.testing.assert_close(toy_exponents(same), torch.zeros(5, dtype=F64))  # a rotation on the sphere
