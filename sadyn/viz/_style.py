"""The plots' shared style (Okabe-Ito colours, one rc context) and figure helpers."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator, MutableMapping, Sequence
from typing import TYPE_CHECKING, Any, cast

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.rcsetup import cycler

if TYPE_CHECKING:
    pass
from matplotlib.figure import Figure

__all__ = ["PALETTE", "style", "new_axes", "figure_png", "grid"]

# Okabe & Ito (2008): distinguishable under the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")


_RC: dict[str, Any] = {
    "axes.prop_cycle": cycler(color=PALETTE),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "figure.dpi": 80,
    "savefig.dpi": 80,
    "font.size": 10,
    "image.cmap": "cividis",
}


@contextlib.contextmanager
def style() -> Iterator[None]:
    """The sadyn look (Okabe-Ito colours, light grid, cividis colormap) for the duration of a ``with`` block.

    Only the keys sadyn sets are saved and restored. (``plt.rc_context`` restores every rcParam: when the first
    figure of a notebook activates the inline backend inside it, leaving the context switched interactive mode
    back off, and later figures silently stopped showing.)
    """
    rc = cast("MutableMapping[str, Any]", matplotlib.rcParams)  # its stub takes only literal keys
    saved = {key: rc[key] for key in _RC}
    rc.update(_RC)
    try:
        yield
    finally:
        rc.update(saved)


def _np(x) -> np.ndarray:
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)


def new_axes(ax: Axes | None = None, *, figsize=(4.5, 3.2), projection: str | None = None) -> Axes:
    """Return ``ax`` or a fresh axes on a new figure (made inside :func:`style`)."""
    if ax is not None:
        return ax
    with style():
        fig = plt.figure(figsize=figsize)
        return fig.add_subplot(projection=projection)


def figure_png(fig: Figure) -> bytes:
    """The figure as PNG bytes (what notebooks display statically and widgets update in place)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight", metadata={"Software": None})
    return buf.getvalue()


def grid(
    n: int, *, ncols: int | None = None, size: Sequence[float] = (4.0, 3.2), projections=None
) -> tuple[Figure, list[Axes]]:
    """A figure with ``n`` axes in a row (or ``ncols`` columns); ``projections[i]`` may be "3d"."""
    ncols = ncols or n
    nrows = -(-n // ncols)
    with style():
        fig = plt.figure(figsize=(size[0] * ncols, size[1] * nrows))
        axes = [fig.add_subplot(nrows, ncols, i + 1, projection=(projections or [None] * n)[i]) for i in range(n)]
    return fig, axes
