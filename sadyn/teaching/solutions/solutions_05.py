"""Instructor solutions for tutorial 05 (run by tests/test_exercises.py; in sadyn/teaching/solutions/)."""

import math


def logistic_exponent(r: float, x0: float, steps: int) -> float:
    """lambda = (1/T) sum_t ln|r (1 - 2 x_t)| along the orbit of x -> r x (1 - x)."""
    x, total = x0, 0.0
    for _ in range(100):  # transient
        x = r * x * (1 - x)
    for _ in range(steps):
        total += math.log(abs(r * (1 - 2 * x)))
        x = r * x * (1 - x)
    return total / steps
