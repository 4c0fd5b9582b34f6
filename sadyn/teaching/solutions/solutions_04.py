"""Instructor solutions for tutorial 04 (run by tests/test_exercises.py; in sadyn/teaching/solutions/)."""

import torch


def toy_eigenvalues(eta: float, omegas: torch.Tensor) -> torch.Tensor:
    """Eigenvalues of I + eta Omega: a pair 1 +- i eta omega per frequency (eq. (18))."""
    return torch.cat([1 + 1j * eta * omegas, 1 - 1j * eta * omegas])
