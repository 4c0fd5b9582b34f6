"""Checked exercises for the tutorials: the reader's function is compared with the library on random inputs.

A checker never raises on a wrong answer: it prints what differs and a hint, and returns False, so the notebook
keeps running. An exercise left as ``raise NotImplementedError`` is reported as "not attempted yet".
Instructors' solutions live in ``tutorials/solutions/`` and the test suite runs them through these checkers.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from .dynamics import EnergySA
from .norms import sphere_project

__all__ = [
    "check_energy",
    "check_energy_rate",
    "check_toy_eigenvalues",
    "check_rmsnorm_jacobian",
    "check_logistic_exponent",
    "check_order_parameter",
    "check_two_trajectory",
    "check_finite_time_max",
    "check_contribution_index",
]


def _report(ok: bool, message: str) -> bool:
    print(("Correct! " if ok else "Not yet: ") + message)
    return ok


def _call(fn: Callable, *args) -> tuple[bool, object]:
    """Run the reader's function: (True, result) or (False, the report already printed)."""
    try:
        return True, fn(*args)
    except NotImplementedError:
        return False, _report(
            False, "the exercise is not attempted yet: replace `raise NotImplementedError` by your code."
        )
    except Exception as exc:
        return False, _report(False, f"your function raised {type(exc).__name__}: {exc}")


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
        ok, got = _call(lambda: energy(X, A, beta))
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
        ok, got = _call(lambda: energy_rate(model, X.clone()))
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


def check_toy_eigenvalues(toy_eigenvalues: Callable[[float, torch.Tensor], torch.Tensor]) -> bool:
    """Exercise 04: ``toy_eigenvalues(eta, omegas)`` should return the eigenvalues of I + eta Omega for the
    frequencies ``omegas`` (one per channel pair), as a complex tensor in any order (eq. (18))."""
    from .analysis.spectra import eigenvalues
    from .dynamics import OscillatorToy

    for eta, omegas in ((0.3, [1.0]), (0.5, [2.0, 0.5]), (1.2, [0.1, 3.0, 1.0])):
        w = torch.tensor(omegas, dtype=torch.float64)
        toy = OscillatorToy(2 * len(omegas), eta=eta, omega=w, normalize=False, dtype=torch.float64)
        expected = eigenvalues(toy.as_map(), torch.ones(1, 2 * len(omegas), dtype=torch.float64))
        ok, got = _call(lambda: torch.as_tensor(toy_eigenvalues(eta, w.clone())))
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


