"""The looped layer as a picture: one Euler step, a renormalization, and the input re-injected (tutorial 03).

ItrSA (paper eq. (9)) loops ``X_{t+1} = Norm(X_t + eta (C + MSA(X_t)))``: the bracket is an explicit Euler step
of size ``eta`` of the flow ``dX/dt = C + MSA(X)``, ``Norm`` pulls every token back to its manifold (RMSNorm:
norm sqrt(D) times the gains; the sphere: norm 1), and the same input ``C`` enters at every loop.
:func:`plot_loop_schematic` draws that diagram with matplotlib patches only (no data, no model).
"""

from __future__ import annotations

from typing import Any

from matplotlib.axes import Axes
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from .plots import PALETTE, new_axes, style

__all__ = ["BOXES", "plot_loop_schematic"]

# (key, label, x centre, y centre, colour index): the stages of one loop, left to right.
BOXES = (
    ("state", "$X_t$", 0.08, 0.5, 7),
    ("msa", "attention\n$\\mathrm{MSA}(X_t)$", 0.32, 0.5, 0),
    ("euler", "Euler step\n$X_t + \\eta\\,(C + \\mathrm{MSA})$", 0.58, 0.5, 1),
    ("norm", "renormalize\n$\\mathrm{Norm}(\\cdot)$", 0.83, 0.5, 2),
    ("input", "input $C$\n(same every loop)", 0.58, 0.88, 4),
)


def _box(ax: Axes, x: float, y: float, text: str, color: str, *, key: str) -> None:
    width, height = (0.11, 0.2) if key == "state" else (0.2, 0.22)
    patch = FancyBboxPatch(
        (x - width / 2, y - height / 2),
        width,
        height,
        boxstyle="round,pad=0.01",
        facecolor=color,
        alpha=0.18,
        edgecolor=color,
        lw=1.5,
        transform=ax.transAxes,
    )
    patch.set_gid(key)
    ax.add_patch(patch)
    ax.text(x, y, text, ha="center", va="center", fontsize=9, transform=ax.transAxes)


def _arrow(ax: Axes, start: tuple[float, float], end: tuple[float, float], *, label: str = "", **kw: Any) -> None:
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=12, lw=1.3, transform=ax.transAxes, **kw))
    if label:
        mid = ((start[0] + end[0]) / 2, (start[1] + end[1]) / 2 - 0.07)
        ax.text(*mid, label, ha="center", va="top", fontsize=8, color="0.3", transform=ax.transAxes)


def plot_loop_schematic(ax: Axes | None = None, *, norm: str = "RMSNorm") -> Axes:
    """Draw one loop of ItrSA, eq. (9): X_t -> MSA -> Euler step (+ C) -> Norm -> X_{t+1}, fed back as X_t.

    ``norm`` names the renormalization in the caption below the boxes (e.g. "RMSNorm", "sphere", "none").
    Returns the axes; each box patch carries its key of :data:`BOXES` as ``gid`` (the tests find them so).
    """
    if not isinstance(norm, str):
        raise TypeError(f"`norm` must be a string naming the normalization (e.g. 'RMSNorm'), not {type(norm)!r}")
    ax = new_axes(ax, figsize=(8.5, 2.6))
    with style():
        ax.set_axis_off()
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        for key, text, x, y, c in BOXES:
            _box(ax, x, y, text, PALETTE[c], key=key)
        _arrow(ax, (0.135, 0.5), (0.22, 0.5))
        _arrow(ax, (0.42, 0.5), (0.48, 0.5))
        _arrow(ax, (0.68, 0.5), (0.73, 0.5))
        _arrow(ax, (0.58, 0.77), (0.58, 0.61), color=PALETTE[4])
        _arrow(ax, (0.93, 0.5), (0.99, 0.5))
        ax.text(0.99, 0.56, "$X_{t+1}$", ha="right", va="bottom", fontsize=9, transform=ax.transAxes)
        # the loop: X_{t+1} becomes the next X_t
        _arrow(
            ax,
            (0.83, 0.385),
            (0.08, 0.395),
            connectionstyle="arc3,rad=-0.18",
            color="0.35",
            ls="--",
        )
        ax.text(0.45, -0.04, "loop T times: $X_{t+1}$ is the next $X_t$", ha="center", fontsize=8, color="0.3")
        where = "no renormalization: the norm is free to grow" if norm.lower() == "none" else f"Norm = {norm}"
        ax.text(0.83, 0.27, where, ha="center", va="top", fontsize=8, color=PALETTE[2], transform=ax.transAxes)
    return ax
