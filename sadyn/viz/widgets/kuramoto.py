"""Tutorial 06's explorer: the Kuramoto synchronization transition, r(t) and r_inf(K) against theory."""

from __future__ import annotations

from typing import Any

import ipywidgets as W
import numpy as np
from matplotlib.figure import Figure

from ...experiments.kuramoto import kuramoto_sync
from ..plots import PALETTE
from ._explorer import Explorer

__all__ = ["kuramoto_explorer"]


def kuramoto_explorer(*, K: float = 1.5, gamma: float = 0.5, n: int = 1000, time: float = 40.0) -> Explorer:
    """Sliders for the coupling K and the frequency spread gamma (Lorentzian half-width; K_c = 2 gamma)."""
    controls = {
        "K": W.FloatSlider(value=K, min=0.0, max=4.0, step=0.1, description="K"),
        "gamma": W.FloatSlider(value=gamma, min=0.1, max=1.0, step=0.05, description="gamma"),
    }

    def compute(K: float, gamma: float) -> dict[str, Any]:
        run = kuramoto_sync([K], n=n, gamma=gamma, time=time)
        return {"run": run, "K": K, "gamma": gamma, "r_inf": float(run["r_inf"][0]), "theory": run["theory"][0]}

    def draw(fig: Figure, d: dict[str, Any]) -> None:
        ax1, ax2 = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
        run = d["run"]
        ax1.plot(run["t"], run["r"][0], color=PALETTE[0], label="simulation")
        ax1.axhline(d["theory"], color=PALETTE[1], ls="--", label="sqrt(1 - 2 gamma / K)")
        ax1.set(xlabel="time", ylabel="order parameter r(t)", ylim=(0, 1.02))
        ax1.legend(frameon=False, fontsize=8)
        Ks = np.linspace(0.01, 4, 200)
        ax2.plot(Ks, np.sqrt(np.clip(1 - 2 * d["gamma"] / Ks, 0, None)), color=PALETTE[1], label="theory (N -> inf)")
        ax2.plot([d["K"]], [d["r_inf"]], "o", color=PALETTE[0], ms=8, label=f"N = {n}")
        ax2.axvline(2 * d["gamma"], color="0.5", lw=0.8)
        ax2.set(xlabel="coupling K", ylabel="r_inf", title=f"K_c = 2 gamma = {2 * d['gamma']:.2f}", ylim=(0, 1.02))
        ax2.legend(frameon=False, fontsize=8)
        fig.tight_layout()

    return Explorer(controls, compute, draw, figsize=(10, 3.4), title="Kuramoto oscillators synchronize above K_c")