def check_rmsnorm_jacobian(rmsnorm_jacobian: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> bool:
    """Exercise 03: ``rmsnorm_jacobian(y, gamma)`` should return the D x D Jacobian of y -> gamma * y / ||y|| at one
    token ``y`` (Lemma A.3: diag(gamma) (I - yhat yhat^T) / ||y||), checked against autodiff."""
    from .analysis.jacobian import jacobian
    from .norms import rms_norm

    g = torch.Generator().manual_seed(99)
    for D in (2, 5, 8):
        y = 3 * torch.randn(D, generator=g, dtype=torch.float64)
        gamma = torch.rand(D, generator=g, dtype=torch.float64) + 0.5
        expected = jacobian(lambda v: rms_norm(v, gamma), y)
        ok, got = _call(lambda: torch.as_tensor(rmsnorm_jacobian(y.clone(), gamma.clone()), dtype=torch.float64))
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


def check_logistic_exponent(logistic_exponent: Callable[[float, float, int], float]) -> bool:
    """Exercise 05: ``logistic_exponent(r, x0, steps)`` should return the Lyapunov exponent of x -> r x (1 - x),
    the orbit average of ln|f'(x_t)| = ln|r (1 - 2 x_t)|, compared with ln 2 at r = 4 and with sadyn elsewhere."""
    from .analysis.lyapunov import lyapunov_spectrum
    from .systems import Logistic

    for r in (4.0, 3.5, 3.9):
        x0 = torch.tensor([0.3], dtype=torch.float64)
        ref = float(lyapunov_spectrum(Logistic(r), x0, steps=4000, transient=100).exponents[0])
        ok, got = _call(lambda: float(logistic_exponent(r, 0.3, 4000)))
        if not ok:
            return False
        if abs(got - ref) > 0.02:
            hint = " Hint: average log|r (1 - 2 x_t)| over the orbit, not log|x_t|."
            if abs(got - ref / math.log(2)) < 0.03:
                hint = " You used log base 2: exponents here are natural logs (nats per step)."
            return _report(False, f"at r={r} expected about {ref:.4f}, got {got:.4f}.{hint}")
    return _report(True, "ln 2 at r = 4, and the periodic window at r = 3.5 is negative, as it should be.")


def check_order_parameter(order_parameter: Callable[[torch.Tensor], torch.Tensor]) -> bool:
    """Exercise 06: ``order_parameter(theta)`` should return r = |mean_j exp(i theta_j)| for phases ``theta`` of shape
    (..., N), one value per leading index."""
    from .systems import Kuramoto

    g = torch.Generator().manual_seed(6)
    cases = [
        torch.zeros(5, dtype=torch.float64),
        torch.linspace(0, 2 * math.pi, 9, dtype=torch.float64)[:-1],
        2 * math.pi * torch.rand(3, 50, generator=g, dtype=torch.float64),
    ]
    for theta in cases:
        expected = Kuramoto.order_parameter(theta)
        ok, got = _call(lambda: torch.as_tensor(order_parameter(theta.clone()), dtype=torch.float64))
        if not ok:
            return False
        if got.shape != expected.shape:
            return _report(
                False,
                f"for phases of shape {tuple(theta.shape)} return shape {tuple(expected.shape)} "
                f"(average over the last axis), got {tuple(got.shape)}.",
            )
        if not torch.allclose(got, expected, atol=1e-10):
            return _report(
                False,
                f"for phases {theta.flatten()[:4].numpy().round(2)}... expected {expected.numpy().round(4)}, "
                f"got {got.numpy().round(4)}. Hint: average the unit vectors (cos, sin) first, then take the length.",
            )
    return _report(True, "1 for identical phases, 0 for evenly spread ones.")


def check_two_trajectory(
    two_trajectory: Callable[[Callable[[torch.Tensor], torch.Tensor], torch.Tensor, int], float],
) -> bool:
    """Exercise 09: ``two_trajectory(f, x0, steps)`` should estimate lambda_max by following x and a perturbed copy,
    renormalizing their distance to d0 after every step and averaging ln(d / d0) (Benettin et al. 1976). Checked on
    the Henon map (0.419) and on a contracting linear map (ln 0.5) against the QR method."""
    from .analysis.lyapunov import lyapunov_spectrum
    from .systems import Henon, Linear

    cases = [
        (Henon(), torch.tensor([0.1, 0.1], dtype=torch.float64)),
        (
            Linear(torch.diag(torch.tensor([0.5, 0.25], dtype=torch.float64))),
            torch.tensor([1.0, 1.0], dtype=torch.float64),
        ),
    ]
    for system, x0 in cases:
        ref = float(lyapunov_spectrum(system, x0, steps=5000, transient=100, k=1).max)
        ok, got = _call(lambda: float(two_trajectory(system, x0.clone(), 5000)))
        if not ok:
            return False
        if not abs(got - ref) < 0.03:
            return _report(
                False,
                f"on {system!r} the QR method gives {ref:.4f}, your estimate {got:.4f}. Hint: after each "
                f"step, set the copy back to x + d0 * (copy - x) / |copy - x| and add ln(|copy - x| / d0).",
            )
    return _report(True, "two trajectories reproduce the largest exponent (and only that one: use QR for the rest).")


def check_finite_time_max(finite_time_max: Callable[[Callable, torch.Tensor, int], float]) -> bool:
    """Exercise 07: ``finite_time_max(f, x0, T)`` should return the finite-time maximal Lyapunov exponent
    (1/T) ln ||D f^T(x0)||_2 (App. B.3), e.g. with ``sadyn.spectral_norm`` of the T-fold composition; compared with
    ``sadyn.finite_time_lyapunov(f, x0, horizon=T).max`` on the Henon map and on a small ItrSA with input."""
    from .analysis import finite_time_lyapunov, spectral_norm
    from .dynamics import ItrSA
    from .systems import Henon

    g = torch.Generator().manual_seed(7)
    itrsa = ItrSA(8, 2, eta=1.0, scale=2.0, dtype=torch.float64, generator=g)
    C = torch.randn(4, 8, generator=g, dtype=torch.float64)
    cases = [
        ("the Henon map", Henon(), torch.tensor([0.1, 0.1], dtype=torch.float64), 12),
        (
            "an ItrSA step with input",
            itrsa.as_map(C),
            sphere_project(torch.randn(4, 8, generator=g, dtype=torch.float64)),
            16,
        ),
    ]
    for label, f, x0, T in cases:
        expected = float(finite_time_lyapunov(f, x0, horizon=T).max)
        ok, got = _call(finite_time_max, f, x0.clone(), T)
        if not ok:
            return False
        try:
            got = float(got)
        except (TypeError, ValueError):
            return _report(False, f"return one number (a float), got {type(got).__name__}.")
        if not math.isclose(got, expected, rel_tol=1e-5, abs_tol=1e-6):
            hint = " Hint: compose f with itself T times, take ln of the largest singular value, divide by T."
            if math.isclose(got, expected * T, rel_tol=1e-4, abs_tol=1e-5):
                hint = " You forgot to divide by T: exponents are per step."
            elif math.isclose(got, expected / math.log(10), rel_tol=1e-4, abs_tol=1e-5):
                hint = " You used log10: exponents are natural logs (nats per step)."
            elif math.isclose(got, math.log(spectral_norm(f, x0)), rel_tol=1e-4, abs_tol=1e-5):
                hint = " That is ln ||J_0||: the one-step norm. Differentiate the T-fold composition f(f(...f(x0)))."
            return _report(False, f"for {label} (T={T}) expected {expected:.5f}, got {got:.5f}.{hint}")
    return _report(
        True, "(1/T) ln sigma_max of the T-step Jacobian: the paper's finite-time lambda_max, without any QR."
    )


def check_contribution_index(contribution: Callable[[torch.Tensor, torch.Tensor, float], float]) -> bool:
    """Exercise 08: ``contribution(J, x, fraction)`` should return the share of ``x`` (n,) in the span of the top
    m = max(1, floor(fraction n)) eigenvectors of J + J^T (J an n x n matrix), sum_k (v_k^T x)^2 / ||x||^2
    (Sec. 6.3, Fig. 6); compared with ``sadyn.contribution_index`` of the linear map v -> J v."""
    from .analysis import contribution_index

    g = torch.Generator().manual_seed(8)
    for n, fraction in ((10, 0.2), (50, 0.02), (64, 0.1)):
        J = torch.randn(n, n, generator=g, dtype=torch.float64) / n**0.5
        x = torch.randn(n, generator=g, dtype=torch.float64)
        x = x + 3 * torch.linalg.eigh(J + J.T).eigenvectors[:, -1]  # give the top eigenspace a visible share
        expected = contribution_index(lambda v: v @ J.T, x, fraction=fraction)
        ok, got = _call(contribution, J.clone(), x.clone(), fraction)
        if not ok:
            return False
        try:
            got = float(got)
        except (TypeError, ValueError):
            return _report(False, f"return one number (a float in [0, 1]), got {type(got).__name__}.")
        if not math.isclose(got, expected, rel_tol=1e-6, abs_tol=1e-9):
            evals, evecs = torch.linalg.eigh(J + J.T)
            m = max(1, int(fraction * n))
            bottom = float(((evecs[:, :m].T @ x) ** 2).sum() / (x @ x))
            hint = " Hint: eigenvectors of the symmetric J + J^T (torch.linalg.eigh), the m largest eigenvalues, squared projections over ||x||^2."
            if math.isclose(got, bottom, rel_tol=1e-6):
                hint = " You took the smallest eigenvalues: torch.linalg.eigh sorts them ascending, so the top ones are the last m columns."
            elif math.isclose(got, expected * float(x @ x), rel_tol=1e-6):
                hint = " Divide by ||x||^2: the index is a share, between 0 and 1."
            return _report(False, f"for n={n}, fraction={fraction} expected {expected:.5f}, got {got:.5f}.{hint}")
    return _report(True, "the share of the state in the top eigenspace of J + J^T, as in the paper's Fig. 6.")
