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

__all__ = ["check_energy", "check_energy_rate", "check_toy_eigenvalues", "check_rmsnorm_jacobian",
           "check_logistic_exponent", "check_order_parameter",
           "check_two_trajectory"]


def _report(ok: bool, message: str) -> bool:
    print(("Correct! " if ok else "Not yet: ") + message)
    return ok


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
        try:
            got = energy(X, A, beta)
        except NotImplementedError:
            return _report(False, "the exercise is not attempted yet: replace `raise NotImplementedError` by your code.")
        except Exception as exc:  # the reader's code: show what went wrong without a traceback wall
            return _report(False, f"your function raised {type(exc).__name__}: {exc}")
        got_t = torch.as_tensor(got, dtype=torch.float64)
        if got_t.numel() != 1:
            return _report(False, f"return one number (a 0-d tensor), got shape {tuple(got_t.shape)}; sum over i and j.")
        if not torch.isclose(got_t.reshape(()), torch.tensor(expected, dtype=torch.float64), rtol=1e-8, atol=1e-10):
            hint = ""
            if abs(float(got_t) - expected * 2 * beta) < 1e-6 * abs(expected * 2 * beta):
                hint = " It looks like the factor -1/(2 beta) is missing."
            elif float(got_t) * expected < 0:
                hint = " The sign is off: the energy is minus a sum of exponentials."
            return _report(False, f"for S={S}, D={D}, beta={beta} expected {expected:.6g}, got {float(got_t):.6g}.{hint}")
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
        try:
            got = energy_rate(model, X.clone())
        except NotImplementedError:
            return _report(False, "the exercise is not attempted yet: replace `raise NotImplementedError` by your code.")
        except Exception as exc:
            return _report(False, f"your function raised {type(exc).__name__}: {exc}")
        got_t = torch.as_tensor(got).detach().to(torch.float64)
        if got_t.shape != expected.shape:
            return _report(False, f"return one rate per state: shape {tuple(expected.shape)}, got {tuple(got_t.shape)}; "
                                  f"sum the product over the last two axes only.")
        if not torch.allclose(got_t, expected, rtol=1e-8, atol=1e-10):
            return _report(False, f"for heads={heads} expected {expected.tolist()}, got {got_t.tolist()}. Hint: "
                                  f"torch.autograd.grad(model.energy(X).sum(), X) needs X.requires_grad_(True).")
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
        try:
            got = torch.as_tensor(toy_eigenvalues(eta, w.clone()))
        except NotImplementedError:
            return _report(False, "the exercise is not attempted yet: replace `raise NotImplementedError` by your code.")
        except Exception as exc:
            return _report(False, f"your function raised {type(exc).__name__}: {exc}")
        got = got.to(torch.complex128).flatten()
        if got.numel() != expected.numel():
            return _report(False, f"{len(omegas)} frequencies give {expected.numel()} eigenvalues (a conjugate pair each), "
                                  f"got {got.numel()}.")
        key = lambda z: torch.argsort(z.real * 1e6 + z.imag)  # noqa: E731
        if not torch.allclose(got[key(got)], expected[key(expected)], atol=1e-9):
            return _report(False, f"for eta={eta}, omegas={omegas} expected {expected.numpy().round(4)}, "
                                  f"got {got.numpy().round(4)}. Hint: each pair gives 1 +- i eta omega.")
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
        try:
            got = torch.as_tensor(rmsnorm_jacobian(y.clone(), gamma.clone()), dtype=torch.float64)
        except NotImplementedError:
            return _report(False, "the exercise is not attempted yet: replace `raise NotImplementedError` by your code.")
        except Exception as exc:
            return _report(False, f"your function raised {type(exc).__name__}: {exc}")
        if got.shape != (D, D):
            return _report(False, f"return a ({D}, {D}) matrix for a token of dimension {D}, got shape {tuple(got.shape)}.")
        if not torch.allclose(got, expected, atol=1e-10):
            hint = " Hint: the projector is I - y y^T / ||y||^2, and gamma multiplies the rows (diag(gamma) on the left)."
            if torch.allclose(got, expected.T, atol=1e-10):
                hint = " You have the transpose: gamma scales the output coordinates, i.e. the rows."
            return _report(False, f"for D={D} the largest difference from autodiff is {float((got - expected).abs().max()):.3g}.{hint}")
    return _report(True, "your Jacobian matches autodiff: a projector (norm 1) divided by ||y||, times the gain.")


