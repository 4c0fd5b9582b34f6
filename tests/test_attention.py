"""MultiHeadSelfAttention: the formula of eq. (2) and the structured weights of Props. 4.1-4.2."""

import math

import pytest
import torch

import sadyn as sd

D64 = torch.float64


def naive_msa(m: sd.MultiHeadSelfAttention, X: torch.Tensor) -> torch.Tensor:
    """Eq. (2) written head by head with explicit matrices, as an independent reference."""
    out = torch.zeros_like(X)
    for h in range(m.heads):
        scores = m.beta * (X @ m.wq[h]) @ (X @ m.wk[h]).T
        P = torch.exp(scores - scores.max(-1, keepdim=True).values)
        P = P / P.sum(-1, keepdim=True)
        out = out + P @ X @ m.wv[h] @ m.wo[h]
    return out


@pytest.mark.parametrize("heads", [1, 2, 4])
def test_forward_matches_head_by_head_formula(heads):
    g = torch.Generator().manual_seed(1)
    m = sd.MultiHeadSelfAttention(8, heads, dtype=D64, generator=g)
    X = torch.randn(5, 8, dtype=D64, generator=g)
    torch.testing.assert_close(m(X), naive_msa(m, X), rtol=1e-12, atol=1e-12)
    assert m.beta == pytest.approx(1 / math.sqrt(8 / heads))


def test_attention_rows_are_probabilities_and_batch_dims_work():
    m = sd.MultiHeadSelfAttention(8, 2, dtype=D64)
    X = torch.randn(3, 2, 5, 8, dtype=D64)
    P = m.attention(X)
    assert P.shape == (3, 2, 2, 5, 5)
    torch.testing.assert_close(P.sum(-1), torch.ones(3, 2, 2, 5, dtype=D64))
    torch.testing.assert_close(m(X)[1, 0], m(X[1, 0]))


def test_symmetric_weights_give_equal_symmetric_products():
    m = sd.MultiHeadSelfAttention.symmetric(6, dtype=D64, generator=torch.Generator().manual_seed(0))
    A, V = m.qk_matrices()[0], m.value_matrices()[0]
    torch.testing.assert_close(A, A.T)
    torch.testing.assert_close(A, V)


def test_generalized_symmetric_value_is_symmetric_part_of_asymmetric_qk():
    m = sd.MultiHeadSelfAttention.generalized_symmetric(6, dtype=D64, generator=torch.Generator().manual_seed(0))
    A, V = m.qk_matrices()[0], m.value_matrices()[0]
    assert (A - A.T).abs().max() > 0.1  # really asymmetric
    torch.testing.assert_close(V, (A + A.T) / 2)


@pytest.mark.parametrize("asymmetric", [False, True])
def test_orthogonal_heads_act_on_orthogonal_subspaces(asymmetric):
    m = sd.MultiHeadSelfAttention.orthogonal_heads(8, 2, asymmetric=asymmetric, dtype=D64)
    A, V = m.qk_matrices(), m.value_matrices()
    for h in range(2):
        torch.testing.assert_close(V[h], (A[h] + A[h].T) / 2)
        for k in range(2):
            if h != k:
                for P, Q in ((A[h], A[k]), (A[h].T, A[k]), (A[h], A[k].T)):
                    assert (P @ Q).abs().max() < 1e-12
    assert torch.linalg.matrix_rank(A[0]) <= (2 if asymmetric else 4)


def test_bad_constructor_arguments_name_the_argument():
    with pytest.raises(ValueError, match="divisible by `heads`"):
        sd.MultiHeadSelfAttention(10, 3)
    with pytest.raises(ValueError, match="`scale`"):
        sd.MultiHeadSelfAttention(8, 2, scale=-1.0)
    with pytest.raises(ValueError, match="symmetric"):
        sd.MultiHeadSelfAttention.symmetric(3, matrix=torch.arange(9.0).reshape(3, 3))


def test_bad_state_gets_clear_error():
    m = sd.MultiHeadSelfAttention(8, 2)
    with pytest.raises(ValueError, match=r"\(\.\.\., S, D\)"):
        m(torch.randn(8))
    with pytest.raises(ValueError, match="trailing dimension D=8"):
        m(torch.randn(4, 7))
    with pytest.raises(TypeError, match="floating dtype"):
        m(torch.ones(4, 8, dtype=torch.int64))
