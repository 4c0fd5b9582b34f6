"""Exercise checkers of tutorials 01-04 (energy, its rate, the RMSNorm Jacobian, the toy's eigenvalues)."""

from __future__ import annotations

from collections.abc import Callable

import torch

from ..dynamics import EnergySA
from ..norms import sphere_project
from ._common import _call, _report

__all__ = [
    "check_energy",
    "check_energy_rate",
    "check_rmsnorm_jacobian",
    "check_toy_eigenvalues",
]


def check_energy(energy: Callable[[torch.Tensor, torch.Tensor, float], torch.Tensor], *, trials: int = 5) -> bool:
    """Exercise 01: ``energy(X, A, beta)`` should return E(X) = -(1/(2 beta)) sum_ij exp(beta x_i^T A x_j) for one
    state X of shape (S, D), a symmetric A (D, D) and beta > 0, as a 0-d tensor."""
    g = torch.Generator().manual_seed(1234)
    for trial in range(trials):
        S, D = 3 + trial, 2 + trial % 3
        beta = 0.5 + trial
        model = EnergySA(D, beta=beta, dtype=torch.float64, generator=g)
        A = model.attention.qk_matrices()[0].detach()
        X = sphere_project(torch.randn(S, D, generator=g, dtype=torch.float64))
        with torch.no_grad():
            expected = float(model.energy(X))
        ok, got = _call(lambda: energy(X, A, beta))  # noqa: B023 - called within this iteration
        if not ok:
            return False
        got_t = torch.as_tensor(got, dtype=torch.float64)
        if got_t.numel() != 1:
            return _report(
                False, f"return one number (a 0-d tensor), got shape {tuple(got_t.shape)}; sum over i and j."
            )
        if not torch.isclose(got_t.reshape(()), torch.tensor(expected, dtype=torch.float64), rtol=1e-8, atol=1e-10):
            hint = ""
            if abs(float(got_t) - expected * 2 * beta) < 1e-6 * abs(expected * 2 * beta):
                hint = " It looks like the factor -1/(2 beta) is missing."
            elif float(got_t) * expected < 0:
                hint = " The sign is off: the energy is minus a sum of exponentials."
            return _report(
                False, f"for S={S}, D={D}, beta={beta} expected {expected:.6g}, got {float(got_t):.6g}.{hint}"
            )
    return _report(True, f"your energy matches sadyn's on {trials} random states.")


def check_energy_rate(energy_rate: Callable[[EnergySA, torch.Tensor], torch.Tensor], *, trials: int = 4) -> bool:
    """Exercise 02: ``energy_rate(model, X)`` should return dE/dt = <grad E(X), model.velocity(X)> per batch element
    (shape ``X.shape[:-2]``), with the gradient taken by autograd."""
    g = torch.Generator().manual_seed(4321)
    for trial in range(trials):
        heads = (1, 2)[trial % 2]
        model = EnergySA(4 * heads, heads, condition="broken", dtype=torch.float64, generator=g)
        X = torch.randn(3, 5, 4 * heads, generator=g, dtype=torch.float64)
        X = model.normalize(X) if model.project else X
        expected = model.energy_rate(X)
        ok, got = _call(lambda: energy_rate(model, X.clone()))  # noqa: B023 - called within this iteration
        if not ok:
            return False
        got_t = torch.as_tensor(got).detach().to(torch.float64)
        if got_t.shape != expected.shape:
            return _report(
                False,
                f"return one rate per state: shape {tuple(expected.shape)}, got {tuple(got_t.shape)}; "
                f"sum the product over the last two axes only.",
            )
        if not torch.allclose(got_t, expected, rtol=1e-8, atol=1e-10):
            return _report(
                False,
                f"for heads={heads} expected {expected.tolist()}, got {got_t.tolist()}. Hint: "
                f"torch.autograd.grad(model.energy(X).sum(), X) needs X.requires_grad_(True).",
            )
    return _report(True, f"your dE/dt matches sadyn's on {trials} random models.")


def check_rmsnorm_jacobian(rmsnorm_jacobian: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> bool:
    """Exercise 03: ``rmsnorm_jacobian(y, gamma)`` should return the D x D Jacobian of y -> gamma * y / ||y|| at one
    token ``y`` (Lemma A.3: diag(gamma) (I - yhat yhat^T) / ||y||), checked against autodiff."""
    from ..analysis.jacobian import jacobian
    from ..norms import rms_norm

    g = torch.Generator().manual_seed(99)
    for D in (2, 5, 8):
        y = 3 * torch.randn(D, generator=g, dtype=torch.float64)
        gamma = torch.rand(D, generator=g, dtype=torch.float64) + 0.5
        expected = jacobian(lambda v: rms_norm(v, gamma), y)  # noqa: B023 - called within this iteration
        ok, got = _call(lambda: torch.as_tensor(rmsnorm_jacobian(y.clone(), gamma.clone()), dtype=torch.float64))  # noqa: B023 - called within this iteration
        if not ok:
            return False
        if got.shape != (D, D):
            return _report(
                False, f"return a ({D}, {D}) matrix for a token of dimension {D}, got shape {tuple(got.shape)}."
            )
        if not torch.allclose(got, expected, atol=1e-10):
            hint = (
                " Hint: the projector is I - y y^T / ||y||^2, and gamma multiplies the rows (diag(gamma) on the left)."
            )
            if torch.allclose(got, expected.T, atol=1e-10):
                hint = " You have the transpose: gamma scales the output coordinates, i.e. the rows."
            return _report(
                False,
                f"for D={D} the largest difference from autodiff is {float((got - expected).abs().max()):.3g}.{hint}",
            )
    return _report(True, "your Jacobian matches autodiff: a projector (norm 1) divided by ||y||, times the gain.")


def check_toy_eigenvalues(toy_eigenvalues: Callable[[float, torch.Tensor], torch.Tensor]) -> bool:
    """Exercise 04: ``toy_eigenvalues(eta, omegas)`` should return the eigenvalues of I + eta Omega for the
    frequencies ``omegas`` (one per channel pair), as a complex tensor in any order (eq. (18))."""
    from ..analysis.spectra import eigenvalues
    from ..dynamics import OscillatorToy

    for eta, omegas in ((0.3, [1.0]), (0.5, [2.0, 0.5]), (1.2, [0.1, 3.0, 1.0])):
        w = torch.tensor(omegas, dtype=torch.float64)
        toy = OscillatorToy(2 * len(omegas), eta=eta, omega=w, normalize=False, dtype=torch.float64)
        expected = eigenvalues(toy.as_map(), torch.ones(1, 2 * len(omegas), dtype=torch.float64))
        ok, got = _call(lambda: torch.as_tensor(toy_eigenvalues(eta, w.clone())))  # noqa: B023 - called within this iteration
        if not ok:
            return False
        got = got.to(torch.complex128).flatten()
        if got.numel() != expected.numel():
            return _report(
                False,
                f"{len(omegas)} frequencies give {expected.numel()} eigenvalues (a conjugate pair each), "
                f"got {got.numel()}.",
            )
        key = lambda z: torch.argsort(z.real * 1e6 + z.imag)  # noqa: E731
        if not torch.allclose(got[key(got)], expected[key(expected)], atol=1e-9):
            return _report(
                False,
                f"for eta={eta}, omegas={omegas} expected {expected.numpy().round(4)}, "
                f"got {got.numpy().round(4)}. Hint: each pair gives 1 +- i eta omega.",
            )
    return _report(True, "1 +- i eta omega for every pair: outside the unit circle whenever eta * omega != 0.")
