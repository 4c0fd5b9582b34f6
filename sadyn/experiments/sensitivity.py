"""Sensitivity to initial conditions, read off two nearby trajectories (Fig. S.5).

The distance d_t = ||X_t - Y_t||_1 of two trajectories started eps apart grows like d_0 e^{lambda t} while it is
small (lambda: the maximal Lyapunov exponent), then saturates at the size of the attractor. Exponential growth
and slow drift can both multiply d by 10 over a long run; what tells them apart is the *rate*: the slope of
ln d_t against t before saturation, which for exponential growth is positive and equals lambda_max.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["distance_growth_rate"]


def distance_growth_rate(
    t: Sequence[float], d: Sequence[float], *, saturation: float = 0.1, floor: float = 1e-9
) -> dict[str, Any]:
    r"""Least-squares slope of :math:`\ln d_t` against :math:`t` over the pre-saturation window.

    The window runs from the first point to the last point before :math:`d_t` first exceeds ``saturation``
    times its plateau (the median of the last quarter of the run); a run that never grows (contracting, or
    drifting below that level) is fitted over all its points. A distance at or below ``floor`` times the
    first one ends the window too: nine decades of contraction measure the rate, and below that the two
    trajectories meet at the floating-point floor, which would flatten the slope. Returns ``{"rate", "window", "points", "plateau"}``: the slope per step,
    the (t_start, t_end) fitted, the number of points and the plateau. The fit is
    :func:`sadyn.experiments.growth_rate` over that window.
    """
    t_arr, d_arr = np.asarray(t, dtype=float), np.asarray(d, dtype=float)
    if t_arr.shape != d_arr.shape or t_arr.ndim != 1 or len(t_arr) < 3:
        raise ValueError(f"`t` and `d` must be 1-D of the same length >= 3, got shapes {t_arr.shape}, {d_arr.shape}.")
    if not np.isfinite(d_arr).all() or (d_arr < 0).any():
        raise ValueError("`d` must hold finite, non-negative distances.")
    plateau = float(np.median(d_arr[-max(len(d_arr) // 4, 1) :]))
    end = len(d_arr)
    above = np.nonzero(d_arr > saturation * plateau)[0]
    if plateau > d_arr[0] * 10 and len(above):  # it grew and saturated: stop before saturation
        end = max(int(above[0]), 3)
    tiny = np.nonzero(d_arr[:end] <= floor * d_arr[0])[0]
    if len(tiny):
        end = max(int(tiny[0]), 2)
    from .lyapunov import growth_rate  # the least-squares slope itself; this module chooses the window

    slope = growth_rate(t_arr.tolist(), d_arr.tolist(), stop=end)
    return {"rate": slope, "window": [float(t_arr[0]), float(t_arr[end - 1])], "points": int(end), "plateau": plateau}
