"""Energy-based self-attention: the continuous flows of eqs. (3)-(4) and Props. 4.1-4.2, Euler-integrated.

Flow (single head, on the sphere):  dx_i/dt = Proj_{x_i}( sum_j P_ij V x_j ),  P = softmax_row(beta X A X^T)
Flow (Prop. 4.2, no projection):    dX/dt = sum_h SA_h(X)
Energy:                              E(X) = -(1/(2 beta)) sum_h sum_{i,j} exp(beta x_i^T A_h x_j)

What we derived and check in ``tests/test_energy_sa.py`` (float64, dE/dt = <grad E, dX/dt> by autograd):

* Symmetric A_h = V_h (eq. (4)): grad_{x_i} E = -sum_h Z_{h,i} A_h m_{h,i} with m_{h,i} = sum_j P_{h,ij} x_j and
  Z_{h,i} = sum_j exp(beta x_i^T A_h x_j), the i = j term included. For one head with projection,
  dE/dt = -sum_i Z_i ||Proj_{x_i}(A m_i)||^2 <= 0.
* Prop. 4.2 (several heads, no projection): if the heads act on mutually orthogonal subspaces
  (A_h A_{h'} = 0 for h != h', built by :meth:`MultiHeadSelfAttention.orthogonal_heads`), the cross terms vanish
  and dE/dt = -sum_{h,i} Z_{h,i} ||A_h m_{h,i}||^2 <= 0. Without orthogonality the cross terms have no sign and
  the tests find states where E increases. (With projection and H > 1 the cross terms become
  -(x_i^T A_h m_h)(x_i^T A_h' m_h'), also without a sign in general.) Without projection the states grow, and E
  runs to -infinity within tens of steps: keep horizons short.
* Prop. 4.1 (asymmetric A, V = (A + A^T)/2): with the energy above, grad_{x_i} E = -(1/2) sum_j (e_ij A + e_ji A^T) x_j
  with e_ij = exp(beta x_i^T A x_j) != e_ji, which V m_i does not match. Our tests find states where dE/dt > 0 for
  an asymmetric A under this condition, so the reconstructed energy is *not* a Lyapunov function there (the
  digest marks the energy as reconstructed; the exact statement could not be recovered). ``condition=
  "generalized"`` builds the model so that learners can see this; the defaults use the conditions we proved.

The discrete step is Euler with step ``dt`` followed by renormalization (with projection): X <- Pi(X + dt F(X)).
For small ``dt`` the energy decreases at every step wherever dE/dt < 0.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import torch
from torch import Tensor

from .._validate import check_bool, check_dtype, check_in, check_int, check_positive
from ..attention import MultiHeadSelfAttention
from ..norms import sphere_project, tangent_project
from ._base import LoopedModel

__all__ = ["EnergySA"]

Condition = Literal["symmetric", "generalized", "orthogonal", "broken"]
CONDITIONS: tuple[Condition, ...] = ("symmetric", "generalized", "orthogonal", "broken")


class EnergySA(LoopedModel):
    """Euler steps of the energy-based SA flow, with the energy E(X) = -(1/2beta) sum_h sum_ij exp(beta x_i^T A_h x_j).

    Arguments:
        dim: D, token dimension.
        heads: H (default 1).

    Other arguments:
        dt: Euler step of the continuous flow (> 0; small, e.g. 0.05-0.2).
        condition: the weight structure. "symmetric" (default for H = 1; A = V symmetric, eq. (4)),
            "orthogonal" (default for H > 1; Prop. 4.2 heads on orthogonal subspaces, A_h = V_h),
            "generalized" (H = 1, Prop. 4.1: asymmetric A, V = sym(A); see the module docstring),
            "broken" (independent random A and V: no energy guarantee).
        symmetry_breaking: t in [0, 1]; V <- (1 - t) V + t R with R an independent random matrix of the same
            scale: t = 0 keeps the condition, t > 0 breaks it on purpose.
        matrix: for "symmetric", a fixed symmetric A (the identity gives Geshkovski et al.'s token clustering).
        project: keep tokens on the unit sphere (default: True for H = 1, False for H > 1 as in Prop. 4.2).
        beta: inverse temperature (default 1/sqrt(D/H)).
        scale, generator, dtype: weight scale, random generator, dtype.

    States for ``project=True`` should have unit-norm tokens: use :meth:`normalize`.
    """

    energy_kind = "lyapunov"

    def __init__(
        self,
        dim: int,
        heads: int = 1,
        *,
        dt: float = 0.1,
        condition: Condition | None = None,
        symmetry_breaking: float = 0.0,
        matrix: Tensor | None = None,
        project: bool | None = None,
        beta: float | None = None,
        scale: float = 1.0,
        generator: torch.Generator | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        dim, heads = check_int(dim, "dim", minimum=1), check_int(heads, "heads", minimum=1)
        dtype = check_dtype(dtype)
        condition = condition or ("symmetric" if heads == 1 else "orthogonal")
        check_in(condition, "condition", CONDITIONS)
        if condition in ("symmetric", "generalized") and heads != 1:
            raise ValueError(
                f"condition={condition!r} is a single-head condition (Prop. 4.1 / eq. (4)), got heads={heads}; "
                f"use condition='orthogonal' for several heads (Prop. 4.2)."
            )
        if matrix is not None and condition != "symmetric":
            raise ValueError("`matrix` fixes A only for condition='symmetric'.")
        t = check_positive(symmetry_breaking, "symmetry_breaking", allow_zero=True, maximum=1.0)
        if project is not None:
            project = check_bool(project, "project")
        self.dt = check_positive(dt, "dt")
        dtype = dtype or torch.get_default_dtype()
        kw: dict[str, Any] = dict(beta=beta, scale=scale, generator=generator, dtype=dtype)
        if condition == "symmetric":
            att = MultiHeadSelfAttention.symmetric(dim, matrix=matrix, **kw)
        elif condition == "generalized":
            att = MultiHeadSelfAttention.generalized_symmetric(dim, **kw)
        elif condition == "orthogonal":
            att = MultiHeadSelfAttention.orthogonal_heads(dim, heads, **kw)
        else:
            att = MultiHeadSelfAttention(dim, heads, **kw)
        if t > 0:
            g = torch.randn(att.wo.shape, generator=generator, dtype=dtype) * scale / math.sqrt(dim)
            with torch.no_grad():
                att.wo.mul_(1 - t).add_(t * g)
        self.attention = att
        self.dim, self.heads = dim, heads
        self.condition, self.symmetry_breaking = condition, t
        self.project = (heads == 1) if project is None else bool(project)

    @property
    def beta(self) -> float:
        return self.attention.beta

    def normalize(self, X: Tensor) -> Tensor:
        """Project every token onto the unit sphere (the flow's manifold when ``project=True``)."""
        X, _ = self._check(X)
        return sphere_project(X)

    def velocity(self, X: Tensor, C: Tensor | None = None) -> Tensor:
        """dX/dt of the continuous flow: Proj_X(MSA(X) + C) (or MSA(X) + C without projection)."""
        F = self.attention(X)
        if C is not None:
            F = F + C
        return tangent_project(X, F) if self.project else F

    def _step(self, X: Tensor, C: Tensor | None) -> Tensor:
        Y = X + self.dt * self.velocity(X, C)
        return sphere_project(Y) if self.project else Y

    def _energy(self, X: Tensor, C: Tensor | None) -> Tensor:
        A = self.attention.qk_matrices()  # (H, D, D)
        XA = torch.einsum("...sd,hde->...hse", X, A)  # pairwise (see MultiHeadSelfAttention.forward)
        logits = torch.einsum("...hse,...te->...hst", XA, X) * self.beta
        return -torch.exp(logits).sum((-3, -2, -1)) / (2 * self.beta)

    def _energy_defined(self, C: Tensor | None) -> bool:
        return C is None

    def normalization(self) -> tuple[str | None, int]:
        return ("sphere" if self.project else None), self.dim

    def _normalized_input(self, X: Tensor, C: Tensor | None) -> tuple[Tensor, str, int] | None:
        return (X, "sphere", self.dim) if self.project else None

    def energy(self, X: Tensor, C: Tensor | None = None) -> Tensor:
        """E(X) = -(1/(2 beta)) sum_h sum_ij exp(beta x_i^T A_h x_j); defined without input only (C must be None)."""
        if C is not None:
            raise ValueError(
                "EnergySA.energy is defined for the autonomous flow only (C=None): with an input C the flow has "
                "no known energy; drop C or study it with the Jacobian tools instead."
            )
        return super().energy(X)

    def energy_rate(self, X: Tensor) -> Tensor:
        """dE/dt = <grad E(X), dX/dt> along the continuous flow (autograd), shape ``X.shape[:-2]``."""
        X, _ = self._check(X)
        with torch.enable_grad():
            Xg = X.detach().requires_grad_(True)
            (grad,) = torch.autograd.grad(self._energy(Xg, None).sum(), Xg)
        with torch.no_grad():
            return (grad * self.velocity(X)).sum((-2, -1))

    def extra_repr(self) -> str:
        return f"condition={self.condition!r}, dt={self.dt}, project={self.project}, symmetry_breaking={self.symmetry_breaking}"
