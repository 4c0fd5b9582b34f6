"""The looped models: shapes, torch.func, gradients, AKOrN's sphere, the toy's eigenvalues, divergence, errors."""

import pytest
import torch
from torch.func import jacfwd, jacrev, jvp, vjp, vmap

import sadyn as sd

D64 = torch.float64


def make(name: str, dtype=D64, **kw):
    g = torch.Generator().manual_seed(0)
    if name == "itrsa":
        return sd.ItrSA(8, 2, dtype=dtype, generator=g, **kw)
    if name == "itrsa-none":
        return sd.ItrSA(8, 2, norm=None, eta=0.1, dtype=dtype, generator=g, **kw)
    if name == "akorn":
        return sd.AKOrN(8, 2, oscillator_dim=4, dtype=dtype, generator=g, **kw)
    if name == "akorn-rms":
        return sd.AKOrN(
            8, 2, oscillator_dim=2, norm="rms", gamma=0.7, omega_mode="pair", dtype=dtype, generator=g, **kw
        )
    if name == "akorn-none":
        return sd.AKOrN(8, 2, norm=None, eta=0.1, dtype=dtype, generator=g, **kw)
    if name == "energy":
        return sd.EnergySA(8, dtype=dtype, generator=g, **kw)
    if name == "energy-heads":
        return sd.EnergySA(8, 2, dtype=dtype, generator=g, **kw)
    if name == "toy":
        return sd.OscillatorToy(8, eta=0.3, omega=[1.0, 2.0, 0.5, 0.0], dtype=dtype, **kw)
    raise KeyError(name)


MODELS = ["itrsa", "itrsa-none", "akorn", "akorn-rms", "akorn-none", "energy", "energy-heads", "toy"]


@pytest.mark.parametrize("name", MODELS)
@pytest.mark.parametrize("dtype", [torch.float32, D64])
@pytest.mark.parametrize("batch", [(), (3,), (2, 2)])
def test_output_follows_input_shape_dtype_device(name, dtype, batch):
    m = make(name, dtype)
    X = torch.randn(*batch, 5, 8, dtype=dtype)
    Y = m.step(X)
    assert Y.shape == X.shape and Y.dtype == dtype and Y.device == X.device
    assert bool(torch.isfinite(Y).all())


