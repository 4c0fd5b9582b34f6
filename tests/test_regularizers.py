"""Regularizers of Sec. 6.2: each is zero exactly when its condition holds, matches its formula, has the right gradient."""

from __future__ import annotations

import pytest
import torch

from sadyn.attention import MultiHeadSelfAttention
from sadyn.parametrize import orthogonal_values, tie_symmetric
from sadyn.solver.regularizers import (
    concatenated_weights,
    energy_multi_regularizer,
    energy_single_regularizer,
    spectral_regularizer,
)

D64 = torch.float64


def _v(x: torch.Tensor) -> float:
    return float(x.detach())


def _orthogonal(n: int, rng) -> torch.Tensor:
    return torch.linalg.qr(torch.randn(n, n, generator=rng, dtype=D64))[0]


def _attention_with_concatenated(Wq, Wk, Wv, Wo, heads: int, bias: bool = False) -> MultiHeadSelfAttention:
    D = Wq.shape[0]
    Dh = D // heads
    att = MultiHeadSelfAttention(D, heads, bias=bias, dtype=D64)
    split = lambda W: W.reshape(D, heads, Dh).permute(1, 0, 2)  # noqa: E731 - columns per head
    return att.set_head_weights(split(Wq), split(Wk), split(Wv), Wo.reshape(heads, Dh, D))


# ------------------------------------------------------------------------------------------------ spectral
def test_concatenated_weights_are_the_papers_matrices(rng):
    att = MultiHeadSelfAttention(8, 2, dtype=D64, generator=rng)
    W = concatenated_weights(att)
    X = torch.randn(5, 8, generator=rng, dtype=D64)
    # X W^Q stacks the per-head queries side by side; the heads' outputs sum as [o_1 ... o_H] W^O
    assert torch.allclose(X @ W["wq"], torch.cat([X @ att.wq[h] for h in range(2)], dim=-1))
    o = torch.randn(5, 8, generator=rng, dtype=D64)
    assert torch.allclose(o @ W["wo"], sum(o[:, 4 * h : 4 * h + 4] @ att.wo[h] for h in range(2)))


@pytest.mark.parametrize("heads", [1, 2, 4])
def test_spectral_zero_for_orthogonal_weights_and_zero_biases(rng, heads):
    Q = [_orthogonal(8, rng) for _ in range(4)]
    att = _attention_with_concatenated(*Q, heads=heads, bias=True)
    assert _v(spectral_regularizer(att)) == pytest.approx(0.0, abs=1e-24)


def test_spectral_value_off_the_condition(rng):
    Q = [_orthogonal(8, rng) for _ in range(4)]
    c = 1.5
    att = _attention_with_concatenated(Q[0] * c, Q[1], Q[2], Q[3] / c, heads=2, bias=True)
    with torch.no_grad():
        att.bo.fill_(0.5)  # ||b||^2 = 8 * 0.25 = 2, ||b||^4 = 4
    expected = (c**2 - 1) ** 2 + (c**-2 - 1) ** 2 + 4.0
    assert _v(spectral_regularizer(att)) == pytest.approx(expected, rel=1e-12)


def test_spectral_zero_needs_only_the_largest_singular_value(rng):
    # singular values (1, 0.5, ...) : sigma_max = 1, so the penalty is zero although W is not orthogonal
    U, V = _orthogonal(8, rng), _orthogonal(8, rng)
    S = torch.diag(torch.linspace(1.0, 0.5, 8, dtype=D64))
    W = U @ S @ V.T
    att = _attention_with_concatenated(W, W, W, W, heads=2)
    assert _v(spectral_regularizer(att)) == pytest.approx(0.0, abs=1e-24)


def test_spectral_gradient_matches_finite_differences(rng):
    att = MultiHeadSelfAttention(6, 2, bias=True, dtype=D64, generator=rng)
    with torch.no_grad():
        att.bv.normal_(generator=rng)
    (gq, gb) = torch.autograd.grad(spectral_regularizer(att), (att.wq, att.bv))
    h = 1e-6
    for p, g, index in ((att.wq, gq, (1, 2, 0)), (att.wq, gq, (0, 5, 2)), (att.bv, gb, (1, 1))):
        with torch.no_grad():
            p[index] += h
            up = _v(spectral_regularizer(att))
            p[index] -= 2 * h
            down = _v(spectral_regularizer(att))
            p[index] += h
        assert float(g[index]) == pytest.approx((up - down) / (2 * h), rel=1e-6, abs=1e-9)


