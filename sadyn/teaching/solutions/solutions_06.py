"""Instructor solutions for tutorial 06 (run by tests/test_exercises.py; in sadyn/teaching/solutions/)."""

import torch


def order_parameter(theta: torch.Tensor) -> torch.Tensor:
    """r = |mean_j exp(i theta_j)| over the last axis."""
    return torch.exp(1j * theta).mean(-1).abs()
