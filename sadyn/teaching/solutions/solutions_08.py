"""Instructor solutions for tutorial 08 (run by tests/test_exercises.py; in sadyn/teaching/solutions/)."""

import torch


def contribution(J: torch.Tensor, x: torch.Tensor, fraction: float) -> float:
    """Share of x in the top m = max(1, floor(fraction n)) eigenvectors of J + J^T (eigh sorts ascending)."""
    n = x.numel()
    m = max(1, int(fraction * n))
    _, vecs = torch.linalg.eigh(J + J.T)
    a = vecs[:, -m:].T @ x
    return float(a @ a / (x @ x))