def check_logistic_exponent(logistic_exponent: Callable[[float, float, int], float]) -> bool:
    """Exercise 05: ``logistic_exponent(r, x0, steps)`` should return the Lyapunov exponent of x -> r x (1 - x),
    the orbit average of ln|f'(x_t)| = ln|r (1 - 2 x_t)|, compared with ln 2 at r = 4 and with sadyn elsewhere."""
    from .analysis.lyapunov import lyapunov_spectrum
    from .systems import Logistic

    for r in (4.0, 3.5, 3.9):
        x0 = torch.tensor([0.3], dtype=torch.float64)
        ref = float(lyapunov_spectrum(Logistic(r), x0, steps=4000, transient=100).exponents[0])
        try:
            got = float(logistic_exponent(r, 0.3, 4000))
        except NotImplementedError:
            return _report(False, "the exercise is not attempted yet: replace `raise NotImplementedError` by your code.")
        except Exception as exc:
            return _report(False, f"your function raised {type(exc).__name__}: {exc}")
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
    cases = [torch.zeros(5, dtype=torch.float64), torch.linspace(0, 2 * math.pi, 9, dtype=torch.float64)[:-1],
             2 * math.pi * torch.rand(3, 50, generator=g, dtype=torch.float64)]
    for theta in cases:
        expected = Kuramoto.order_parameter(theta)
        try:
            got = torch.as_tensor(order_parameter(theta.clone()), dtype=torch.float64)
        except NotImplementedError:
            return _report(False, "the exercise is not attempted yet: replace `raise NotImplementedError` by your code.")
        except Exception as exc:
            return _report(False, f"your function raised {type(exc).__name__}: {exc}")
        if got.shape != expected.shape:
            return _report(False, f"for phases of shape {tuple(theta.shape)} return shape {tuple(expected.shape)} "
                                  f"(average over the last axis), got {tuple(got.shape)}.")
        if not torch.allclose(got, expected, atol=1e-10):
            return _report(False, f"for phases {theta.flatten()[:4].numpy().round(2)}... expected {expected.numpy().round(4)}, "
                                  f"got {got.numpy().round(4)}. Hint: average the unit vectors (cos, sin) first, then take the length.")
    return _report(True, "1 for identical phases, 0 for evenly spread ones.")


def check_two_trajectory(two_trajectory: Callable[[Callable[[torch.Tensor], torch.Tensor], torch.Tensor, int], float]) -> bool:
    """Exercise 09: ``two_trajectory(f, x0, steps)`` should estimate lambda_max by following x and a perturbed copy,
    renormalizing their distance to d0 after every step and averaging ln(d / d0) (Benettin et al. 1976). Checked on
    the Henon map (0.419) and on a contracting linear map (ln 0.5) against the QR method."""
    from .analysis.lyapunov import lyapunov_spectrum
    from .systems import Henon, Linear

    cases = [(Henon(), torch.tensor([0.1, 0.1], dtype=torch.float64)),
             (Linear(torch.diag(torch.tensor([0.5, 0.25], dtype=torch.float64))), torch.tensor([1.0, 1.0], dtype=torch.float64))]
    for system, x0 in cases:
        ref = float(lyapunov_spectrum(system, x0, steps=5000, transient=100, k=1).max)
        try:
            got = float(two_trajectory(system, x0.clone(), 5000))
        except NotImplementedError:
            return _report(False, "the exercise is not attempted yet: replace `raise NotImplementedError` by your code.")
        except Exception as exc:
            return _report(False, f"your function raised {type(exc).__name__}: {exc}")
        if not abs(got - ref) < 0.03:
            return _report(False, f"on {system!r} the QR method gives {ref:.4f}, your estimate {got:.4f}. Hint: after each "
                                  f"step, set the copy back to x + d0 * (copy - x) / |copy - x| and add ln(|copy - x| / d0).")
    return _report(True, "two trajectories reproduce the largest exponent (and only that one: use QR for the rest).")