# ------------------------------------------------------------------------------------------------ E-single
def test_e_single_zero_under_prop41_condition(rng):
    att = MultiHeadSelfAttention.generalized_symmetric(8, dtype=D64, generator=rng)
    assert _v(energy_single_regularizer(att)) == pytest.approx(0.0, abs=1e-24)


def test_e_single_value_off_the_condition(rng):
    att = MultiHeadSelfAttention(8, 1, dtype=D64, generator=rng)
    A, V = att.qk_matrices()[0], att.value_matrices()[0]
    expected = _v(((V - (A + A.T) / 2) ** 2).sum())
    assert expected > 1e-3
    assert _v(energy_single_regularizer(att)) == pytest.approx(expected, rel=1e-12)


def test_e_single_refuses_several_heads():
    with pytest.raises(ValueError, match="single-head.*heads=2"):
        energy_single_regularizer(MultiHeadSelfAttention(8, 2))


# ------------------------------------------------------------------------------------------------ E-multi
def test_e_multi_zero_exactly_when_value_maps_symmetric(rng):
    att = MultiHeadSelfAttention.orthogonal_heads(8, 2, dtype=D64, generator=rng)
    assert _v(energy_multi_regularizer(att)) == pytest.approx(0.0, abs=1e-24)
    with torch.no_grad():
        att.wo[1, 0, 3] += 0.1  # breaks the symmetry of V_2 only
    V = att.value_matrices()
    expected = _v(((V - V.transpose(1, 2)) ** 2).sum())
    assert expected > 1e-4
    assert _v(energy_multi_regularizer(att)) == pytest.approx(expected, rel=1e-12)


def test_regularizers_sum_over_submodules(rng):
    model = torch.nn.ModuleList([MultiHeadSelfAttention(8, 2, dtype=D64, generator=rng) for _ in range(2)])
    total = energy_multi_regularizer(model[0]) + energy_multi_regularizer(model[1])
    assert _v(energy_multi_regularizer(model)) == pytest.approx(_v(total), rel=1e-12)


def test_regularizer_input_errors():
    with pytest.raises(ValueError, match="contains no MultiHeadSelfAttention"):
        spectral_regularizer(torch.nn.Linear(2, 2))
    with pytest.raises(TypeError, match="must be a torch.nn.Module"):
        spectral_regularizer("attention")


# ------------------------------------------------------------------------------------------------ parametrizations
def _is_orthogonal(W: torch.Tensor, tol: float) -> bool:
    return bool(torch.allclose(W.T @ W, torch.eye(W.shape[0], dtype=W.dtype), atol=tol))


@pytest.mark.parametrize("heads", [1, 4])
def test_orthogonal_values_stay_orthogonal_while_training(rng, heads):
    att = MultiHeadSelfAttention(8, heads, dtype=D64, generator=rng)
    orthogonal_values(att)
    opt = torch.optim.Adam(att.parameters(), lr=0.05)
    X = torch.randn(3, 5, 8, generator=rng, dtype=D64)
    for _ in range(3):
        loss = att(X).pow(2).sum() + energy_multi_regularizer(att)
        opt.zero_grad()
        loss.backward()
        opt.step()
    W = concatenated_weights(att)
    assert _is_orthogonal(W["wv"], 1e-12) and _is_orthogonal(W["wo"], 1e-12)
    assert not _is_orthogonal(W["wq"], 1e-3)  # the others are left free


def test_orthogonal_values_keep_orthogonal_weights(rng):
    Q = [_orthogonal(8, rng) for _ in range(4)]
    att = _attention_with_concatenated(*Q, heads=2)
    before = (att.wv.detach().clone(), att.wo.detach().clone())
    orthogonal_values(att)
    assert torch.allclose(att.wv, before[0], atol=1e-12) and torch.allclose(att.wo, before[1], atol=1e-12)


def test_tie_symmetric_keeps_eq4_while_training(rng):
    att = tie_symmetric(MultiHeadSelfAttention(6, 1, dtype=D64, generator=rng))
    opt = torch.optim.SGD([p for p in att.parameters() if p.requires_grad], lr=0.1)
    X = torch.randn(2, 4, 6, generator=rng, dtype=D64)
    for _ in range(2):
        opt.zero_grad()
        att(X).sin().sum().backward()
        opt.step()
    A, V = att.qk_matrices()[0], att.value_matrices()[0]
    assert torch.allclose(A, A.T, atol=1e-14) and torch.allclose(A, V, atol=1e-14)
    assert _v(energy_single_regularizer(att)) == pytest.approx(0.0, abs=1e-24)
    assert sum(p.numel() for p in att.parameters() if p.requires_grad) == 36  # one shared free matrix
