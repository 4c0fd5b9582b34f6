"""finite_time_volume: the sum of the finite finite-time exponents by one LU per step, checked against the dense
spectrum of finite_time_lyapunov on every constraint (none, sphere, RMSNorm with a gain, LayerNorm)."""

from __future__ import annotations

import math

import pytest
import torch

import sadyn as sd
from sadyn.analysis import finite_time_lyapunov, finite_time_volume
from sadyn.systems import Henon, Linear

F64 = torch.float64


def _dense_total(f, x0, **kw):
    L = finite_time_lyapunov(f, x0, **kw)
    e = L.exponents
    return torch.where(torch.isfinite(e), e, 0).sum(-1), L


def test_unconstrained_is_the_sum_of_all_exponents():
    h = Henon()
    x0 = torch.tensor([0.1, 0.2], dtype=F64)
    V = finite_time_volume(h, x0, horizon=12)
    assert abs(V.total - math.log(0.3)) < 1e-13  # |det J| = b for every Henon step
    assert V.count == 2 and V.excluded == 0 and V.status == "ok" and math.isclose(V.mean, V.total / 2)
    g = torch.Generator().manual_seed(3)
    W = torch.randn(9, 9, generator=g, dtype=F64) / 3
    x = torch.randn(9, generator=g, dtype=F64)

    def f(v):
        return torch.tanh(v @ W.T) + 0.5 * v

    ref, _ = _dense_total(f, x, horizon=7)
    assert abs(finite_time_volume(f, x, horizon=7).total - float(ref)) < 1e-11


def _grouped(g: int, W: torch.Tensor, kind: str, gain: torch.Tensor | None = None):
    """x -> normalize_each_group(x + tanh(W x)): sphere projection, RMSNorm with a gain, or LayerNorm."""

    def f(x):
        y = (x + torch.tanh(x @ W.T)).reshape(-1, g)
        if kind == "layer":
            y = y - y.mean(-1, keepdim=True)
            return (y / y.norm(dim=-1, keepdim=True)).reshape(x.shape)
        if kind == "rms":
            return (gain * y / y.pow(2).mean(-1, keepdim=True).sqrt()).reshape(x.shape)
        return (y / y.norm(dim=-1, keepdim=True)).reshape(x.shape)

    return f


class _DeclaredRMS:
    """A map that declares its normalization, as sadyn's models do (RMSNorm with a gain leaves the sphere)."""

    def __init__(self, f, g):
        self.f, self.normalization = f, ("rms", g)

    def __call__(self, x):
        return self.f(x)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("kind", ["sphere", "rms", "layer"])
def test_constrained_matches_the_dense_spectrum(kind, seed):
    gen = torch.Generator().manual_seed(seed)
    g = 4 if kind == "layer" else 3
    n = 4 * g
    W = torch.randn(n, n, generator=gen, dtype=F64) / 2
    x0 = torch.randn(n, generator=gen, dtype=F64)  # off the manifold: the first step's correction is exercised
    gain = torch.rand(g, generator=gen, dtype=F64) + 0.5
    f = _grouped(g, W, kind, gain)
    if kind == "rms":
        f = _DeclaredRMS(f, g)
    constraint = "layer" if kind == "layer" else "sphere"
    ref, L = _dense_total(f, x0, horizon=6, constraint=constraint, group=g)
    V = finite_time_volume(f, x0, horizon=6, constraint=constraint, group=g)
    assert V.count == L.k == n - (8 if kind == "layer" else 4)
    assert abs(V.total - float(ref)) < 1e-10
    assert abs(V.mean - L.mean) < 1e-11
    on = f(x0)  # on the manifold from the start
    ref_on, _ = _dense_total(f, on, horizon=6, constraint=constraint, group=g)
    assert abs(finite_time_volume(f, on, horizon=6, constraint=constraint, group=g).total - float(ref_on)) < 1e-10


