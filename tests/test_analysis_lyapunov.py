"""lyapunov_spectrum / TangentMap / LyapunovSpectrum: closed forms first, published values second, then the contract.

Tolerances: linear maps (and the oscillator toy, and synchronized Kuramoto oscillators) have local exponents that
are exactly ln|mu_i| once the basis is aligned, so after the transient they must match to ~1e-9 in float64
(1e-4 in float32: rounding of ~1e-7 per step on O(1) quantities). Chaotic references converge like 1/sqrt(T),
and their tolerances are set from the spread of finite-time estimates at the chosen T (stated at each test).
"""

from __future__ import annotations

import dataclasses
import math

import pytest
import torch
from problems import closed_form, oscillator_toy

import sadyn as sd
from sadyn.analysis import LyapunovSpectrum, TangentMap, lyapunov_spectrum
from sadyn.systems import Henon, Linear, Logistic, Lorenz

F64 = torch.float64


@pytest.mark.parametrize("problem", closed_form(), ids=lambda p: p.name)
@pytest.mark.parametrize("method", ["dense", "jvp"])
def test_closed_form_full_spectrum(problem, method):
    r = lyapunov_spectrum(problem.f, problem.state(), steps=problem.steps, transient=problem.transient, method=method)
    torch.testing.assert_close(r.exponents, problem.exact(), atol=problem.atol, rtol=0)
    assert r.status == "ok" and r.diverged_at is None and r.method == method


@pytest.mark.parametrize("problem", closed_form()[:4], ids=lambda p: p.name)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("k", [1, None])
def test_closed_form_dtype_and_k(problem, dtype, k):
    f = problem.f
    if isinstance(f, Linear):
        f = Linear(f.A.to(dtype))
    r = lyapunov_spectrum(f, problem.state(dtype), steps=problem.steps, transient=problem.transient, k=k)
    exact = problem.exact(dtype)[: (k or len(problem.exponents))]
    assert r.exponents.dtype == dtype
    torch.testing.assert_close(r.exponents, exact, atol=problem.atol if dtype == F64 else 1e-4, rtol=0)


def test_oscillator_toy_exact_and_radial_exclusion():
    """Normalized toy, 2 tokens of 6 channels: exactly 2 radial exponents excluded, the 10 others analytic."""
    p = oscillator_toy()
    r = lyapunov_spectrum(p.f, p.state(), steps=p.steps, transient=p.transient, constraint="sphere")
    assert r.k == 10 and r.excluded == 2 and r.dimension == 12
    torch.testing.assert_close(r.exponents, p.exact(), atol=p.atol, rtol=0)
    full = lyapunov_spectrum(p.f, p.state(), steps=p.steps, transient=p.transient, k=12)
    torch.testing.assert_close(full.exponents[:10], r.exponents, atol=1e-8, rtol=0)
    assert (full.exponents[10:] < -20).all()  # the radial directions: rounding noise, ~ln(1e-16)
    assert math.isclose(r.mean, float(p.exact().mean()), abs_tol=1e-6)


def test_itrsa_sphere_constraint_excludes_one_direction_per_token():
    g = torch.Generator().manual_seed(0)
    S, D = 3, 4
    model = sd.ItrSA(D, 2, norm="rms", gamma=0.8, dtype=F64, generator=g)
    C = torch.randn(S, D, generator=g, dtype=F64)
    X0 = model.norm(torch.randn(S, D, generator=g, dtype=F64))
    f = model.as_map(C)
    r = lyapunov_spectrum(f, X0, steps=150, transient=50, constraint="sphere")
    full = lyapunov_spectrum(f, X0, steps=150, transient=50, k=S * D)
    assert r.k == S * D - S and r.excluded == S
    assert torch.isfinite(r.exponents).all() and (r.exponents > -15).all()
    assert (full.exponents[S * D - S :] < -25).all()  # the radial ones: rounding noise
    # after one step both bases span range(J) (dimension n - S): the volume growth, hence the sum, is identical;
    # individual exponents differ only by the O(1/T) alignment within that subspace
    assert abs(float(full.exponents[: S * D - S].sum() - r.exponents.sum())) < 1e-9
    torch.testing.assert_close(full.exponents[: S * D - S], r.exponents, atol=0.02, rtol=0)


