"""Token geometry: how many clusters the tokens of a state form (the picture behind tutorial 01)."""

from __future__ import annotations

import torch
from torch import Tensor

from ._validate import check_state

__all__ = ["cluster_labels", "count_clusters"]


def cluster_labels(X: Tensor, *, threshold: float = 0.99) -> Tensor:
    """Cluster label of every token of one state ``(S, D)``: the smallest token index of its group, where
    cos(x_i, x_j) >= ``threshold`` links i and j (connected components of the similarity graph, found by label
    propagation, no Python loop over tokens). Sorting tokens by it puts each cluster in one block."""
    X = check_state(X, "X", X.shape[-1] if isinstance(X, Tensor) and X.ndim else 1)
    if X.ndim != 2:
        raise ValueError(f"`X` must be one state of shape (S, D), got {tuple(X.shape)}; index a batch first.")
    if not 0 < threshold <= 1:
        raise ValueError(f"`threshold` must be in (0, 1], got {threshold}.")
    U = X / torch.linalg.vector_norm(X, dim=-1, keepdim=True)
    linked = threshold <= (U @ U.T)
    labels = torch.arange(X.shape[0])
    for _ in range(X.shape[0]):
        new = torch.where(linked, labels[None, :], X.shape[0]).min(dim=1).values
        if torch.equal(new, labels):
            break
        labels = new
    return labels


def count_clusters(X: Tensor, *, threshold: float = 0.99) -> int:
    """Number of groups of tokens whose directions agree: cos(x_i, x_j) >= ``threshold`` links i and j.

    Connected components of the similarity graph of one state ``(S, D)`` (:func:`cluster_labels`).
    """
    return int(cluster_labels(X, threshold=threshold).unique().numel())
