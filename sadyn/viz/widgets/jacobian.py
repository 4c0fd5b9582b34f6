"""Tutorial 03's explorer: the spectral norm of one ItrSA step against token count, with and without normalization."""

from __future__ import annotations

from typing import Any, Literal

import ipywidgets as W
from matplotlib.figure import Figure

from ...experiments.jacobians import jacobian_norm_vs_tokens
from ...norms import NormKind
from ..plots import PALETTE, readable_log_ticks
from ._explorer import Explorer

__all__ = ["jacobian_explorer"]

TOKENS = (2, 4, 8, 16, 32)


def _compute(tokens: int, eta: float, radius: float, scale: float, norm: NormKind | Literal["none"]) -> dict[str, Any]:
    kind = None if norm == "none" else norm
    grid = sorted(set(TOKENS) | {tokens})
    res = jacobian_norm_vs_tokens(
        grid,
        dim=16,
        heads=4,
        radius=radius,
        eta=eta,
        scale=scale,
        norms=(kind, None) if kind is not None else (None,),
        samples=1,
    )
    i = grid.index(tokens)
    cur = res[str(kind)]
    return {
        "result": res,
        "grid": grid,
        "tokens": tokens,
        "norm": kind,
        "measured": cur["mean"][i],
        "bound": None if kind is None else cur["bound_mean"][i],
        "unnormalized": res["None"]["mean"][i],
        "eta": eta,
        "radius": radius,
        "scale": scale,
    }


def _draw(fig: Figure, d: dict[str, Any]) -> None:
    ax1, ax2 = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    res, grid = d["result"], d["grid"]
    ax1.loglog(grid, res["None"]["mean"], "-o", color=PALETTE[3], label="no normalization")
    if d["norm"] is not None:
        ax1.loglog(grid, res[str(d["norm"])]["mean"], "-o", color=PALETTE[0], label=f"norm = {d['norm']}")
        ax1.loglog(grid, res[str(d["norm"])]["bound_mean"], "--", color=PALETTE[0], alpha=0.6, label="Prop. 5.1 bound")
    ax1.axvline(d["tokens"], color="0.5", lw=0.8)
    ax1.set_xlabel("tokens S")
    ax1.set_ylabel("||J||_2 of one step")
    readable_log_ticks(ax1, x=grid)
    ax1.legend(frameon=False, fontsize=8)
    labels = ["no norm", "measured", "bound"] if d["norm"] is not None else ["no norm"]
    values = [d["unnormalized"]] + ([d["measured"], d["bound"]] if d["norm"] is not None else [])
    ax2.bar(labels, values, color=[PALETTE[3], PALETTE[0], PALETTE[2]][: len(values)])
    ax2.set_yscale("log")
    readable_log_ticks(ax2)
    ax2.set_title(f"S = {d['tokens']}")
    for k, v in enumerate(values):
        ax2.text(k, v, f"{v:.3g}", ha="center", va="bottom", fontsize=8)
    fig.suptitle(
        f"ItrSA step at random tokens of norm R = {d['radius']:g}, eta = {d['eta']:.2g}, weight scale {d['scale']:.2g}"
    )
    fig.tight_layout()


def jacobian_explorer(
    *,
    tokens: int = 16,
    eta: float = 1.0,
    radius: float = 100.0,
    scale: float = 1.0,
    norm: NormKind | Literal["none"] = "rms",
) -> Explorer:
    """Controls: S, eta, token norm R, weight scale and the normalization (rms, sphere, layer or none)."""
    controls = {
        "tokens": W.IntSlider(value=tokens, min=2, max=48, step=2, description="S"),
        "eta": W.FloatLogSlider(value=eta, base=10, min=-2, max=1, step=0.1, description="eta"),
        "radius": W.FloatLogSlider(value=radius, base=10, min=0, max=2.5, step=0.25, description="R"),
        "scale": W.FloatLogSlider(value=scale, base=10, min=-1, max=1, step=0.1, description="scale"),
        "norm": W.Dropdown(options=["rms", "sphere", "layer", "none"], value=norm, description="norm"),
    }
    explorer = Explorer(
        controls, _compute, _draw, figsize=(10, 3.6), title="The Jacobian of one step (Fig. 1, Prop. 5.1)"
    )
    _two_columns(explorer)
    return explorer


def _two_columns(explorer: Explorer) -> None:
    """Lay the five controls out in a two-column grid of full-width sliders (one HBox squeezes them to stubs)."""
    for c in explorer.controls.values():
        c.layout = W.Layout(width="95%")
        c.style = {"description_width": "48px"}
    grid = W.GridBox(
        list(explorer.controls.values()),
        layout=W.Layout(grid_template_columns="repeat(2, minmax(220px, 1fr))", width="100%", grid_gap="4px 16px"),
    )
    children = list(explorer.widget.children)
    boxes = [i for i, child in enumerate(children) if isinstance(child, W.HBox)]
    children[boxes[0]] = grid
    explorer.widget.children = tuple(children)
