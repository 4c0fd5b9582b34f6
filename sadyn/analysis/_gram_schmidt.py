"""Modified Gram-Schmidt in plain Python floats and in numpy, for the fused kernels of small maps.

The engine (:mod:`sadyn.analysis.tangent`) and the Lorenz recipe (:func:`sadyn.systems.lorenz_exponents`)
re-orthonormalize a few tangent vectors every few steps; for k <= 3 vectors of a 2- or 3-dimensional system this
is far cheaper than a LAPACK QR call. Columns whose norm is 0 are divided by :data:`TINY` (no NaN).
"""

from __future__ import annotations

import math
from operator import mul

import numpy as np

__all__ = ["TINY", "Cols", "mgs_floats", "mgs_numpy"]

TINY = 2.2250738585072014e-308  # float64's smallest normal: the floor of a column norm
Cols = list[list[float]]  # one system's k tangent vectors, each a list of n floats


def mgs_floats(V: Cols) -> tuple[Cols, list[float]]:
    r"""Modified Gram-Schmidt of one system's columns: ``q_j = (v_j - \sum_{i<j} (q_i \cdot v_j) q_i) / r_{jj}``,
    ``r_jj`` the norm of the projected column (``math.hypot``: no overflow below float64's maximum)."""
    Q: Cols = []
    d: list[float] = []
    for v in V:
        for q in Q:
            r = sum(map(mul, q, v))
            v = [a - r * b for a, b in zip(v, q, strict=True)]
        norm = math.hypot(*v)
        floor = max(norm, TINY)
        Q.append([a / floor for a in v])
        d.append(norm)
    return Q, d


def mgs_numpy(V: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`mgs_floats` for a batch: ``V`` ``(n, k, B)`` (columns on axis 1, systems last) -> ``Q, diag R``
    ``(k, B)``, vectorized over the systems. Norms by ``sqrt(sum v_i^2)``, redone with ``hypot`` where that
    could have overflowed or underflowed."""
    Q: list[list[np.ndarray]] = []
    d = []
    with np.errstate(all="ignore"):  # inf and NaN are the engine's divergence signals, not errors
        for j in range(V.shape[1]):
            v = list(V[:, j])
            for q in Q:
                r = sum(a * b for a, b in zip(q, v, strict=True))
                v = [a - r * b for a, b in zip(v, q, strict=True)]
            norm = np.sqrt(sum(a * a for a in v))
            if not ((norm > 1e-150) & (norm < 1e150)).all():
                norm = np.hypot.reduce(np.stack(v), axis=0)
            floor = np.maximum(norm, TINY)
            Q.append([a / floor for a in v])
            d.append(norm)
    return np.array(Q).transpose(1, 0, 2), np.stack(d)
