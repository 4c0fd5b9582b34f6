"""Instructor solutions for tutorial 09 (run by tests/test_exercises.py; in sadyn/teaching/solutions/)."""

import math

import torch


def two_trajectory(f, x0: torch.Tensor, steps: int, d0: float = 1e-8) -> float:
    """Benettin's two-trajectory estimate of lambda_max: renormalize the separation to d0 after every step."""
    x = x0.clone()
    for _ in range(100):  # transient
        x = f(x)
    direction = torch.ones_like(x) / math.sqrt(x.numel())
    y = x + d0 * direction
    total = 0.0
    for _ in range(steps):
        x, y = f(x), f(y)
        d = float(torch.linalg.vector_norm(y - x))
        total += math.log(d / d0)
        y = x + d0 * (y - x) / d
    return total / steps
