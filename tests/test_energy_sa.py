"""Energy-based SA (eqs. (3)-(4), Props. 4.1-4.2): the energy against its derivative, decrease and its violations."""

import pytest
import torch

import sadyn as sd

D64 = torch.float64


def random_states(m: sd.EnergySA, n: int, S: int = 6, seed: int = 0) -> torch.Tensor:
    X = torch.randn(n, S, m.dim, dtype=D64, generator=torch.Generator().manual_seed(seed))
    return sd.sphere_project(X) if m.project else X / m.dim**0.5


def test_energy_gradient_has_the_closed_form_of_eq4():
    """grad_{x_i} E = -sum_j exp(beta x_i^T A x_j) A x_j for symmetric A (i = j included)."""
    m = sd.EnergySA(6, dtype=D64, generator=torch.Generator().manual_seed(1), beta=0.8)
    X = random_states(m, 1)[0].requires_grad_(True)
    (g,) = torch.autograd.grad(m.energy(X), X)
    A = m.attention.qk_matrices()[0]
    e = torch.exp(0.8 * X @ A @ X.T)
    torch.testing.assert_close(g, -(e @ X @ A), rtol=1e-12, atol=1e-12)


def test_symmetric_energy_rate_matches_minus_z_times_tangent_norm():
    m = sd.EnergySA(6, dtype=D64, generator=torch.Generator().manual_seed(2))
    X = random_states(m, 8)
    A = m.attention.qk_matrices()[0]
    e = torch.exp(m.beta * X @ A @ X.transpose(-1, -2))
    Z = e.sum(-1)
    Am = (e / Z[..., None]) @ X @ A
    expected = -(Z * sd.tangent_project(X, Am).pow(2).sum(-1)).sum(-1)
    torch.testing.assert_close(m.energy_rate(X), expected, rtol=1e-10, atol=1e-12)
    assert (m.energy_rate(X) <= 0).all()


@pytest.mark.parametrize("heads, beta, steps", [(1, None, 60), (1, 4.0, 60), (2, None, 20), (4, 2.0, 10)])
def test_energy_decreases_monotonically_under_the_conditions(heads, beta, steps):
    """Without projection (H > 1) the states grow and E runs to -inf; a short horizon keeps it finite."""
    m = sd.EnergySA(8, heads, dt=0.05, beta=beta, dtype=D64, generator=torch.Generator().manual_seed(3))
    X = random_states(m, 4, S=10)
    assert (m.energy_rate(X) <= 1e-12).all()
    tr = m.rollout(X, steps=steps)
    assert bool(torch.isfinite(tr.energies).all())
    assert tr.energy_kind == "lyapunov" and not tr.diverged
    assert tr.energy_decreasing(atol=1e-12)
    assert (tr.energies[-1] < tr.energies[0]).all()


def test_tokens_cluster_on_the_sphere_with_identity_weights():
    eye = torch.eye(3, dtype=D64)
    m = sd.EnergySA(3, matrix=eye, beta=1.0, dt=0.2, dtype=D64)
    X = random_states(m, 1, S=16, seed=5)
    tr = m.rollout(X, steps=400)
    final = tr.states[-1, 0]
    assert (final @ final.T).min() > 0.999  # one cluster
    assert (final.norm(dim=-1) - 1).abs().max() < 1e-12


def test_breaking_the_condition_lets_the_energy_increase():
    m = sd.EnergySA(8, 2, condition="broken", dtype=D64, generator=torch.Generator().manual_seed(4))
    assert (m.energy_rate(random_states(m, 64)) > 1e-6).any()
    t = sd.EnergySA(8, symmetry_breaking=1.0, dtype=D64, generator=torch.Generator().manual_seed(4))
    assert (t.energy_rate(random_states(t, 64)) > 1e-6).any()


def test_prop41_reconstructed_energy_is_not_monotone_for_asymmetric_qk():
    """A documented finding: with V = sym(A) and asymmetric A, the reconstructed E can increase (module docstring)."""
    m = sd.EnergySA(
        6, condition="generalized", scale=3.0, beta=2.0, dtype=D64, generator=torch.Generator().manual_seed(7)
    )
    A = m.attention.qk_matrices()[0]
    assert (A - A.T).abs().max() > 0.5
    rates = m.energy_rate(random_states(m, 512))
    assert (rates > 1e-9).any() and (rates < 0).any()


def test_energy_with_input_is_refused_and_trajectory_has_no_energy():
    m = sd.EnergySA(6, dtype=D64)
    X = random_states(m, 1)[0]
    with pytest.raises(ValueError, match="autonomous flow only"):
        m.energy(X, torch.randn_like(X))
    assert m.rollout(X, torch.randn_like(X), steps=3).energies is None
