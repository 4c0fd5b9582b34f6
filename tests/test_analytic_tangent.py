"""Closed-form tangents (attention, normalizations, ItrSA) against torch.func.jvp, and the engine's "analytic" path."""

import pytest
import torch
from torch.func import jvp, vmap

import sadyn as sd
from sadyn.attention import MultiHeadSelfAttention
from sadyn.norms import Normalization

D64 = torch.float64


def _reference(f, X, V):
    """(f(X), J V) by torch.func: vmap of jvp over the tangents on V's leading axis."""
    return vmap(lambda v: jvp(f, (X,), (v,)), out_dims=(None, 0))(V)


def _rel(a, b):
    return float(torch.linalg.vector_norm(a - b) / torch.linalg.vector_norm(b))


def _assert_matches(f, tangent, X, V, tol=1e-12):
    with torch.no_grad():
        y, jv = tangent(X, V)
    y_ref, jv_ref = _reference(f, X, V)
    assert y.shape == X.shape and jv.shape == V.shape
    assert _rel(y, y_ref.detach()) < tol
    assert _rel(jv, jv_ref.detach()) < tol


@pytest.mark.parametrize("heads", [1, 2, 4])
@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize("lead", [(), (3,), (2, 3)])
def test_attention_tangent_matches_jvp(heads, bias, lead):
    g = torch.Generator().manual_seed(heads)
    m = MultiHeadSelfAttention(8, heads, bias=bias, dtype=D64, generator=g)
    if bias:
        with torch.no_grad():
            for b in (m.bq, m.bk, m.bv, m.bo):
                b.normal_(generator=g)
    X = torch.randn(*lead, 5, 8, generator=g, dtype=D64)
    V = torch.randn(4, *lead, 5, 8, generator=g, dtype=D64)
    _assert_matches(m, m.tangent, X, V)


def test_attention_tangent_refuses_tangents_of_the_wrong_shape():
    m = MultiHeadSelfAttention(8, 2, dtype=D64)
    with pytest.raises(ValueError, match=r"\(k, \*X.shape\)"):
        m.tangent(torch.randn(5, 8, dtype=D64), torch.randn(5, 8, dtype=D64))


@pytest.mark.parametrize("kind", ["rms", "sphere", "layer", None])
@pytest.mark.parametrize("group", [None, 4])
def test_normalization_tangent_matches_jvp(kind, group):
    g = torch.Generator().manual_seed(1)
    norm = Normalization(kind, 8, group=group, gamma=1.5, dtype=D64)
    if norm.gamma is not None:
        with torch.no_grad():
            norm.gamma.normal_(generator=g)  # a non-uniform gain
    X = torch.randn(3, 5, 8, generator=g, dtype=D64)
    V = torch.randn(4, 3, 5, 8, generator=g, dtype=D64)
    _assert_matches(norm, norm.tangent, X, V)


def test_normalization_tangent_keeps_the_eps_clamp_of_the_forward():
    norm = Normalization("sphere", 4, dtype=D64)
    y = torch.zeros(2, 4, dtype=D64)
    y[0] = torch.tensor([1.0, 2.0, 0.0, 0.0], dtype=D64)
    dy = torch.randn(3, 2, 4, dtype=D64)
    _, jv = norm.tangent(y, dy)
    _, ref = _reference(norm, y, dy)
    torch.testing.assert_close(jv, ref, rtol=1e-12, atol=0.0)  # a zero token: dy / eps, as under autodiff


@pytest.mark.parametrize("norm", ["rms", "sphere", "layer", None])
def test_itrsa_tangent_matches_jvp(norm):
    g = torch.Generator().manual_seed(2)
    model = sd.ItrSA(8, 2, norm=norm, eta=0.7, gamma=1.3, dtype=D64, generator=g)
    C = torch.randn(2, 5, 8, generator=g, dtype=D64)
    f = model.as_map(C)
    X = torch.randn(2, 5, 8, generator=g, dtype=D64)
    V = torch.randn(3, 2, 5, 8, generator=g, dtype=D64)
    _assert_matches(f, f.tangent, X, V)
    _assert_matches(model.as_map(None), model.as_map(None).tangent, X, V)  # no input C


def test_only_models_with_a_closed_form_have_a_tangent_map():
    assert callable(getattr(sd.ItrSA(8, 2).as_map(None), "tangent", None))
    assert not hasattr(sd.ItrSA(8, 2).as_map(None).__class__.__mro__[1], "tangent")  # BoundMap itself has none


def _small_itrsa(dtype=D64):
    g = torch.Generator().manual_seed(3)
    model = sd.ItrSA(8, 2, gamma=1.5, dtype=dtype, generator=g)
    C = torch.randn(12, 8, generator=g, dtype=dtype)
    X0 = model.norm(torch.randn(12, 8, generator=g, dtype=dtype))
    return model, model.as_map(C), X0


def test_lyapunov_analytic_equals_jvp():
    _, f, X0 = _small_itrsa()
    a = sd.lyapunov_spectrum(f, X0, steps=30, k=8, method="analytic")
    j = sd.lyapunov_spectrum(f, X0, steps=30, k=8, method="jvp")
    assert (a.method, j.method) == ("analytic", "jvp")
    torch.testing.assert_close(a.exponents, j.exponents, rtol=0.0, atol=1e-10)