def test_henon_sum_exact_and_values_in_range():
    """2e4 steps: lambda_1 scatter ~ 4e-3 (batch-means stderr); the sum is ln b to rounding at every step."""
    h = Henon()
    r = lyapunov_spectrum(h, h.initial_state(), steps=20_000, transient=100)
    assert abs(float(r.exponents.sum()) - math.log(0.3)) < 1e-10
    assert abs(r.exponents[0] - 0.41922) < 0.01 and abs(r.exponents[1] + 1.62319) < 0.01
    assert 0 < r.stderr[0] < 0.01
    jac = lyapunov_spectrum(h, h.initial_state(), steps=2000, transient=100, jac=h.jacobian)
    auto = lyapunov_spectrum(h, h.initial_state(), steps=2000, transient=100)
    torch.testing.assert_close(jac.exponents, auto.exponents, atol=1e-12, rtol=0)


def test_logistic_ln2_and_batch_of_parameters():
    """r = 4: ln 2 within 2e-3 at 2e4 steps (stderr ~8e-4); a batch gives one exponent per parameter."""
    single = lyapunov_spectrum(Logistic(4.0), torch.tensor([0.3], dtype=F64), steps=20_000, transient=100)
    assert abs(single.max - math.log(2)) < 2e-3
    r = torch.tensor([2.8, 3.2, 3.5, 4.0], dtype=F64)
    batch = lyapunov_spectrum(Logistic(r), torch.full((4, 1), 0.3, dtype=F64), steps=20_000, transient=500, batch=True)
    assert batch.exponents.shape == (4, 1) and batch.status == ("ok",) * 4
    # fixed point 1 - 1/r for r < 3: lambda = ln|2 - r| exactly; period-2 at 3.2 and period-4 at 3.5: negative
    assert abs(float(batch.exponents[0, 0]) - math.log(0.8)) < 1e-6
    assert batch.exponents[1, 0] < 0 and batch.exponents[2, 0] < 0
    assert abs(float(batch.exponents[3, 0]) - float(single.max)) < 5e-3


def test_lorenz_ensemble_sum_and_values():
    """32 jittered starts x 1500 RK4 steps (15 time units each, 480 in all): ensemble mean within the finite-T
    scatter (0.05 for lambda_1, 0.3 for lambda_3); the sum is -(sigma + 1 + beta) up to RK4 and averaging error."""
    L = Lorenz()
    r = lyapunov_spectrum(L, L.initial_state(32, spread=2.0), steps=1500, transient=300, batch=True, dt=L.dt)
    mean = r.exponents.mean(0)
    assert abs(mean[0] - 0.9056) < 0.05 and abs(mean[1]) < 0.03 and abs(mean[2] + 14.5723) < 0.3
    assert abs(float(r.exponents.sum(-1).mean()) - L.exponent_sum()) < 2e-3


def test_batch_matches_individual_runs():
    h = Henon()
    x0 = h.initial_state(3, spread=0.05)
    batch = lyapunov_spectrum(h, x0, steps=300, transient=20, batch=True)
    for b in range(3):
        one = lyapunov_spectrum(h, x0[b], steps=300, transient=20)
        torch.testing.assert_close(batch.exponents[b], one.exponents, atol=1e-10, rtol=0)


def test_reorthonormalize_every_keeps_the_values():
    p = closed_form()[0]
    r = lyapunov_spectrum(p.f, p.state(), steps=300, transient=200, reorthonormalize_every=7)
    torch.testing.assert_close(r.exponents, p.exact(), atol=1e-9, rtol=0)
    h = Henon()
    a = lyapunov_spectrum(h, h.initial_state(), steps=3000, transient=100)
    b = lyapunov_spectrum(h, h.initial_state(), steps=3000, transient=100, reorthonormalize_every=4)
    assert abs(float(a.exponents.sum() - b.exponents.sum())) < 1e-9  # the sum is exact either way
    assert abs(float(a.exponents[0] - b.exponents[0])) < 5e-3


