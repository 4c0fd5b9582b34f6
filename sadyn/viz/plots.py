"""Plotting: one function per figure kind, a shared colour-blind-safe style, no global state.

Every function takes ``ax=None`` (a new figure is made when omitted), returns the artists or the axes, and
never calls ``plt.show()`` or changes ``rcParams`` outside the :func:`style` context manager.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

import matplotlib
import numpy as np
import torch
from matplotlib.axes import Axes

if TYPE_CHECKING:
    from mpl_toolkits.mplot3d import Axes3D
from matplotlib.colors import TwoSlopeNorm

from ._style import PALETTE as PALETTE
from ._style import _np as _np
from ._style import figure_png as figure_png
from ._style import grid as grid
from ._style import new_axes as new_axes
from ._style import style as style
from .sudoku_plots import plot_accuracy_vs_loops as plot_accuracy_vs_loops
from .sudoku_plots import plot_board as plot_board
from .sudoku_plots import plot_voting_curve as plot_voting_curve

__all__ = [
    "PALETTE",
    "style",
    "new_axes",
    "plot_energy",
    "plot_tokens_sphere",
    "plot_similarity",
    "plot_eigenvalues",
    "plot_phase_diagram",
    "plot_board",
    "plot_accuracy_vs_loops",
    "plot_voting_curve",
    "figure_png",
    "grid",
]


def plot_energy(energies, ax: Axes | None = None, *, label: str | None = None, per_token: int | None = None) -> Axes:
    """Energy against step. ``energies`` is ``(steps + 1,)`` or ``(steps + 1, batch)`` (one line per system)."""
    ax = new_axes(ax)
    E = _np(energies)
    E = E.reshape(E.shape[0], -1)
    if per_token:
        E = E / per_token
    with style():
        for j in range(E.shape[1]):
            ax.plot(
                np.arange(E.shape[0]), E[:, j], color=PALETTE[j % len(PALETTE)], label=label if j == 0 else None, lw=1.6
            )
        ax.set_xlabel("step t")
        ax.set_ylabel("energy per token" if per_token else "energy E(X_t)")
        if label:
            ax.legend(frameon=False)
    return ax


def plot_tokens_sphere(states, ax: Axes | None = None, *, show_paths: bool = True, title: str | None = None) -> Axes:
    """Tokens of a D=3 trajectory on the unit sphere: start (hollow), end (filled) and their paths.

    ``states`` has shape ``(steps + 1, S, 3)`` (one system).
    """
    Xs = _np(states)
    if Xs.ndim != 3 or Xs.shape[-1] != 3:
        raise ValueError(f"`states` must have shape (steps + 1, S, 3) for a sphere picture, got {Xs.shape}.")
    ax = new_axes(ax, figsize=(4, 4), projection="3d")
    ax3 = cast("Axes3D", ax)  # projection="3d" makes an Axes3D
    with style():
        u, v = np.mgrid[0 : 2 * np.pi : 30j, 0 : np.pi : 15j]
        ax3.plot_wireframe(np.cos(u) * np.sin(v), np.sin(u) * np.sin(v), np.cos(v), color="0.85", lw=0.4)
        if show_paths:
            for i in range(Xs.shape[1]):
                ax.plot(*Xs[:, i].T, color=PALETTE[5], lw=0.8, alpha=0.7)
        ax3.scatter(*Xs[0].T, facecolors="none", edgecolors=PALETTE[0], s=18, label="start")
        ax3.scatter(*Xs[-1].T, color=PALETTE[3], s=28, label="end", depthshade=False)
        ax3.set_box_aspect((1, 1, 1))
        ax.set_axis_off()
        ax.legend(frameon=False, loc="upper left")
        if title:
            ax.set_title(title)
    return ax


def plot_similarity(X, ax: Axes | None = None, *, title: str | None = None):
    """Cosine similarities <x_i, x_j> / (|x_i||x_j|) of the tokens of one state ``(S, D)``: clusters are blocks."""
    A = _np(X)
    A = A / np.linalg.norm(A, axis=-1, keepdims=True)
    ax = new_axes(ax, figsize=(3.6, 3.2))
    with style():
        im = ax.imshow(A @ A.T, vmin=-1, vmax=1, cmap="cividis")
        ax.figure.colorbar(im, ax=ax, fraction=0.046)
        ax.set_xlabel("token j")
        ax.set_ylabel("token i")
        ax.grid(False)
        if title:
            ax.set_title(title)
    return im


def plot_eigenvalues(
    eigenvalues, ax: Axes | None = None, *, label: str | None = None, color: str | None = None, circle: bool = True
) -> Axes:
    """Complex eigenvalues in the plane with the unit circle (stable inside, unstable outside)."""
    z = _np(eigenvalues).ravel()
    ax = new_axes(ax, figsize=(3.8, 3.8))
    with style():
        if circle:
            t = np.linspace(0, 2 * np.pi, 400)
            ax.plot(np.cos(t), np.sin(t), color="0.4", lw=1, ls="--")
        ax.scatter(z.real, z.imag, s=14, color=color or PALETTE[0], label=label, alpha=0.8)
        ax.set_aspect("equal", adjustable="datalim")
        ax.set_xlabel("Re lambda")
        ax.set_ylabel("Im lambda")
        if label:
            ax.legend(frameon=False)
    return ax


def plot_phase_diagram(ax: Axes, diagram: dict[str, Any], key: str, *, vmax: float = 1.0):
    """Heatmap of lambda_max over (eta, scale): blue convergent, white critical, red chaotic; x marks divergence."""
    d = diagram[key]
    img = ax.imshow(
        np.clip(d["max"], -vmax, vmax),
        origin="lower",
        cmap="RdBu_r",
        norm=TwoSlopeNorm(0.0, -vmax, vmax),
        aspect="auto",
    )
    for i, j in zip(*np.nonzero(d["divergent"]), strict=True):
        ax.text(j, i, "x", ha="center", va="center", color="k")
    ax.set_xticks(range(len(diagram["scales"])), [f"{s:g}" for s in diagram["scales"]])
    ax.set_yticks(range(len(diagram["etas"])), [f"{e:g}" for e in diagram["etas"]])
    ax.set_xlabel("weight scale")
    ax.set_ylabel("eta")
    ax.grid(False)
    return img


# --- tutorials 01-04: sorted similarities, readable log axes, zoomed spectra -----------------------------

__all__ += ["plot_similarity_sorted", "readable_log_ticks", "plot_norm_vs_tokens", "plot_eigenvalues_zoom"]


def plot_similarity_sorted(X, ax: Axes | None = None, *, title: str | None = None, threshold: float = 0.99):
    """:func:`plot_similarity` with the tokens reordered cluster by cluster (largest first, clusters as in
    :func:`sadyn.geometry.cluster_labels`), so that each cluster is one diagonal block, outlined in white."""
    from ..geometry import cluster_labels

    X = torch.as_tensor(X)
    labels = cluster_labels(X, threshold=threshold)
    groups, sizes = labels.unique(return_counts=True)
    ranked = groups[torch.argsort(-sizes, stable=True)].tolist()
    order = [i for g in ranked for i in (labels == g).nonzero().flatten().tolist()]
    im = plot_similarity(X[order], ax, title=title)
    edge = -0.5
    for g in ranked:
        size = int((labels == g).sum())
        im.axes.add_patch(matplotlib.patches.Rectangle((edge, edge), size, size, fill=False, edgecolor="white", lw=1))
        edge += size
    im.axes.set_xlabel("token j (sorted by cluster)")
    im.axes.set_ylabel("token i (sorted by cluster)")
    return im


def readable_log_ticks(ax: Axes, *, x: Sequence[float] | None = None) -> Axes:
    """Plain-number labels on log axes (0.01, 1, 100 instead of 10^-2 ...); ``x``: the x values to tick."""
    plain = matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}")
    if ax.get_yscale() == "log":
        ax.yaxis.set_major_locator(matplotlib.ticker.LogLocator(base=10, numticks=12))
        ax.yaxis.set_major_formatter(plain)
        ax.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    if x is not None:
        ax.set_xticks(list(x))
        ax.xaxis.set_major_formatter(plain)
        ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
    return ax


def plot_norm_vs_tokens(ax: Axes | None, curves: Sequence[Mapping[str, Any]]) -> Axes:
    """||J||_2 against the token count S on log-log axes with readable ticks (Fig. 1). Each curve is a mapping
    with ``tokens``, ``mean``, ``std`` and ``label`` (optional ``color``, ``ls``), e.g. from
    :func:`sadyn.experiments.jacobian_norm_vs_tokens`."""
    ax = new_axes(ax, figsize=(5.0, 3.4))
    with style():
        for k, c in enumerate(curves):
            ax.errorbar(
                c["tokens"],
                c["mean"],
                yerr=c["std"],
                marker="o",
                capsize=2,
                label=c["label"],
                color=c.get("color", PALETTE[k]),
                ls=c.get("ls", "-"),
            )
        ax.set(xscale="log", yscale="log", xlabel="tokens S", ylabel="||J||_2 of one step")
        readable_log_ticks(ax, x=curves[0]["tokens"])
        ax.legend(frameon=False, fontsize=8)
    return ax


def plot_eigenvalues_zoom(
    eigenvalues, ax: Axes | None = None, *, radius: float = 1.6, color: str | None = None
) -> Axes:
    """:func:`plot_eigenvalues` in the window |Re|, |Im| <= ``radius`` around the unit circle; eigenvalues
    outside the window are listed in a note instead of squashing the plot."""
    z = _np(eigenvalues).ravel()
    inside = (np.abs(z.real) <= radius) & (np.abs(z.imag) <= radius)
    ax = plot_eigenvalues(z[inside], ax, color=color)
    with style():
        ax.set_xlim(-radius, radius)
        ax.set_ylim(-radius, radius)
        far = z[~inside]
        if far.size:
            shown = ", ".join(
                f"{v.real:.3g}{v.imag:+.2g}j" if abs(v.imag) > 1e-12 else f"{v.real:.3g}" for v in far[:3]
            )
            more = f" (+{far.size - 3} more)" if far.size > 3 else ""
            ax.text(0.02, 0.02, f"off-scale: {shown}{more}", transform=ax.transAxes, fontsize=7, color="0.3")
    return ax


__all__ += ["plot_toy_moduli"]


def plot_toy_moduli(axes: Sequence[Axes], toy: Mapping[str, Any]) -> Sequence[Axes]:
    """Fig. 2b from :func:`sadyn.experiments.toy_max_modulus`: left, max |lambda| of the rotation's Jacobian
    against eta * omega, unnormalized (on the curve sqrt(1 + (eta omega)^2) of eq. (18)) and normalized
    (eq. (20), at or below 1); right, both eigenvalue sets at the example (eta, omega) in the complex plane."""
    ax1, ax2 = axes
    products = sorted({float(np.sqrt(t**2 - 1)) for t in toy["theory"]})
    line = np.linspace(0, max(products) * 1.05, 200)
    with style():
        ax1.plot(line, np.sqrt(1 + line**2), color="0.5", lw=1, label="sqrt(1 + (eta omega)^2)")
        x = [float(np.sqrt(t**2 - 1)) for t in toy["theory"]]
        ax1.plot(x, toy["raw_max_modulus"], "o", color=PALETTE[1], label="no normalization")
        ax1.plot(x, toy["normalized_max_modulus"], "s", color=PALETTE[0], label="projected to the sphere")
        ax1.axhline(1.0, color="0.4", ls="--", lw=0.8)
        ax1.set(xlabel="eta * omega", ylabel="max |lambda| of J")
        ax1.legend(frameon=False, fontsize=8)
    ex = toy["example"]
    plot_eigenvalues(ex["raw"], ax2, label="no normalization", color=PALETTE[1])
    plot_eigenvalues(ex["normalized"], ax2, label="projected", color=PALETTE[0], circle=False)
    ax2.set_title(f"eta = {ex['eta']:g}, omega = {ex['omega']:g}", fontsize=9)
    return axes