def test_auto_picks_analytic_at_large_n_and_dense_at_small_n():
    g = torch.Generator().manual_seed(4)
    model = sd.ItrSA(16, 2, dtype=D64, generator=g)
    C = torch.randn(16, 16, generator=g, dtype=D64)
    X0 = model.norm(torch.randn(16, 16, generator=g, dtype=D64))
    res = sd.lyapunov_spectrum(model.as_map(C), X0, steps=3, k=4)
    assert res.method == "analytic"
    plain = sd.lyapunov_spectrum(lambda x: model.as_map(C)(x), X0, steps=3, k=4)  # no tangent: forward AD
    assert plain.method == "jvp"
    torch.testing.assert_close(res.exponents, plain.exponents, rtol=0.0, atol=1e-10)
    model, _, x = _small_itrsa()
    assert sd.lyapunov_spectrum(model.as_map(None), x[:4], steps=3).method == "dense"  # n = 32 <= 64


class _WrongTangent:
    """A user map with a closed-form tangent that forgets the factor 2."""

    def __call__(self, x):
        return torch.tanh(2.0 * x)

    def tangent(self, x, V):
        return torch.tanh(2.0 * x), V / torch.cosh(2.0 * x) ** 2


class _RightTangent(_WrongTangent):
    def tangent(self, x, V):
        return torch.tanh(2.0 * x), 2.0 * V / torch.cosh(2.0 * x) ** 2


def test_a_wrong_user_tangent_is_refused_with_a_clear_error():
    x0 = torch.randn(100, dtype=D64)
    with pytest.raises(ValueError, match=r"`f.tangent\(x, V\)` disagrees with torch.func.jvp"):
        sd.lyapunov_spectrum(_WrongTangent(), x0, steps=2, k=2)
    res = sd.lyapunov_spectrum(_WrongTangent(), x0, steps=2, k=2, method="jvp")  # the documented way out
    assert res.method == "jvp"


def test_a_user_tangent_is_used_and_agrees_with_jvp():
    x0 = torch.randn(100, dtype=D64)
    a = sd.lyapunov_spectrum(_RightTangent(), x0, steps=10, k=3)
    j = sd.lyapunov_spectrum(_RightTangent(), x0, steps=10, k=3, method="jvp")
    assert a.method == "analytic"
    torch.testing.assert_close(a.exponents, j.exponents, rtol=0.0, atol=1e-12)


def test_a_user_tangent_with_the_wrong_output_is_refused():
    class Bad(_WrongTangent):
        def tangent(self, x, V):
            return torch.tanh(2.0 * x)

    with pytest.raises(TypeError, match="must return a pair"):
        sd.lyapunov_spectrum(Bad(), torch.randn(100, dtype=D64), steps=2, k=2)


def test_analytic_needs_a_tangent_and_excludes_jac():
    with pytest.raises(ValueError, match=r'method="analytic" needs a map with a closed-form tangent'):
        sd.TangentMap(torch.tanh, method="analytic")
    _, f, _ = _small_itrsa()
    with pytest.raises(ValueError, match="`jac`"):
        sd.TangentMap(f, jac=lambda x: torch.eye(x.numel(), dtype=x.dtype), method="analytic")


def test_analytic_with_a_batch_of_systems():
    g = torch.Generator().manual_seed(5)
    model = sd.ItrSA(8, 2, dtype=D64, generator=g)
    C = torch.randn(12, 8, generator=g, dtype=D64)
    X0 = model.norm(torch.randn(3, 12, 8, generator=g, dtype=D64))
    a = sd.lyapunov_spectrum(model.as_map(C), X0, steps=10, k=4, batch=True, method="analytic")
    j = sd.lyapunov_spectrum(model.as_map(C), X0, steps=10, k=4, batch=True, method="jvp")
    assert a.exponents.shape == (3, 4)
    torch.testing.assert_close(a.exponents, j.exponents, rtol=0.0, atol=1e-10)


def test_float32_works():
    _, f, X0 = _small_itrsa(torch.float32)
    a = sd.lyapunov_spectrum(f, X0, steps=10, k=4, method="analytic")
    j = sd.lyapunov_spectrum(f, X0, steps=10, k=4, method="jvp")
    assert a.exponents.dtype == torch.float32
    torch.testing.assert_close(a.exponents, j.exponents, rtol=0.0, atol=1e-3)


def test_finite_time_lyapunov_uses_the_tangent_and_agrees_with_autodiff():
    model, f, X0 = _small_itrsa()
    a = sd.finite_time_lyapunov(f, X0, horizon=6)
    j = sd.finite_time_lyapunov(lambda x: f(x), X0, horizon=6)  # no tangent: forward-mode AD
    torch.testing.assert_close(a.exponents[:20], j.exponents[:20], rtol=0.0, atol=1e-10)
    with pytest.raises(ValueError, match="disagrees"):
        sd.finite_time_lyapunov(_WrongTangent(), torch.randn(10, dtype=D64), horizon=2)