def test_history_stderr_and_repr():
    h = Henon()
    r = lyapunov_spectrum(h, h.initial_state(), steps=2500, transient=50)
    assert r.history.shape == (r.history_steps.numel(), 2) and int(r.history_steps[-1]) == 2500
    assert r.history.shape[0] <= 1000
    torch.testing.assert_close(r.history[-1], r.exponents)
    assert torch.isfinite(r.stderr).all() and (r.stderr > 0).all()
    text = repr(r)
    assert "LyapunovSpectrum(k=2 of 2" in text and "status='ok'" in text and "±" in text
    assert isinstance(r.max, float) and isinstance(r.mean, float)
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.steps = 3  # type: ignore[misc]  # frozen


def test_divergence_is_reported_not_nan():
    """x -> 2x from 1e290 overflows float64 (1.8e308) at step 61: status divergent, the step, the exponents before."""
    f = Linear(torch.tensor([[2.0, 0.0], [0.0, 0.5]], dtype=F64))
    x0 = torch.tensor([1e290, 1.0], dtype=F64)
    r = lyapunov_spectrum(f, x0, steps=300, transient=30, method="dense")
    assert r.status == "divergent" and r.diverged_at == 61
    torch.testing.assert_close(r.exponents, torch.tensor([math.log(2), math.log(0.5)], dtype=F64), atol=1e-12, rtol=0)
    assert int(r.history_steps[-1]) == 300 and torch.isfinite(r.history[-1]).all()
    assert sd.classify_regime(r) == "divergent" and "divergent at step 61" in repr(r)
    rj = lyapunov_spectrum(f, x0, steps=300, transient=30, method="jvp")
    assert rj.status == "divergent" and rj.diverged_at == r.diverged_at


def test_divergence_in_a_batch_only_flags_that_system():
    f = Logistic(torch.tensor([4.0, 5.0], dtype=F64))  # r = 5 escapes to -inf
    r = lyapunov_spectrum(f, torch.full((2, 1), 0.3, dtype=F64), steps=2000, batch=True)
    assert r.status == ("ok", "divergent") and r.diverged_at[0] is None and r.diverged_at[1] < 20
    assert abs(float(r.exponents[0, 0]) - math.log(2)) < 0.03
    assert sd.classify_regime(r) == ("chaotic", "divergent")


def test_unnormalized_itrsa_diverges_and_normalized_does_not():
    g = torch.Generator().manual_seed(1)
    model = sd.ItrSA(8, 2, norm=None, eta=1.0, scale=3.0, dtype=F64, generator=g)
    X0 = torch.randn(4, 8, generator=g, dtype=F64)
    r = lyapunov_spectrum(model.as_map(X0), X0, steps=400, k=2)
    assert r.status == "divergent" and r.diverged_at is not None
    assert torch.isfinite(r.exponents).all() and r.max > 0
    model.norm = sd.Normalization("rms", 8, dtype=F64)
    ok = lyapunov_spectrum(model.as_map(X0), X0, steps=100, k=2)
    assert ok.status == "ok"


def test_tangent_map_reuse_and_clash():
    h = Henon()
    tm = TangentMap(h, k=1)
    a = lyapunov_spectrum(tm, h.initial_state(), steps=500)
    b = lyapunov_spectrum(tm, h.initial_state(), steps=500)
    assert a.k == 1 and torch.equal(a.exponents, b.exponents)
    assert "TangentMap(" in repr(tm)
    with pytest.raises(ValueError, match="`k` belong to the TangentMap"):
        lyapunov_spectrum(tm, h.initial_state(), steps=10, k=2)


