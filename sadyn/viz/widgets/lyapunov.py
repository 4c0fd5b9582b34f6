"""Tutorial 05's explorer: a point on the (eta, weight scale) phase diagram drives a live exponent estimate."""

from __future__ import annotations

from typing import Any

import ipywidgets as W
import numpy as np
from matplotlib.figure import Figure

from ...experiments.lyapunov import itrsa_lyapunov, lyapunov_phase_diagram
from ..plots import PALETTE, plot_phase_diagram
from ._explorer import Explorer

__all__ = ["lyapunov_explorer"]


def _nearest(values, v) -> int:
    return int(np.argmin(np.abs(np.log(np.asarray(values)) - np.log(v))))


def lyapunov_explorer(
    diagram: dict[str, Any] | None = None, *, eta: float = 1.0, scale: float = 1.0, norm: str = "rms", steps: int = 100
) -> Explorer:
    """Pick (eta, scale, normalization): the point is marked on the phase diagram (computed once, or passed in as
    ``diagram`` from :func:`sadyn.experiments.lyapunov_phase_diagram`) and its running lambda_max is redrawn."""
    diagram = diagram if diagram is not None else lyapunov_phase_diagram()
    controls = {
        "eta": W.SelectionSlider(
            options=diagram["etas"], value=min(diagram["etas"], key=lambda e: abs(e - eta)), description="eta"
        ),
        "scale": W.SelectionSlider(
            options=diagram["scales"], value=min(diagram["scales"], key=lambda s: abs(s - scale)), description="scale"
        ),
        "norm": W.Dropdown(options=["rms", "none"], value=norm, description="norm"),
    }

    def compute(eta: float, scale: float, norm: str) -> dict[str, Any]:
        kind = None if norm == "none" else norm
        L = itrsa_lyapunov([eta], [scale], norm=kind, steps=steps)
        return {
            "spectrum": L,
            "eta": eta,
            "scale": scale,
            "norm": kind,
            "key": str(kind),
            "max": float(L.exponents[0, 0]),
            "status": L.status[0],
        }

    def draw(fig: Figure, d: dict[str, Any]) -> None:
        ax1, ax2 = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
        img = plot_phase_diagram(ax1, diagram, d["key"])
        fig.colorbar(img, ax=ax1, label="lambda_max (clipped to +-1)")
        ax1.plot(
            _nearest(diagram["scales"], d["scale"]),
            _nearest(diagram["etas"], d["eta"]),
            "o",
            mfc="none",
            mec=PALETTE[1],
            ms=16,
            mew=2,
        )
        ax1.set_title(f"ItrSA, norm = {d['norm']}")
        L = d["spectrum"]
        ax2.plot(L.history_steps.numpy(), L.history[:, 0, 0].numpy(), color=PALETTE[0])
        ax2.axhline(0, color="0.5", lw=0.8)
        ax2.set_xlabel("steps averaged")
        ax2.set_ylabel("running estimate of lambda_max")
        ax2.set_title(f"lambda_max = {d['max']:.3g} ({d['status']})")
        fig.tight_layout()

    return Explorer(controls, compute, draw, figsize=(10, 3.6), title="Lyapunov phase diagram of ItrSA")
