"""jacobian / jvp / vjp against central finite differences for every model and reference system (float64).

Central differences with h = 1e-6 have truncation error O(h^2 |f'''|) ~ 1e-12 and rounding error
O(eps |f| / h) ~ 1e-10, so 1e-7 (relative to the Jacobian's scale) separates a right Jacobian from a wrong one
by many orders of magnitude.
"""

from __future__ import annotations

import pytest
import torch

import sadyn as sd
from sadyn.analysis import jacobian, jvp, vjp
from sadyn.systems import Henon, Kuramoto, Logistic, Lorenz

F64 = torch.float64


def _models():
    g = torch.Generator().manual_seed(3)
    S, D = 3, 8
    C = torch.randn(S, D, generator=g, dtype=F64)
    X = torch.randn(S, D, generator=g, dtype=F64)
    cases = []
    for norm in ("rms", "sphere", "layer", None):
        m = sd.ItrSA(D, 2, norm=norm, eta=0.7, gamma=1.3, dtype=F64, generator=g)
        cases.append((f"ItrSA-{norm}", m.as_map(C), X))
    m = sd.ItrSA(D, 2, norm="rms", group=4, dtype=F64, generator=g)
    cases.append(("ItrSA-rms-group4", m.as_map(C), X))
    for norm in ("sphere", "rms"):
        m = sd.AKOrN(D, 2, oscillator_dim=4, norm=norm, dtype=F64, generator=g)
        cases.append((f"AKOrN-{norm}", m.as_map(C), m.normalize(X)))
    m = sd.EnergySA(D, 1, dtype=F64, generator=g)
    cases.append(("EnergySA", m.as_map(), m.normalize(X)))
    toy = sd.OscillatorToy(D, eta=0.3, dtype=F64)
    cases.append(("OscillatorToy", toy.as_map(), X))
    cases.append(("attention", sd.MultiHeadSelfAttention(D, 4, dtype=F64, generator=g), X))
    cases.append(("Henon", Henon(), torch.tensor([0.3, -0.2], dtype=F64)))
    cases.append(("Lorenz", Lorenz(), torch.tensor([1.0, 2.0, 20.0], dtype=F64)))
    cases.append(("Kuramoto", Kuramoto(torch.linspace(-1, 1, 5), K=1.5, dt=0.1), torch.linspace(0, 2, 5, dtype=F64)))
    return cases


CASES = _models()


def finite_difference_jacobian(f, x, h=1e-6):
    n = x.numel()
    cols = []
    with torch.no_grad():
        for j in range(n):
            e = torch.zeros(n, dtype=x.dtype)
            e[j] = h
            e = e.reshape(x.shape)
            cols.append(((f(x + e) - f(x - e)) / (2 * h)).reshape(-1))
    return torch.stack(cols, 1)


@pytest.mark.parametrize("name, f, x", CASES, ids=[c[0] for c in CASES])
def test_jacobian_jvp_vjp_match_finite_differences(name, f, x):
    J = jacobian(f, x)
    n = x.numel()
    assert J.shape == (n, n) and J.dtype == F64
    fd = finite_difference_jacobian(f, x)
    scale = max(1.0, float(fd.abs().max()))
    torch.testing.assert_close(J, fd, atol=1e-7 * scale, rtol=0)
    V = torch.randn(4, *x.shape, dtype=F64, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(jvp(f, x, V).reshape(4, n), V.reshape(4, n) @ J.T, atol=1e-12 * scale, rtol=0)
    torch.testing.assert_close(vjp(f, x, V).reshape(4, n), V.reshape(4, n) @ J, atol=1e-12 * scale, rtol=0)


def test_analytic_system_jacobians_match_autodiff():
    for sys, x in [
        (Henon(), torch.tensor([0.3, -0.2], dtype=F64)),
        (Lorenz(), torch.tensor([1.0, 2.0, 20.0], dtype=F64)),
        (Logistic(3.7), torch.tensor([0.4], dtype=F64)),
    ]:
        torch.testing.assert_close(sys.jacobian(x), jacobian(sys, x), atol=1e-12, rtol=0)
        xb = torch.stack([x, x * 0.9])
        torch.testing.assert_close(sys.jacobian(xb), jacobian(sys, xb, batch=True), atol=1e-12, rtol=0)


def test_tangent_layouts():
    f = Henon()
    x = torch.tensor([0.3, -0.2], dtype=F64)
    J = jacobian(f, x)
    v = torch.tensor([1.0, 2.0], dtype=F64)
    assert jvp(f, x, v).shape == (2,)
    torch.testing.assert_close(jvp(f, x, v), J @ v)
    X = torch.randn(2, 3, dtype=F64)
    g = lambda y: torch.sin(y) * y.sum()  # noqa: E731
    Jg = jacobian(g, X)
    flat = torch.randn(5, 6, dtype=F64)
    torch.testing.assert_close(jvp(g, X, flat), flat @ Jg.T)  # (m, n) flat form keeps its layout
    torch.testing.assert_close(vjp(g, X, flat[0]), flat[0] @ Jg)
    with pytest.raises(ValueError, match=r"`v` must have the shape of x \(2, 3\)"):
        jvp(g, X, torch.zeros(4, dtype=F64))
    with pytest.raises(TypeError, match="`u` must have the dtype and device of `x`"):
        vjp(g, X, torch.zeros(2, 3))


def test_batched_jacobian_is_blockwise():
    r = torch.tensor([3.0, 3.5, 4.0], dtype=F64)
    x = torch.tensor([[0.2], [0.4], [0.6]], dtype=F64)
    J = jacobian(Logistic(r), x, batch=True)
    torch.testing.assert_close(J[:, 0, 0], r * (1 - 2 * x[:, 0]))


def test_float32_close_to_float64():
    g = torch.Generator().manual_seed(0)
    m = sd.ItrSA(8, 2, dtype=F64, generator=g)
    X = torch.randn(4, 8, generator=g, dtype=F64)
    J64 = jacobian(m.as_map(), X)
    m32 = m.to(torch.float32)
    J32 = jacobian(m32.as_map(), X.float())
    assert J32.dtype == torch.float32
    torch.testing.assert_close(J32.double(), J64, atol=2e-6 * float(J64.abs().max()), rtol=0)


def test_errors_are_clear():
    x = torch.zeros(3, dtype=F64)
    with pytest.raises(TypeError, match="`f` must be a callable"):
        jacobian(None, x)
    with pytest.raises(TypeError, match="`x` must be a torch.Tensor"):
        jacobian(torch.tanh, 3.0)
    with pytest.raises(TypeError, match="`x` must have a floating dtype"):
        jacobian(torch.tanh, torch.zeros(3, dtype=torch.long))
    with pytest.raises(ValueError, match=r"same shape"):
        jacobian(lambda v: v.sum(), x)
    with pytest.raises(TypeError, match="not differentiable"):
        jacobian(lambda v: torch.as_tensor(v.numpy() * 2), x)
    with pytest.raises(TypeError, match="must return a torch.Tensor"):
        jacobian(lambda v: 1.0, x)
