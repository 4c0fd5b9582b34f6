"""Plots for "why lambda ~ 0 matters" (tutorials 05-07): two-trajectory separation, finite-time exponents,
AKOrN's synchronization time, and accuracy against lambda_max over a solver's variants (Fig. 3)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import NullFormatter

from .plots import PALETTE, new_axes

__all__ = [
    "model_colors",
    "recolor_lines",
    "plot_separation",
    "plot_finite_time",
    "plot_sync_time",
    "plot_variant_scan",
]

# PALETTE (Okabe & Ito) has 8 colours; the 9th and 10th (Tol's wine and olive) keep nine models apart
_EXTRA = ("#882255", "#999933")


def model_colors(names: Sequence[str]) -> dict[str, str]:
    """One distinct colour per name (up to 10), in order: Okabe-Ito first, then wine and olive."""
    colours = tuple(PALETTE) + _EXTRA
    if len(names) > len(colours):
        raise ValueError(f"`names` holds {len(names)} entries; at most {len(colours)} distinct colours are available.")
    return {n: colours[i] for i, n in enumerate(names)}


def recolor_lines(ax: Axes, colors: Mapping[str, str]) -> Axes:
    """Give every line of ``ax`` whose label is a key of ``colors`` that colour (e.g. :func:`model_colors` on a
    plot of :func:`sadyn.viz.plots.plot_accuracy_vs_loops`); draw the legend afterwards."""
    for line in ax.get_lines():
        label = str(line.get_label())
        if label in colors:
            line.set_color(colors[label])
    return ax


def plot_separation(
    curves: Mapping[str, Mapping[str, Sequence[float]]],
    ax: Axes | None = None,
    *,
    slopes: Mapping[str, float] | None = None,
) -> Axes:
    """Distance between two nearby trajectories against t on a log axis, one line per case (``{label: {"t",
    "l1"}}`` from :func:`sadyn.experiments.trajectory_distance`); ``slopes`` (label -> lambda) adds the dashed line
    ``d_0 e^{lambda t}`` whose slope is the exponent."""
    ax = new_axes(ax, figsize=(5, 3.2))
    for i, (label, c) in enumerate(curves.items()):
        t, d = np.asarray(c["t"], float), np.asarray(c["l1"], float)
        ax.semilogy(t, d, color=PALETTE[i], label=label)
        if slopes and label in slopes:
            ax.semilogy(t, d[0] * np.exp(slopes[label] * t), color=PALETTE[i], ls="--", lw=0.8)
    ax.set(xlabel="step t", ylabel="distance ||x_t - y_t||_1")
    ax.legend(frameon=False, fontsize=8)
    return ax


def plot_finite_time(curve: Mapping[str, Sequence[float]], ax: Axes | None = None, *, long_run: float | None = None):
    """lambda^(T)_max against the horizon T (:func:`sadyn.experiments.finite_time_curve`), with the long-run value."""
    ax = new_axes(ax, figsize=(4.5, 3.2))
    ax.plot(curve["T"], curve["lambda_max"], "o-", color=PALETTE[0], label="finite-time lambda^(T)_max")
    if long_run is not None:
        ax.axhline(long_run, color=PALETTE[1], ls="--", label=f"long run (QR) {long_run:.2f}")
    ax.axhline(0, color="0.5", lw=0.8)
    ax.set(xscale="log", xlabel="horizon T", ylabel="lambda_max (nats / step)")
    ax.set_xticks(curve["T"], [str(t) for t in curve["T"]])
    ax.legend(frameon=False, fontsize=8)
    return ax


def plot_sync_time(runs: Mapping[str, Mapping[str, Any]], ax: Axes | None = None) -> Axes:
    """Steps to synchronize against the weight scale, log-log, one line per run of
    :func:`sadyn.experiments.akorn_sync_time` (``{label: result}``); runs that did not synchronize are left out."""
    ax = new_axes(ax, figsize=(4.5, 3.2))
    markers = "os^v"
    for i, (label, r) in enumerate(runs.items()):
        pts = [(s, t) for s, t in zip(r["scale"], r["steps"], strict=True) if t is not None]
        if pts:
            s, t = zip(*pts, strict=True)
            ax.loglog(s, t, marker=markers[i % 4], color=PALETTE[i], label=label, mfc="none" if i else None)
    ax.set(xlabel="weight scale", ylabel="loops to coherence 0.9")
    scales = sorted({s for r in runs.values() for s in r["scale"]})
    ax.xaxis.set_minor_formatter(NullFormatter())  # the log axis' minor labels overlap; label the scales used
    ax.set_xticks(scales, [f"{s:g}" for s in scales])
    ax.legend(frameon=False, fontsize=8)
    return ax


def plot_variant_scan(scan: Mapping[str, Any], ax: Axes | None = None, *, at: float | None = None) -> Axes:
    """Board accuracy against the finite-time lambda_max over a solver's variants (:func:`sadyn.experiments.
    variant_scan`), each point labelled with its factor; ``at`` rings the variant with that factor."""
    ax = new_axes(ax, figsize=(4.5, 3.2))
    lam, acc = np.asarray(scan["lambda_max"]), np.asarray(scan["board"])
    ax.plot(lam, acc, "-", color="0.7", lw=1)
    ax.scatter(lam, acc, c=[PALETTE[0]], zorder=3)
    for f, x, y in zip(scan["factors"], lam, acc, strict=True):
        ax.annotate(f"x{f:g}", (x, y), textcoords="offset points", xytext=(4, 4), fontsize=7)
    if at is not None:
        i = int(np.argmin(np.abs(np.asarray(scan["factors"]) - at)))
        ax.plot(lam[i], acc[i], "o", mfc="none", mec=PALETTE[1], ms=14, mew=2)
    ax.axvline(0, color="0.5", lw=0.8)
    ax.set(xlabel="finite-time lambda_max (T = 16)", ylabel="board accuracy", ylim=(-0.03, 1.03))
    ax.set_title(f"{scan['model']}: {scan['knob']} x factor", fontsize=9)
    return ax
