"""finite_time_lyapunov: the paper's (B.3) definition, checked against the singular values of an explicit product."""

from __future__ import annotations

import math

import pytest
import torch

import sadyn as sd
from sadyn.analysis import finite_time_lyapunov, jacobian
from sadyn.systems import Henon, Linear

F64 = torch.float64


def _product_log_svals(f, x, T):
    M = torch.eye(x.numel(), dtype=F64)
    for _ in range(T):
        M = jacobian(f, x) @ M
        x = f(x)
    return torch.log(torch.linalg.svdvals(M)) / T


def test_matches_explicit_product_henon():
    h = Henon()
    x0 = torch.tensor([0.1, 0.2], dtype=F64)
    r = finite_time_lyapunov(h, x0, horizon=12)
    # sigma_1 of the explicit product is accurate; sigma_2 is not (it is 1e-11 sigma_1), but sigma_1 sigma_2 =
    # |det| = b^12 exactly, so the sum pins the small one to rounding
    assert abs(float(r.exponents[0] - _product_log_svals(h, x0, 12)[0])) < 1e-12
    assert abs(float(r.exponents.sum()) - math.log(0.3)) < 1e-13
    assert r.steps == 12 and r.status == "ok" and torch.isnan(r.stderr).all()


def test_linear_map_singular_values_of_the_power():
    A = torch.tensor([[1.2, 5.0], [0.0, 0.9]], dtype=F64)
    r = finite_time_lyapunov(Linear(A), torch.ones(2, dtype=F64), horizon=16)
    ref = torch.log(torch.linalg.svdvals(torch.linalg.matrix_power(A, 16))) / 16
    torch.testing.assert_close(r.exponents, ref, atol=1e-12, rtol=0)
    assert r.exponents[0] > math.log(1.2)  # finite T: non-normality inflates sigma_1 above the spectral radius


def test_itrsa_with_constraint_drops_exactly_the_radial_zeros():
    g = torch.Generator().manual_seed(0)
    S, D = 4, 6
    model = sd.ItrSA(D, 2, dtype=F64, generator=g)
    C = torch.randn(S, D, generator=g, dtype=F64)
    X0 = torch.randn(S, D, generator=g, dtype=F64)
    f = model.as_map(C)
    full = finite_time_lyapunov(f, X0)
    kept = finite_time_lyapunov(f, X0, constraint="sphere")
    assert kept.k == S * D - S and kept.excluded == S
    torch.testing.assert_close(kept.exponents, full.exponents[: S * D - S], atol=1e-12, rtol=0)
    assert (full.exponents[S * D - S :] < kept.exponents[-1] - 1.0).all()
    top = finite_time_lyapunov(f, X0, k=3)
    torch.testing.assert_close(top.exponents, full.exponents[:3])
    assert math.isclose(kept.mean, float(kept.exponents.mean()), rel_tol=1e-12)


def test_batch_and_transient():
    h = Henon()
    x0 = h.initial_state(3, spread=0.1)
    r = finite_time_lyapunov(h, x0, horizon=8, transient=5, batch=True)
    assert r.exponents.shape == (3, 2)
    for b in range(3):
        x = x0[b]
        for _ in range(5):
            x = h(x)
        assert abs(float(r.exponents[b, 0] - _product_log_svals(h, x, 8)[0])) < 1e-12
        torch.testing.assert_close(r.exponents[b], finite_time_lyapunov(h, x, horizon=8).exponents, atol=1e-13, rtol=0)


def test_matrix_free_path_matches_dense(monkeypatch):
    import sadyn.analysis.finite_time as ft

    g = torch.Generator().manual_seed(1)
    model = sd.ItrSA(8, 2, norm=None, eta=0.3, dtype=F64, generator=g)
    X0 = torch.randn(6, 8, generator=g, dtype=F64)
    dense = finite_time_lyapunov(model.as_map(), X0, horizon=4, k=3)
    monkeypatch.setattr(ft, "_DENSE_MAX", 8)
    free = finite_time_lyapunov(model.as_map(), X0, horizon=4, k=3)
    assert free.method == "arpack" and dense.method == "dense"
    torch.testing.assert_close(free.exponents, dense.exponents, atol=1e-9, rtol=0)


def test_divergence_reported():
    f = Linear(torch.tensor([[1e200, 0.0], [0.0, 1.0]], dtype=F64))
    r = finite_time_lyapunov(f, torch.ones(2, dtype=F64), horizon=16)
    assert r.status == "divergent" and r.diverged_at == 2
    torch.testing.assert_close(r.exponents, torch.tensor([200 * math.log(10), 0.0], dtype=F64))  # from step 1 only
    with pytest.raises(ValueError, match=r"`f\(x0\)` contains NaN or inf"):  # already at x0: bad input, not a result
        finite_time_lyapunov(Linear(torch.tensor([[1e300]], dtype=F64)), torch.full((1,), 1e10, dtype=F64))


def test_errors():
    with pytest.raises(ValueError, match=r"`horizon` must be an integer >= 1, got horizon=0; the number of steps T"):
        finite_time_lyapunov(Henon(), Henon().initial_state(), horizon=0)
    with pytest.raises(ValueError, match=r"`k` must be an integer in \[1, 2\]"):
        finite_time_lyapunov(Henon(), Henon().initial_state(), k=5)


def test_full_spectrum_of_a_huge_state_is_refused_with_the_fix():
    """All exponents of a 6000-dimensional state would stack 16 dense Jacobians (4.3 GiB): a clear error naming
    `k`, not an out-of-memory kill; with `k` the top exponents come matrix-free (here exactly ln 0.5)."""
    x0 = torch.linspace(-1.0, 1.0, 6000, dtype=torch.float64)
    with pytest.raises(ValueError, match="Pass `k`"):
        sd.finite_time_lyapunov(lambda x: 0.5 * x, x0, horizon=16)
    top = sd.finite_time_lyapunov(lambda x: 0.5 * x, x0, horizon=16, k=2)
    assert top.method == "arpack"
    torch.testing.assert_close(top.exponents, torch.full((2,), math.log(0.5), dtype=torch.float64))
