"""prop51_bound (never exceeded), pseudo_energy (= the model's energy), contribution_index (= a direct computation)."""

from __future__ import annotations

import math

import pytest
import torch

import sadyn as sd
from sadyn.analysis import contribution_index, jacobian, prop51_bound, pseudo_energy, spectral_norm

F64 = torch.float64


@pytest.mark.parametrize("norm", ["rms", "sphere", "layer", None])
def test_prop51_bound_holds_on_random_models(norm):
    """Random weights (scale 0.5-3), token counts 2-12, step sizes 0.1-4, gains, token- and chunk-wise norms."""
    g = torch.Generator().manual_seed(hash(norm) % 1000)
    for trial in range(6):
        S = int(torch.randint(2, 13, (1,), generator=g))
        eta = float(torch.empty(1).uniform_(0.1, 4.0, generator=g))
        scale = float(torch.empty(1).uniform_(0.5, 3.0, generator=g))
        group = 4 if (trial % 2 and norm in ("rms", "sphere")) else None
        model = sd.ItrSA(
            8, 2, norm=norm, eta=eta, scale=scale, gamma=0.5 + trial * 0.3, group=group, dtype=F64, generator=g
        )
        if model.norm.gamma is not None:
            with torch.no_grad():
                model.norm.gamma.mul_(torch.empty(8, dtype=F64).uniform_(-1.5, 1.5, generator=g))
        C = torch.randn(S, 8, generator=g, dtype=F64)
        X = torch.randn(S, 8, generator=g, dtype=F64) * float(torch.empty(1).uniform_(0.2, 3, generator=g))
        measured = spectral_norm(model.as_map(C), X, exact=True)
        bound = prop51_bound(model, X, C)
        assert measured <= bound * (1 + 1e-10), (trial, measured, bound)


def test_prop51_bound_formula_parts():
    g = torch.Generator().manual_seed(0)
    model = sd.ItrSA(8, 2, eta=0.7, gamma=2.0, dtype=F64, generator=g)
    X, C = torch.randn(5, 8, generator=g, dtype=F64), torch.randn(5, 8, generator=g, dtype=F64)
    Y = model.pre_norm(X, C).detach()
    R = float(Y.norm(dim=-1).min())
    sigma = float(torch.linalg.matrix_norm(jacobian(model.attention, X), 2))
    assert math.isclose(prop51_bound(model, X, C), 2.0 / R * (1 + 0.7 * sigma), rel_tol=1e-8)
    assert math.isclose(prop51_bound(model, X, C, exact=True), 2.0 / R * (1 + 0.7 * sigma), rel_tol=1e-12)


def test_prop51_bound_rejects_other_models_and_shapes():
    akorn = sd.AKOrN(8, 2, dtype=F64)
    with pytest.raises(TypeError, match="`model` must be an ItrSA"):
        prop51_bound(akorn, torch.randn(3, 8, dtype=F64))
    model = sd.ItrSA(8, 2, dtype=F64)
    with pytest.raises(ValueError, match=r"`X` must be one state of shape \(S, 8\)"):
        prop51_bound(model, torch.randn(2, 3, 8, dtype=F64))
    with pytest.raises(ValueError, match="`C` must have the same shape as `X`"):
        prop51_bound(model, torch.randn(3, 8, dtype=F64), torch.randn(4, 8, dtype=F64))


def test_pseudo_energy_is_minus_trace():
    g = torch.Generator().manual_seed(0)
    for model in (sd.ItrSA(8, 2, dtype=F64, generator=g), sd.AKOrN(8, 2, dtype=F64, generator=g)):
        X, C = torch.randn(2, 5, 8, generator=g, dtype=F64), torch.randn(2, 5, 8, generator=g, dtype=F64)
        E = pseudo_energy(model, X, C)
        assert E.shape == (2,)
        direct = torch.stack([-torch.trace(X[b].T @ (C[b] + model.attention(X[b]))) for b in range(2)]).detach()
        torch.testing.assert_close(E, direct)
        torch.testing.assert_close(E, model.energy(X, C).detach())
        torch.testing.assert_close(pseudo_energy(model, X), -(X * model.attention(X)).sum((-2, -1)).detach())
    with pytest.raises(TypeError, match="must have an `attention` module"):
        pseudo_energy(sd.OscillatorToy(4), torch.randn(2, 4))


def test_contribution_index_direct_and_extremes():
    g = torch.Generator().manual_seed(0)
    attn = sd.MultiHeadSelfAttention(8, 2, dtype=F64, generator=g)
    X = torch.randn(10, 8, generator=g, dtype=F64)
    J = jacobian(attn, X)
    evals, evecs = torch.linalg.eigh(J + J.T)
    x = X.reshape(-1)
    top = evecs[:, -1:]  # 2% of 80 -> 1 vector
    expected = float((top.T @ x).square().sum() / x.square().sum())
    assert math.isclose(contribution_index(attn, X), expected, rel_tol=1e-10)
    assert math.isclose(contribution_index(attn, X, fraction=1.0), 1.0, rel_tol=1e-10)
    v = evecs[:, -1].reshape(10, 8)  # a state along the top eigenvector of S at that state is not special in
    assert 0.0 <= contribution_index(attn, v) <= 1.0  # general (S depends on the state); only the range is fixed
    A = torch.diag(torch.tensor([3.0, 1.0, 0.5, -2.0], dtype=F64))  # linear map: S = 2A, top eigvec e_0
    lin = sd.systems.Linear(A)
    assert math.isclose(contribution_index(lin, torch.tensor([1.0, 0, 0, 0], dtype=F64), fraction=0.25), 1.0)
    assert math.isclose(contribution_index(lin, torch.tensor([1.0, 1.0, 0, 0], dtype=F64), fraction=0.25), 0.5)
    with pytest.raises(ValueError, match=r"`fraction` must be a number in \(0, 1\]"):
        contribution_index(lin, torch.ones(4, dtype=F64), fraction=0)


def test_contribution_index_matrix_free_path(monkeypatch):
    import sadyn.analysis.model_tools as mt

    g = torch.Generator().manual_seed(2)
    attn = sd.MultiHeadSelfAttention(8, 2, dtype=F64, generator=g)
    X = torch.randn(12, 8, generator=g, dtype=F64)
    dense = contribution_index(attn, X, fraction=0.05)
    monkeypatch.setattr(mt, "_DENSE_MAX", 10)
    assert math.isclose(contribution_index(attn, X, fraction=0.05), dense, rel_tol=1e-8)