@pytest.mark.parametrize("name", MODELS)
def test_one_step_passes_finite_difference_gradcheck(name):
    m = make(name)
    X = torch.randn(4, 8, dtype=D64, requires_grad=True)
    C = torch.randn(4, 8, dtype=D64)
    assert torch.autograd.gradcheck(lambda x: m.step(x, C), (X,), eps=1e-6, atol=1e-6)
    if m.energy_kind is not None and name not in ("energy", "energy-heads"):
        assert torch.autograd.gradcheck(lambda x: m.energy(x, C), (X,), eps=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", MODELS)
def test_models_work_under_torch_func_transforms(name):
    m = make(name)
    X, V = torch.randn(4, 8, dtype=D64), torch.randn(4, 8, dtype=D64)
    f = m.as_map(torch.randn(4, 8, dtype=D64))
    Jr, Jf = jacrev(f)(X), jacfwd(f)(X)
    torch.testing.assert_close(Jr, Jf, rtol=1e-10, atol=1e-12)
    _, tangent = jvp(f, (X,), (V,))
    torch.testing.assert_close(tangent, torch.einsum("ijkl,kl->ij", Jr, V))
    _, pullback = vjp(f, X)
    torch.testing.assert_close(pullback(V)[0], torch.einsum("ijkl,ij->kl", Jr, V))
    batched = vmap(f)(torch.stack([X, V]))
    torch.testing.assert_close(batched[1], f(V))
    # the public step is transform-safe too
    torch.testing.assert_close(jacrev(m.step)(X), jacrev(m.as_map())(X))


def test_itrsa_rms_tokens_have_norm_gamma_and_step_is_eq9():
    m = sd.ItrSA(8, 2, gamma=1.5, eta=0.7, dtype=D64)
    X, C = torch.randn(5, 8, dtype=D64), torch.randn(5, 8, dtype=D64)
    Y = X + 0.7 * (C + m.attention(X))
    torch.testing.assert_close(m.step(X, C), 1.5 * Y / Y.norm(dim=-1, keepdim=True))
    torch.testing.assert_close(m.pre_norm(X, C), Y)


def test_akorn_states_stay_on_the_sphere_and_omega_is_antisymmetric():
    m = make("akorn")
    X = m.normalize(torch.randn(2, 6, 8, dtype=D64))
    tr = m.rollout(X, torch.randn(2, 6, 8, dtype=D64), steps=50)
    norms = tr.states.unflatten(-1, (2, 4)).norm(dim=-1)
    assert (norms - 1).abs().max() < 1e-12
    W = m.omega_matrix()
    torch.testing.assert_close(W, -W.T)
    assert tr.energies.shape == (51, 2) and tr.energy_kind == "pseudo"


def test_akorn_without_omega_is_not_rescaled():
    m = sd.AKOrN(8, 2, omega=0.0, eta=0.5, dtype=D64)
    X = m.normalize(torch.randn(3, 8, dtype=D64))
    y = m.drive(X)
    Y = X + 0.5 * sd.tangent_project(X, y, group=4)
    torch.testing.assert_close(m.step(X), sd.sphere_project(Y, group=4))


def test_akorn_pair_frequencies_and_rms_variant():
    m = make("akorn-rms")
    assert m.omega.shape == (4,)
    X = m.normalize(torch.randn(3, 8, dtype=D64))
    Y = m.step(X)
    torch.testing.assert_close(Y.unflatten(-1, (4, 2)).norm(dim=-1), torch.full((3, 4), 0.7, dtype=D64))


def test_toy_eigenvalues_without_normalization_are_one_plus_minus_i_eta_omega():
    eta, omegas = 0.3, torch.tensor([1.0, 2.0, 0.5, 0.25], dtype=D64)
    m = sd.OscillatorToy(8, eta=eta, omega=omegas, normalize=False, dtype=D64)
    ev = torch.linalg.eigvals(jacrev(m.as_map())(torch.randn(1, 8, dtype=D64)).reshape(8, 8))
    expected = torch.cat([1 + 1j * eta * omegas, 1 - 1j * eta * omegas])
    key = lambda z: (z.real * 1e6 + z.imag).argsort()  # noqa: E731
    torch.testing.assert_close(ev[key(ev)], expected[key(expected)], rtol=0, atol=1e-12)
    assert (ev.abs() > 1).all()


def test_toy_normalized_jacobian_is_eq20_and_contracts():
    m = sd.OscillatorToy(8, eta=0.5, omega=1.3, dtype=D64)
    x = sd.sphere_project(torch.randn(1, 8, dtype=D64))
    J = jacrev(m.as_map())(x).reshape(8, 8)
    torch.testing.assert_close(J, m.jacobian_closed_form(x[0]))
    assert torch.linalg.matrix_norm(J, 2) <= 1 + 1e-12
    assert (torch.linalg.eigvals(J).abs() <= 1 + 1e-12).all()


def test_unnormalized_itrsa_divergence_is_reported_not_hidden():
    m = sd.ItrSA(8, 2, norm=None, eta=1.0, scale=4.0, generator=torch.Generator().manual_seed(0))
    X = torch.randn(5, 8)
    tr = m.rollout(X, torch.randn(5, 8), steps=400)
    assert tr.diverged and 1 <= tr.diverged_at <= 400
    assert bool(torch.isfinite(tr.final).all())
    assert torch.isnan(tr.states[tr.diverged_at :]).all()
    assert "diverged at step" in repr(tr)
    normed = sd.ItrSA(8, 2, eta=1.0, scale=4.0, generator=torch.Generator().manual_seed(0)).rollout(X, steps=400)
    assert not normed.diverged


@pytest.mark.parametrize(
    "build, error, match",
    [
        (lambda: sd.ItrSA(10, 3), ValueError, "divisible by `heads`"),
        (lambda: sd.ItrSA(8, 2, eta=-0.1), ValueError, "`eta` must be a finite number > 0"),
        (lambda: sd.ItrSA(8, 2, norm="batch"), ValueError, "`norm` must be one of"),
        (lambda: sd.AKOrN(12, 2, oscillator_dim=3), ValueError, "`oscillator_dim` must be an even"),
        (lambda: sd.AKOrN(12, 2, oscillator_dim=8), ValueError, "divisible by `oscillator_dim`"),
        (lambda: sd.AKOrN(8, 2, omega_mode="per-token"), ValueError, "`omega_mode`"),
        (lambda: sd.AKOrN(8, 2, norm="layer"), ValueError, "`norm` must be one of"),
        (lambda: sd.OscillatorToy(5), ValueError, "`dim` must be an even"),
        (lambda: sd.OscillatorToy(4, omega=[1.0, 2.0, 3.0]), ValueError, "`omega` must be a number or have"),
        (lambda: sd.EnergySA(8, 2, condition="symmetric"), ValueError, "single-head condition"),
        (lambda: sd.EnergySA(8, dt=0.0), ValueError, "`dt`"),
        (lambda: sd.EnergySA(8, symmetry_breaking=2.0), ValueError, "`symmetry_breaking`"),
    ],
)
def test_bad_parameters_get_clear_errors(build, error, match):
    with pytest.raises(error, match=match):
        build()


def test_bad_states_get_clear_errors():
    m = sd.ItrSA(8, 2)
    with pytest.raises(ValueError, match=r"shape \(\.\.\., S, D\)"):
        m.step(torch.randn(8))
    with pytest.raises(ValueError, match="trailing dimension D=8"):
        m.step(torch.randn(4, 6))
    with pytest.raises(TypeError, match="floating dtype"):
        m.step(torch.zeros(4, 8, dtype=torch.int32))
    with pytest.raises(ValueError, match="`C` must have the same shape as `X`"):
        m.step(torch.randn(4, 8), torch.randn(3, 8))
    with pytest.raises(ValueError, match="NaN or inf"):
        m.rollout(torch.full((4, 8), float("nan")), steps=3)
    with pytest.raises(TypeError, match="model.to"):
        m.step(torch.randn(4, 8, dtype=D64))
    with pytest.raises(ValueError, match="`steps` must be an integer >= 1"):
        m.rollout(torch.randn(4, 8), steps=0)
    with pytest.raises(ValueError, match="defines no energy"):
        sd.OscillatorToy(8).energy(torch.randn(2, 8))
