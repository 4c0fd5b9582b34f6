"""Instructor solutions for tutorial 03 (run by tests/test_exercises.py; in sadyn/teaching/solutions/)."""

import torch


def rmsnorm_jacobian(y: torch.Tensor, gamma: torch.Tensor) -> torch.Tensor:
    """Lemma A.3: d(gamma * y/||y||)/dy = diag(gamma) (I - yhat yhat^T) / ||y||."""
    n = torch.linalg.vector_norm(y)
    yhat = y / n
    return torch.diag(gamma) @ (torch.eye(len(y), dtype=y.dtype) - torch.outer(yhat, yhat)) / n
