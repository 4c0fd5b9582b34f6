"""The kernel path of the tangent engine (tiny sadyn systems on CPU float64) against the tensor path.

A sadyn system with a componentwise ``kernel`` runs its orbit in Python floats or numpy, its analytic Jacobian
vectorized over a chunk, and a Gram-Schmidt QR in floats or numpy. Wrapping the same system in a plain function
(no kernel) with ``jac=system.jacobian`` gives the tensor path with the same Jacobians and ``torch.linalg.qr``:
both must agree to rounding (1e-12), including divergence, transients, QR intervals and ``k < n``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from sadyn.analysis import TangentMap, lyapunov_spectrum
from sadyn.analysis._gram_schmidt import mgs_floats, mgs_numpy
from sadyn.analysis.tangent import _kernel_of
from sadyn.systems import Henon, Logistic, Lorenz, lorenz_exponents

F64 = torch.float64


def both(system, x0, analytic=True, **kw):
    """(kernel path, tensor path) results of the same call; the tensor path with the system's own Jacobian, or
    autodiff Jacobians (``analytic=False``: a tensor logistic ``r`` has no per-system ``jac``)."""
    fast = lyapunov_spectrum(system, x0, **kw)
    slow = lyapunov_spectrum(lambda x: system(x), x0, jac=system.jacobian if analytic else None, **kw)
    return fast, slow


def same(a, b, atol=1e-12):
    torch.testing.assert_close(a.exponents, b.exponents, atol=atol, rtol=0)
    torch.testing.assert_close(a.history, b.history, atol=atol, rtol=0, equal_nan=True)
    assert a.status == b.status and a.diverged_at == b.diverged_at and a.steps == b.steps


def test_kernel_step_is_the_step():
    """``step`` is the kernel on the components; floats, numpy and torch give the same float64 numbers."""
    for system in (Henon(), Lorenz(), Logistic(3.7)):
        x = system.initial_state(5, spread=0.1)
        y = system(x)
        params = system.kernel_params()
        out_np = np.stack(system.kernel(tuple(x.numpy().T), params), -1)
        out_f = system.kernel(tuple(x[0].tolist()), params)
        assert np.array_equal(out_np, y.numpy()) and list(out_f) == y[0].tolist()
        assert _kernel_of(TangentMap(system, batch=True).prepare(x)) is not None  # the fast path is taken
        assert _kernel_of(TangentMap(lambda v, s=system: s(v), batch=True).prepare(x)) is None
        assert _kernel_of(TangentMap(system, batch=True).prepare(x.float())) is None  # float64 only


@pytest.mark.parametrize("name", ["henon", "lorenz"])
@pytest.mark.parametrize("kw", [{}, {"transient": 50, "reorthonormalize_every": 3}, {"k": 1}, {"k": 2, "seed": 3}])
def test_kernel_path_matches_tensor_path(name, kw):
    system = Henon() if name == "henon" else Lorenz()
    if name == "henon" and kw.get("k") == 2:
        kw = {**kw, "k": 1}
    fast, slow = both(system, system.initial_state(), steps=1500, **kw)
    same(fast, slow)
    batch = system.initial_state(5, spread=0.05 if name == "henon" else 2.0)
    fast, slow = both(system, batch, steps=700, batch=True, **kw)
    same(fast, slow)


def test_logistic_scalar_and_tensor_r():
    x0 = torch.tensor([0.3], dtype=F64)
    same(*both(Logistic(4.0), x0, steps=3000, transient=10))
    r = torch.tensor([2.8, 3.5, 3.9, 4.0], dtype=F64)
    fast, slow = both(Logistic(r), torch.full((4, 1), 0.3, dtype=F64), False, steps=3000, transient=500, batch=True)
    same(fast, slow)
    assert abs(float(fast.exponents[0, 0]) - math.log(0.8)) < 1e-6


def test_divergence_matches_tensor_path():
    """Henon from (3, 3) escapes to -inf at step 10: the same step is reported by both paths. On the way |x| reaches
    1e34 and J is too ill-conditioned (cond ~ x^2 / b > 1 / eps) for any float64 QR to resolve lambda_2 (Householder
    returns R_22 = 0, Gram-Schmidt ln(b / R_11) by luck): only lambda_1 is compared for such a system."""
    h = Henon()
    fast, slow = both(h, torch.tensor([3.0, 3.0], dtype=F64), steps=100)
    assert fast.status == "divergent" and fast.diverged_at == slow.diverged_at == 10
    torch.testing.assert_close(fast.history[..., 0], slow.history[..., 0], atol=1e-12, rtol=0, equal_nan=True)
    x0 = torch.tensor([[0.1, 0.1], [3.0, 3.0], [0.2, 0.0]], dtype=F64)
    fast, slow = both(h, x0, steps=300, transient=5, batch=True)
    assert fast.status == ("ok", "divergent", "ok") and fast.diverged_at == slow.diverged_at
    torch.testing.assert_close(fast.exponents[:, 0], slow.exponents[:, 0], atol=1e-12, rtol=0)
    torch.testing.assert_close(fast.exponents[[0, 2]], slow.exponents[[0, 2]], atol=1e-12, rtol=0)
    r = torch.tensor([4.0, 5.0], dtype=F64)  # r = 5 escapes
    fast, slow = both(Logistic(r), torch.full((2, 1), 0.3, dtype=F64), False, steps=500, batch=True)
    assert fast.status == ("ok", "divergent")
    same(fast, slow)


def test_subclass_with_its_own_step_keeps_its_map():
    """A subclass that overrides ``step`` but not ``kernel`` must not be run with the parent's kernel."""

    class Damped(Henon):
        def step(self, x):
            return 0.5 * super().step(x)

    d = Damped()
    mine = lyapunov_spectrum(d, d.initial_state(), steps=300)
    plain = lyapunov_spectrum(lambda x: d(x), d.initial_state(), steps=300)
    torch.testing.assert_close(mine.exponents, plain.exponents, atol=1e-12, rtol=0)
    assert abs(float(mine.exponents.sum()) - math.log(0.5 * 0.5 * 0.3)) < 1e-10  # det J = -0.25 b


