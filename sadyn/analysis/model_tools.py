r"""Analyses that need a model's parts, not just its map: Prop. 5.1's bound, the pseudo-energy, the contribution index.

* Prop. 5.1 (ItrSA, eq. (9)): if every token (or normalized group) of the normalization's input
  ``Y = X + eta (C + MSA(X))`` has norm at least R, then

  .. math:: \|J\|_2 \le \frac{\max_j |\gamma_j|}{R}\,\big(1 + \eta\,\|J_{MSA}(X)\|_2\big).

* Pseudo-energy (Sec. 6.3, AKOrN's logged energy): :math:`E = -\mathrm{Tr}(X^\top (C + \mathrm{MSA}(X)))`.
* Contribution index (Sec. 6.3, Fig. 6): with :math:`S = J + J^\top` and its eigenvectors :math:`v_k` sorted by
  descending eigenvalue, the share of the state in the top 2% eigenspace,
  :math:`\sum_{k \le 0.02 n} (v_k^\top x)^2 / \|x\|^2`. Since :math:`E_{pseudo} \approx -x^\top S x / 2` when
  :math:`\mathrm{vec}(\mathrm{MSA}(X)) \approx J x`, a rising index means the loop concentrates the state in the
  eigenspaces that lower the pseudo-energy, like a power iteration.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

import torch
from torch import Tensor, nn

from .._validate import check_bool, check_fraction
from ..threads import threads
from ._maps import Linearization, dense_jacobians, flat_map
from .spectra import spectral_norm

if TYPE_CHECKING:  # the models import the analysis engine; the names are for the annotations only
    from ..dynamics import ItrSA
    from ..dynamics._base import LoopedModel

__all__ = ["prop51_bound", "pseudo_energy", "contribution_index"]

_DENSE_MAX = 2048  # above this state size the top eigenvectors of J + J^T come from ARPACK (Lanczos)


def _itrsa_like(model: object) -> ItrSA:
    from ..dynamics import ItrSA

    if isinstance(model, type):
        raise TypeError(f"`model` must be an ItrSA instance, got the class {model.__name__}; build one first.")
    if not isinstance(model, ItrSA):
        raise TypeError(
            f"`model` must be an ItrSA (Prop. 5.1 bounds X -> Norm(X + eta (C + MSA(X)))), got {type(model).__name__}; "
            f"AKOrN's update adds a rotation and a tangent projection, which the proposition does not cover."
        )
    return model


def _state_and_input(model: LoopedModel, X: object, C: object) -> tuple[Tensor, Tensor | None]:
    X, C = model._check(X, C)  # dtype/device against the model's parameters, C against X
    if X.ndim != 2:
        raise ValueError(f"`X` must be one state of shape (S, {model.dim}), got {tuple(X.shape)}; index a batch first.")
    return X, C


@torch.no_grad()
def prop51_bound(model: nn.Module, X: Tensor, C: Tensor | None = None, *, exact: bool = False) -> float:
    r"""The right-hand side of Prop. 5.1 for an ItrSA step at ``X``: ``max|gamma| / R * (1 + eta ||J_MSA(X)||_2)``.

    ``R`` is the smallest norm of a normalized group of ``Y = model.pre_norm(X, C)`` (a token, or a chunk of
    ``model.norm.group`` channels; LayerNorm centres each group first, ``norm="sphere"`` has gamma = 1, and
    without a normalization the factor ``max|gamma| / R`` is 1). Set it beside
    ``spectral_norm(model.as_map(C), X)``, which it always bounds.

    Arguments:
        model: an :class:`~sadyn.dynamics.ItrSA`.
        X: one state ``(S, D)``.
        C: the input ``(S, D)`` or ``None``.

    Other arguments:
        exact: compute ``||J_MSA||_2`` from the dense Jacobian instead of Lanczos.

    Returns:
        the bound, a float.

    Raises:
        TypeError: ``model`` is not an ItrSA. ValueError: ``X``/``C`` of the wrong shape.
    """
    model = _itrsa_like(model)
    exact = check_bool(exact, "exact")
    X, C = _state_and_input(model, X, C)
    sigma = spectral_norm(model.attention, X, exact=exact, tol=1e-10)
    eta = abs(float(model.eta))
    lipschitz_y = 1.0 + eta * sigma
    norm = model.norm
    if norm.kind is None:
        return lipschitz_y
    Y = model.pre_norm(X, C).reshape(X.shape[0], -1, norm.group)
    if norm.kind == "layer":
        Y = Y - Y.mean(-1, keepdim=True)
    R = float(torch.linalg.vector_norm(Y, dim=-1).min())
    return norm.max_gain() / R * lipschitz_y if R > 0 else math.inf


@torch.no_grad()
def pseudo_energy(model: nn.Module, X: Tensor, C: Tensor | None = None) -> Tensor:
    r"""E_pseudo = -Tr(X^T (C + MSA(X))) = -sum_{i,d} X_{id} (C + MSA(X))_{id} (Sec. 6.3; AKOrN's logged energy).

    Arguments:
        model: any model with an ``attention`` module (ItrSA, AKOrN).
        X: states ``(..., S, D)``.
        C: input of the same shape, or ``None`` (zero).

    Returns:
        one value per state, shape ``X.shape[:-2]``.
    """
    from ..dynamics._base import LoopedModel

    attention = getattr(model, "attention", None)
    if isinstance(model, type) or not isinstance(attention, nn.Module) or not isinstance(model, LoopedModel):
        what = f"the class {model.__name__}" if isinstance(model, type) else type(model).__name__
        raise TypeError(f"`model` must have an `attention` module (an ItrSA or AKOrN instance), got {what}.")
    X, C = model._check(X, C)
    drive = attention(X)
    if C is not None:
        drive = drive + C
    return -(X * drive).sum((-2, -1))


@torch.no_grad()
def contribution_index(f: Callable[[Tensor], Tensor], x: Tensor, *, fraction: float = 0.02) -> float:
    r"""Share of the state ``x`` in the top eigenspace of ``S = J + J^T`` (``J`` the Jacobian of ``f`` at ``x``).

    .. math:: \mathrm{CI} = \sum_{k=1}^{m} (v_k^\top x)^2 / \|x\|^2, \qquad m = \max(1, \lfloor \mathrm{fraction}\cdot n \rfloor)

    with :math:`v_k` the eigenvectors of ``S`` by descending eigenvalue (Sec. 6.3, Fig. 6 uses fraction 2% and
    ``f = model.attention``, so that ``J x ~ vec(MSA(X))``).

    Arguments:
        f: the map whose Jacobian defines ``S`` (for the paper's index: ``model.attention``).
        x: the state (any shape; flattened row-major).

    Other arguments:
        fraction: share of the ``n`` eigenvectors that count as "top" (0 < fraction <= 1).

    Returns:
        the index in [0, 1], a float.
    """
    fraction = check_fraction(fraction, "fraction")
    F, X = flat_map(f, x, xname="x")
    n = F.n
    m = max(1, int(math.floor(fraction * n)))
    xv = X[0]
    if n <= _DENSE_MAX:
        J = dense_jacobians(F, X[None])[0, 0]
        evals, evecs = torch.linalg.eigh(J + J.T)
        top = evecs[:, -m:]
    else:
        import numpy as np
        from scipy.sparse.linalg import LinearOperator, eigsh

        op = Linearization(F, X)

        def mv(v: np.ndarray) -> np.ndarray:
            t = torch.as_tensor(np.asarray(v).reshape(1, n), dtype=X.dtype)
            return (op.mv(t) + op.rmv(t))[0].double().numpy()

        A = LinearOperator((n, n), matvec=mv, dtype=np.float64)
        with threads(1):  # ARPACK and torch threads compete: sadyn/threads.py
            _, vecs = eigsh(A, k=m, which="LA", v0=np.random.default_rng(0).standard_normal(n))
        top = torch.as_tensor(vecs, dtype=X.dtype)
    a = top.T @ xv
    return float((a @ a) / (xv @ xv))