@pytest.mark.parametrize("norm", ["rms", "sphere"])
def test_itrsa_model_matches_the_dense_spectrum(norm):
    gen = torch.Generator().manual_seed(5)
    S, D = 5, 6
    model = sd.ItrSA(D, 2, norm=norm, dtype=F64, generator=gen)
    f = model.as_map(torch.randn(S, D, generator=gen, dtype=F64))
    X0 = torch.randn(S, D, generator=gen, dtype=F64)
    L = finite_time_lyapunov(f, X0, horizon=16, constraint="sphere")
    V = finite_time_volume(f, X0, horizon=16, constraint="sphere")
    assert V.count == S * D - S
    assert abs(V.mean - L.mean) < 1e-11


def test_batch_transient_and_dt():
    gen = torch.Generator().manual_seed(7)
    W = torch.randn(12, 12, generator=gen, dtype=F64) / 2
    f = _grouped(3, W, "sphere")
    X = torch.randn(3, 12, generator=gen, dtype=F64)
    V = finite_time_volume(f, X, horizon=5, transient=2, batch=True, constraint="sphere", group=3, dt=0.5)
    assert V.total.shape == (3,) and V.status == ("ok",) * 3
    for b in range(3):
        one = finite_time_volume(f, X[b], horizon=5, transient=2, constraint="sphere", group=3, dt=0.5)
        assert abs(float(V.total[b]) - one.total) < 1e-12
        ref, _ = _dense_total(f, X[b], horizon=5, transient=2, constraint="sphere", group=3, dt=0.5)
        assert abs(one.total - float(ref)) < 1e-10
    assert "FiniteTimeVolume(mean=" in repr(V)


def test_divergence_reported_over_the_finite_steps():
    f = Linear(torch.tensor([[1e200, 0.0], [0.0, 1.0]], dtype=F64))
    V = finite_time_volume(f, torch.ones(2, dtype=F64), horizon=16)
    assert V.status == "divergent" and V.diverged_at == 2
    assert abs(V.total - 200 * math.log(10)) < 1e-9  # the first step only, as finite_time_lyapunov


def test_errors_name_the_argument():
    h = Henon()
    with pytest.raises(ValueError, match=r"`horizon` must be an integer >= 1"):
        finite_time_volume(h, h.initial_state(), horizon=0)
    with pytest.raises(ValueError, match=r"`constraint` must be one of"):
        finite_time_volume(h, h.initial_state(), constraint="ball")
    with pytest.raises(ValueError, match="too large"):
        finite_time_volume(lambda x: 0.5 * x, torch.zeros(20000, dtype=F64), horizon=2)


def test_solver_exponents_large_state_path_matches_the_dense_spectrum():
    """Above ``dense_max`` (a 9x9 solver) the mean comes from finite_time_volume and lambda_max from ARPACK: on a
    4x4 solver, forced onto that path, both agree with the whole spectrum."""
    from sadyn.experiments import puzzle_set, solver_exponents

    model = sd.load_pretrained("itrsa4-rms").eval()
    puzzles, _ = puzzle_set("sudoku4-id", 1)
    dense = solver_exponents(model, puzzles, horizon=6)
    free = solver_exponents(model, puzzles, horizon=6, dense_max=100)
    assert abs(free["mean"] - dense["mean"]) < 1e-11
    assert abs(free["max"] - dense["max"]) < 1e-8
    quick = solver_exponents(model, puzzles, horizon=6, dense_max=100, mean=False)  # lambda_max alone
    assert math.isnan(quick["mean"]) and math.isnan(quick["mean_per_puzzle"][0])
    assert quick["max_per_puzzle"] == free["max_per_puzzle"]
    dense_anyway = solver_exponents(model, puzzles, horizon=6, mean=False)  # the whole spectrum gives both at once
    assert dense_anyway["mean"] == dense["mean"]
    with pytest.raises(TypeError, match="`mean` must be True or False"):
        solver_exponents(model, puzzles, horizon=6, mean="no")


def test_one_system_of_a_batch_diverges_alone():
    scale = torch.tensor([[1e200], [0.5]], dtype=F64)
    V = finite_time_volume(lambda X: X * scale, torch.ones(2, 2, dtype=F64), horizon=8, batch=True)
    assert V.status == ("divergent", "ok") and V.diverged_at == (2, None)
    torch.testing.assert_close(V.total, torch.tensor([400 * math.log(10), 2 * math.log(0.5)], dtype=F64))
