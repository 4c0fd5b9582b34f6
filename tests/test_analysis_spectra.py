"""spectral_norm against torch.linalg.matrix_norm(J, 2); eigenvalues (dense and ARPACK) against eigvals (float64)."""

from __future__ import annotations

import warnings

import pytest
import torch

import sadyn as sd
from sadyn.analysis import eigenvalues, jacobian, spectral_norm
from sadyn.systems import Linear

F64 = torch.float64


def _itrsa(S=8, D=16, seed=0, **kw):
    g = torch.Generator().manual_seed(seed)
    m = sd.ItrSA(D, 4, dtype=F64, generator=g, **kw)
    C = torch.randn(S, D, generator=g, dtype=F64)
    X = torch.randn(S, D, generator=g, dtype=F64)
    return m.as_map(C), X


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("norm", ["rms", None])
def test_spectral_norm_matches_dense(seed, norm):
    f, X = _itrsa(seed=seed, norm=norm)
    ref = float(torch.linalg.matrix_norm(jacobian(f, X), 2))
    assert abs(spectral_norm(f, X, tol=1e-12) - ref) <= 1e-10 * ref
    assert abs(spectral_norm(f, X, exact=True) - ref) <= 1e-12 * ref
    assert abs(spectral_norm(f, X) - ref) <= 1e-7 * ref  # default tol 1e-8 on sigma^2


def test_spectral_norm_non_normal_linear_is_not_spectral_radius():
    A = torch.tensor([[1.2, 5.0], [0.0, 0.9]], dtype=F64)
    x = torch.ones(2, dtype=F64)
    s = spectral_norm(Linear(A), x)
    assert abs(s - float(torch.linalg.matrix_norm(A, 2))) < 1e-9 and s > 5
    lam = eigenvalues(Linear(A), x)
    torch.testing.assert_close(lam, torch.tensor([1.2, 0.9], dtype=torch.complex128))


def test_spectral_norm_warns_when_not_converged():
    f, X = _itrsa()
    with pytest.warns(RuntimeWarning, match="raise `iters` or pass exact=True"):
        spectral_norm(f, X, iters=2, tol=1e-14)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        spectral_norm(f, X)


def test_eigenvalues_dense_sorted_and_conjugate_pairs():
    f, X = _itrsa()
    lam = eigenvalues(f, X)
    ref = torch.linalg.eigvals(jacobian(f, X))
    assert lam.dtype == torch.complex128 and lam.shape == (128,)
    mod = lam.abs()
    assert (mod[:-1] >= mod[1:] - 1e-12).all()
    torch.testing.assert_close(torch.sort(lam.real).values, torch.sort(ref.real).values, atol=1e-12, rtol=0)
    torch.testing.assert_close(lam.abs().sum(), ref.abs().sum())


def test_eigenvalues_top_k_matrix_free_match_dense():
    f, X = _itrsa(S=10, D=16, norm=None, eta=0.5)  # n = 160 > 64: the ARPACK path
    lam = eigenvalues(f, X)
    top = eigenvalues(f, X, k=6)
    torch.testing.assert_close(top.abs(), lam[:6].abs(), atol=1e-10, rtol=0)
    # each one is an eigenvalue (k may cut a conjugate pair, so compare as sets, not position by position)
    assert float((top[:, None] - lam[None, :]).abs().min(1).values.max()) < 1e-8


def test_oscillator_toy_eigenvalues_inside_unit_circle_only_with_normalization():
    """Sec. 5.2: eigenvalues 1 +- i eta omega (modulus > 1) without normalization, inside the disc with it."""
    x = torch.randn(1, 4, dtype=F64)
    free = sd.OscillatorToy(4, eta=0.5, omega=1.0, normalize=False, dtype=F64)
    lam = eigenvalues(free.as_map(), x)
    torch.testing.assert_close(lam, torch.tensor([1 + 0.5j, 1 + 0.5j, 1 - 0.5j, 1 - 0.5j], dtype=torch.complex128))
    toy = sd.OscillatorToy(4, eta=0.5, omega=1.0, dtype=F64)
    assert (eigenvalues(toy.as_map(), x / x.norm()).abs() <= 1 + 1e-12).all()
    assert spectral_norm(toy.as_map(), x / x.norm()) <= 1 + 1e-9


def test_errors():
    f, X = _itrsa()
    with pytest.raises(ValueError, match=r"`k` must be an integer in \[1, 128\], got k=129"):
        eigenvalues(f, X, k=129)
    with pytest.raises(ValueError, match="`iters` must be an integer >= 1"):
        spectral_norm(f, X, iters=0)
    with pytest.raises(ValueError, match="`tol` must be a finite number > 0"):
        spectral_norm(f, X, tol=-1)


def test_float32_default_tolerance_converges_quietly():
    g = torch.Generator().manual_seed(0)
    model = sd.ItrSA(16, 4, dtype=F64, generator=g)
    C, X = torch.randn(8, 16, generator=g, dtype=F64), torch.randn(8, 16, generator=g, dtype=F64)
    ref = spectral_norm(model.as_map(C), X)
    m32 = model.float()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s32 = spectral_norm(m32.as_map(C.float()), X.float())
    assert abs(s32 - ref) <= 1e-4 * ref  # float32 rounding of the products, not the 1e-5 stopping rule


@pytest.mark.parametrize("norm", ["rms", None])
def test_jacobian_spectrum_is_spectral_norm_and_eigenvalues_from_one_jacobian(norm):
    g = torch.Generator().manual_seed(3)
    model = sd.ItrSA(16, 2, norm=norm, dtype=torch.float64, generator=g)  # has an analytic tangent
    X = torch.randn(6, 16, dtype=torch.float64, generator=g)
    f = model.as_map(torch.randn(6, 16, dtype=torch.float64, generator=g))
    norm_, lam = sd.jacobian_spectrum(f, X, tol=1e-12)
    J = jacobian(f, X)
    assert abs(norm_ - float(torch.linalg.matrix_norm(J, 2))) < 1e-10 * norm_
    assert torch.allclose(lam, eigenvalues(f, X), atol=1e-12) and lam.dtype == torch.complex128
    assert torch.allclose(
        lam.abs().sort(descending=True).values, torch.linalg.eigvals(J).abs().sort(descending=True).values
    )
    with pytest.raises(ValueError, match="NaN or inf"):
        sd.jacobian_spectrum(lambda x: x.abs().sqrt(), torch.zeros(3, dtype=torch.float64))