def test_small_qr_against_torch():
    """|diag R| and the span of Q from Gram-Schmidt agree with torch.linalg.qr (floats and the numpy batch)."""
    g = torch.Generator().manual_seed(0)
    for n, k in ((2, 2), (3, 3), (3, 1), (4, 2)):
        V = torch.randn(6, n, k, generator=g, dtype=F64)
        Q, R = torch.linalg.qr(V)
        q1, d1 = mgs_floats(V[0].T.tolist())
        torch.testing.assert_close(torch.tensor(d1, dtype=F64), R[0].diagonal().abs(), atol=1e-13, rtol=0)
        q1 = torch.tensor(q1, dtype=F64).T
        torch.testing.assert_close(q1 @ (q1.T @ Q[0]), Q[0], atol=1e-13, rtol=0)  # same span
        qb, db = mgs_numpy(V.permute(1, 2, 0).numpy())
        torch.testing.assert_close(torch.from_numpy(db).T, R.diagonal(dim1=-2, dim2=-1).abs(), atol=1e-13, rtol=0)
        torch.testing.assert_close(torch.from_numpy(qb).permute(2, 0, 1)[0], q1, atol=1e-13, rtol=0)
    huge = [[1e200, 3e200], [2e200, -1e200]]  # squares overflow float64: the norms must not
    _, d = mgs_floats(huge)
    _, db = mgs_numpy(np.array(huge).T[:, :, None])
    assert all(map(math.isfinite, d)) and np.isfinite(db).all()
    assert d[0] == pytest.approx(math.sqrt(10) * 1e200, rel=1e-15) and db[0, 0] == pytest.approx(d[0], rel=1e-15)


@pytest.mark.slow
def test_lorenz_recipe_within_one_percent():
    """The documented recipe (sadyn.systems.lorenz_exponents): lambda_1 within 1% of 0.9056 for three seeds; the
    sum within 1e-3 of -(sigma + 1 + beta)."""
    for seed in (0, 1, 2):
        e = lorenz_exponents(seed=seed)
        assert abs(float(e[0]) - 0.9056) < 0.01 * 0.9056
        assert abs(float(e.sum()) - Lorenz().exponent_sum()) < 1e-3


def test_lorenz_recipe_orbit_is_the_kernels_bitwise():
    """The recipe's inlined orbit (systems._lorenz_orbit) is Lorenz.kernel's orbit, state for state, bitwise."""
    from sadyn.systems import _lorenz_orbit

    system = Lorenz(sigma=11.0, rho=30.0, dt=0.02)
    params = system.kernel_params()
    x = (0.5, -1.0, 22.0)
    orbit = _lorenz_orbit(x, params, 300)
    assert orbit.shape == (301, 3)
    for row in orbit.tolist():
        assert tuple(row) == x
        x = system.kernel(x, params)


def test_lorenz_recipe_equals_the_engine_on_the_same_windows():
    """lorenz_exponents pushes the members' tangents itself (QR every few steps); on the same orbit windows the
    engine (QR every step) gives the same pooled exponents to rounding."""
    from sadyn.analysis import TangentMap
    from sadyn.systems import _lorenz_orbit

    system, starts, steps, transient, seed = Lorenz(), 4, 60, 30, 3
    got = lorenz_exponents(system, starts=starts, steps=steps, transient=transient, seed=seed)
    params = system.kernel_params()
    x = tuple(system.initial_state(1, spread=1.0, seed=seed)[0].tolist())
    x = tuple(_lorenz_orbit(x, params, 1000)[-1].tolist())
    points = torch.from_numpy(_lorenz_orbit(x, params, starts * steps)[::steps][:starts].copy())
    tm = TangentMap(system, batch=True)
    p = tm.prepare(points)
    run = tm.start(p, seed)
    tm.blocks(p, run, [1] * transient)
    want = tm.blocks(p, run, [1] * steps).mean((0, 1)) / system.dt
    torch.testing.assert_close(got, want, rtol=1e-10, atol=1e-10)


def test_first_call_on_a_system_imports_no_compiler(tmp_path):
    """A fresh process's first lyapunov_spectrum on a componentwise system neither imports torch._dynamo (torch's
    first forward-mode product does) nor sympy (autograd.grad with explicit grad_outputs does): seconds a learner
    would wait for nothing, since no engine differentiates these maps."""
    import subprocess
    import sys

    code = (
        "import sys, torch, sadyn as sd\n"
        "from sadyn.systems import Logistic, Henon, Lorenz\n"
        "before = set(sys.modules)\n"
        "for f, x in ((Logistic(4.0), [0.3]), (Henon(), [0.1, 0.1]), (Lorenz(), [1.0, 1.0, 20.0])):\n"
        "    sd.lyapunov_spectrum(f, torch.tensor(x, dtype=torch.float64), steps=50)\n"
        "new = {m for m in set(sys.modules) - before if m.startswith(('torch._dynamo', 'sympy'))}\n"
        "print(sorted(new)[:3])\n"
        "sys.exit(1 if new else 0)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