def test_default_k_and_method_choice():
    r = lyapunov_spectrum(Henon(), Henon().initial_state(), steps=5)
    assert r.k == 2 and r.method == "dense"
    big = Linear(0.5 * torch.eye(100, dtype=F64))
    r = lyapunov_spectrum(big, torch.ones(100, dtype=F64), steps=3)
    assert r.k == 16 and r.method == "jvp"
    torch.testing.assert_close(r.exponents, torch.full((16,), math.log(0.5), dtype=F64), atol=1e-12, rtol=0)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(steps=0), r"`steps` must be an integer >= 1, got steps=0"),
        (dict(steps=2.5), r"`steps` must be an integer >= 1, got steps=2.5"),
        (dict(steps=10, k=3), r"`k` must be an integer in \[1, 2\], got k=3; pass k=None"),
        (dict(steps=10, k=0), r"`k` must be an integer in \[1, 2\], got k=0"),
        (dict(steps=10, transient=-1), r"`transient` must be an integer >= 0"),
        (dict(steps=10, reorthonormalize_every=0), r"`reorthonormalize_every` must be an integer >= 1"),
        (dict(steps=10, method="qr"), r"`method` must be one of"),
        (dict(steps=10, constraint="ball"), r"`constraint` must be one of"),
        (dict(steps=10, constraint="sphere", group=3), r"`group` must be a positive divisor"),
        (dict(steps=10, dt=0.0), r"`dt` must be a finite number > 0"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        lyapunov_spectrum(Henon(), Henon().initial_state(), **kwargs)


def test_k_range_accounts_for_radial_directions():
    p = oscillator_toy()
    with pytest.raises(ValueError, match=r"\[1, 10\] \(the state has 12 entries, 2 radial directions excluded\)"):
        lyapunov_spectrum(p.f, p.state(), steps=5, k=11, constraint="sphere")


def test_bad_maps():
    x = torch.zeros(3, dtype=F64)
    with pytest.raises(TypeError, match="`f` must be a callable map"):
        lyapunov_spectrum("henon", x, steps=3)
    with pytest.raises(ValueError, match=r"same shape: f\(x0\) has shape \(2,\), x0 has shape \(3,\)"):
        lyapunov_spectrum(lambda v: v[:2], x, steps=3)
    with pytest.raises(ValueError, match=r"`f\(x0\)` contains NaN or inf"):
        lyapunov_spectrum(lambda v: v / 0.0, x, steps=3)
    with pytest.raises(TypeError, match="not differentiable with respect to its input"):
        lyapunov_spectrum(lambda v: torch.tanh(v.detach()), x, steps=3)
    with pytest.raises(TypeError, match="must keep the dtype"):
        lyapunov_spectrum(lambda v: v.float(), x, steps=3)
    with pytest.raises(ValueError, match="`x0` contains NaN or inf"):
        lyapunov_spectrum(torch.tanh, torch.tensor([math.nan], dtype=F64), steps=3)
    with pytest.raises(TypeError, match="`x0` must be a torch.Tensor"):
        lyapunov_spectrum(torch.tanh, [0.1, 0.2], steps=3)


def test_result_type_is_frozen_dataclass():
    import dataclasses

    assert dataclasses.is_dataclass(LyapunovSpectrum)
    assert LyapunovSpectrum.__dataclass_params__.frozen


@pytest.mark.slow
def test_long_reference_runs():
    """1e5 steps (numerics.md section 2): Henon within 2e-3 per exponent and its sum to 1e-10; logistic ln 2 within
    2e-4. Lorenz as an ensemble of 256 x 1600 RK4 steps (4096 time units): the members' lambda_1 over 16 time units
    scatter by ~0.075, so the mean's standard error is ~0.005 and lambda_1 must be within 0.02 (2%); the sum of the
    exponents is a property of every step, within 1e-3 of -(sigma + 1 + beta)."""
    h = Henon()
    r = lyapunov_spectrum(h, h.initial_state(), steps=100_000, transient=1000)
    assert abs(float(r.exponents[0]) - 0.41922) < 2e-3 and abs(float(r.exponents[1]) + 1.62319) < 2e-3
    assert abs(float(r.exponents.sum()) - math.log(0.3)) < 1e-10
    lg = lyapunov_spectrum(Logistic(4.0), torch.tensor([0.3], dtype=F64), steps=100_000, transient=100)
    assert abs(lg.max - math.log(2)) < 2e-4
    L = Lorenz()
    lz = lyapunov_spectrum(L, L.initial_state(256, spread=2.0), steps=1600, transient=400, batch=True, dt=L.dt)
    mean = lz.exponents.mean(0)
    assert abs(float(mean[0]) - 0.9056) < 0.02 and abs(float(mean[1])) < 0.01
    assert abs(float(mean[2]) + 14.5723) < 0.1
    assert abs(float(lz.exponents.sum(-1).mean()) - L.exponent_sum()) < 1e-3


def test_finite_difference_engine_matches_autodiff():
    """method="fd": central differences with h = eps^(1/3) have relative error ~eps^(2/3) = 4e-11 per product in
    float64, so the exponents agree with the forward-mode engine far below any statistical error."""
    g = torch.Generator().manual_seed(0)
    model = sd.ItrSA(8, 2, gamma=1.5, dtype=F64, generator=g)
    C = torch.randn(6, 8, generator=g, dtype=F64)
    X0 = model.norm(torch.randn(6, 8, generator=g, dtype=F64))
    a = lyapunov_spectrum(model.as_map(C), X0, steps=100, k=5, method="jvp")
    b = lyapunov_spectrum(model.as_map(C), X0, steps=100, k=5, method="fd")
    assert b.method == "fd"
    torch.testing.assert_close(a.exponents, b.exponents, atol=1e-8, rtol=0)
    p = closed_form()[0]
    r = lyapunov_spectrum(p.f, p.state(), steps=p.steps, transient=p.transient, method="fd")
    torch.testing.assert_close(r.exponents, p.exact(), atol=1e-9, rtol=0)
    with pytest.raises(ValueError, match="`jac` \\(a dense Jacobian\\) needs method="):
        TangentMap(p.f, jac=p.f.jacobian, method="fd")


def test_akorn_oscillator_wise_constraint():
    """AKOrN (3 tokens x 2 oscillators of 4): exactly 6 radial directions excluded; the 18 kept span range(J),
    so their sum equals the sum of the top 18 of the full spectrum, whose 6 others are rounding noise."""
    g = torch.Generator().manual_seed(0)
    model = sd.AKOrN(8, 2, oscillator_dim=4, dtype=F64, generator=g)
    C = torch.randn(3, 8, generator=g, dtype=F64)
    X0 = model.normalize(torch.randn(3, 8, generator=g, dtype=F64))
    f = model.as_map(C)
    r = lyapunov_spectrum(f, X0, steps=100, transient=30, constraint="sphere", group=4)
    full = lyapunov_spectrum(f, X0, steps=100, transient=30, k=24)
    assert r.k == 18 and r.excluded == 6 and (r.exponents > -10).all()
    assert (full.exponents[18:] < -25).all()
    assert abs(float(full.exponents[:18].sum() - r.exponents.sum())) < 1e-9


def test_growth_fed_in_chunks_equals_orbit_growth_of_the_whole_orbit():
    from sadyn.analysis.lyapunov import _Growth, orbit_growth

    g = torch.Generator().manual_seed(0)
    norms = torch.rand(37, 5, generator=g, dtype=torch.float64) * torch.linspace(1, 3, 37, dtype=torch.float64)[:, None]
    norms[20:, 1] = float("nan")  # a system that diverged after the midpoint
    norms[:, 2] = float("nan")  # one that never had a finite state
    norms[:, 3] = 0.0
    for cuts in ([37], [1, 36], [5, 13, 1, 18], [18, 1, 18]):
        growth = _Growth(37, 5, norms.device)
        for chunk in torch.split(norms, cuts):
            growth.add(chunk)
        assert torch.equal(growth.result().isnan(), orbit_growth(norms).isnan())
        assert torch.allclose(growth.result(), orbit_growth(norms), equal_nan=True)
    short = _Growth(3, 2, norms.device)
    short.add(norms[:3, :2])
    assert short.result().isnan().all()
