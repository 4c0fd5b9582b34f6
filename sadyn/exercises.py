"""Checked exercises for the tutorials: the reader's function is compared with the library on random inputs.

A checker never raises on a wrong answer: it prints what differs and a hint, and returns False, so the notebook
keeps running. An exercise left as ``raise NotImplementedError`` is reported as "not attempted yet".
Instructors' solutions live in ``tutorials/solutions/`` and the test suite runs them through these checkers.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from .dynamics import EnergySA
from .norms import sphere_project

__all__ = ["check_energy", "check_energy_rate"]


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
