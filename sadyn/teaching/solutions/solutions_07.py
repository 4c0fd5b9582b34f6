"""Instructor solutions for tutorial 07 (run by tests/test_exercises.py; in sadyn/teaching/solutions/)."""

import math

import sadyn as sd


def finite_time_max(f, x0, T: int) -> float:
    """lambda_max^(T) = (1/T) ln sigma_max(D f^T(x0)): the spectral norm of the T-fold composition."""

    def f_T(x):
        for _ in range(T):
            x = f(x)
        return x

    return math.log(sd.spectral_norm(f_T, x0)) / T
