"""Exercise checkers of tutorials 05-09 (logistic exponent, order parameter, finite-time maximum,
contribution index, two-trajectory estimate)."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from ..norms import sphere_project
from ._common import _call, _report

__all__ = [
    "check_logistic_exponent",
    "check_order_parameter",
    "check_finite_time_max",
    "check_contribution_index",
    "check_two_trajectory",
]


def check_logistic_exponent(logistic_exponent: Callable[[float, float, int], float]) -> bool:
    """Exercise 05: ``logistic_exponent(r, x0, steps)`` should return the Lyapunov exponent of x -> r x (1 - x),
    the orbit average of ln|f'(x_t)| = ln|r (1 - 2 x_t)|, compared with ln 2 at r = 4 and with sadyn elsewhere."""
    from ..analysis.lyapunov import lyapunov_spectrum
    from ..systems import Logistic

    for r in (4.0, 3.5, 3.9):
        x0 = torch.tensor([0.3], dtype=torch.float64)
        ref = float(lyapunov_spectrum(Logistic(r), x0, steps=4000, transient=100).exponents[0])
        ok, got = _call(lambda: float(logistic_exponent(r, 0.3, 4000)))  # noqa: B023 - called within this iteration
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
    from ..systems import Kuramoto

    g = torch.Generator().manual_seed(6)
    cases = [
        torch.zeros(5, dtype=torch.float64),
        torch.linspace(0, 2 * math.pi, 9, dtype=torch.float64)[:-1],
        2 * math.pi * torch.rand(3, 50, generator=g, dtype=torch.float64),
    ]
    for theta in cases:
        expected = Kuramoto.order_parameter(theta)
        ok, got = _call(lambda: torch.as_tensor(order_parameter(theta.clone()), dtype=torch.float64))  # noqa: B023 - called within this iteration
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


def check_finite_time_max(finite_time_max: Callable[[Callable, torch.Tensor, int], float]) -> bool:
    """Exercise 07: ``finite_time_max(f, x0, T)`` should return the finite-time maximal Lyapunov exponent
    (1/T) ln ||D f^T(x0)||_2 (App. B.3), e.g. with ``sadyn.spectral_norm`` of the T-fold composition; compared with
    ``sadyn.finite_time_lyapunov(f, x0, horizon=T).max`` on the Henon map and on a small ItrSA with input."""
    from ..analysis import finite_time_lyapunov, spectral_norm
    from ..dynamics import ItrSA
    from ..systems import Henon

    g = torch.Generator().manual_seed(7)
    itrsa = ItrSA(8, 2, eta=1.0, scale=2.0, dtype=torch.float64, generator=g)
    C = torch.randn(4, 8, generator=g, dtype=torch.float64)
    cases: list[tuple[str, Callable[[torch.Tensor], torch.Tensor], torch.Tensor, int]] = [
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
    from ..analysis import contribution_index

    g = torch.Generator().manual_seed(8)
    for n, fraction in ((10, 0.2), (50, 0.02), (64, 0.1)):
        J = torch.randn(n, n, generator=g, dtype=torch.float64) / n**0.5
        x = torch.randn(n, generator=g, dtype=torch.float64)
        x = x + 3 * torch.linalg.eigh(J + J.T).eigenvectors[:, -1]  # give the top eigenspace a visible share
        expected = contribution_index(lambda v: v @ J.T, x, fraction=fraction)  # noqa: B023 - called within this iteration
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


def check_two_trajectory(
    two_trajectory: Callable[[Callable[[torch.Tensor], torch.Tensor], torch.Tensor, int], float],
) -> bool:
    """Exercise 09: ``two_trajectory(f, x0, steps)`` should estimate lambda_max by following x and a perturbed copy,
    renormalizing their distance to d0 after every step and averaging ln(d / d0) (Benettin et al. 1976). Checked on
    the Henon map (0.419) and on a contracting linear map (ln 0.5) against the QR method."""
    from ..analysis.lyapunov import lyapunov_spectrum
    from ..systems import Henon, Linear

    cases = [
        (Henon(), torch.tensor([0.1, 0.1], dtype=torch.float64)),
        (
            Linear(torch.diag(torch.tensor([0.5, 0.25], dtype=torch.float64))),
            torch.tensor([1.0, 1.0], dtype=torch.float64),
        ),
    ]
    for system, x0 in cases:
        ref = float(lyapunov_spectrum(system, x0, steps=5000, transient=100, k=1).max)
        ok, got = _call(lambda: float(two_trajectory(system, x0.clone(), 5000)))  # noqa: B023 - called within this iteration
        if not ok:
            return False
        if not abs(got - ref) < 0.03:
            return _report(
                False,
                f"on {system!r} the QR method gives {ref:.4f}, your estimate {got:.4f}. Hint: after each "
                f"step, set the copy back to x + d0 * (copy - x) / |copy - x| and add ln(|copy - x| / d0).",
            )
    return _report(True, "two trajectories reproduce the largest exponent (and only that one: use QR for the rest).")
