"""Instructor solutions for tutorial 01 (run by tests/test_exercises.py; in sadyn/teaching/solutions/)."""

import torch


def energy(X: torch.Tensor, A: torch.Tensor, beta: float) -> torch.Tensor:
    """E(X) = -(1/(2 beta)) sum_ij exp(beta x_i^T A x_j)."""
    return -torch.exp(beta * X @ A @ X.T).sum() / (2 * beta)
