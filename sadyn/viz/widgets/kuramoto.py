"""Tutorial 06's explorers: the Kuramoto synchronization transition (r(t), r_inf(K) against theory) and AKOrN's
oscillators synchronizing under attention (coherence and phases over the loops)."""

from __future__ import annotations

from typing import Any

import ipywidgets as W
import numpy as np
from matplotlib.figure import Figure

from ...experiments.kuramoto import akorn_phases, kuramoto_sync
from ..plots import PALETTE
from ._explorer import Explorer

__all__ = ["kuramoto_explorer", "akorn_explorer"]


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


def akorn_explorer(*, scale: float = 0.5, omega: float = 1.0, steps: int = 300, tokens: int = 16) -> Explorer:
    """Sliders for AKOrN's weight scale (the attention coupling), its one global natural frequency omega and the
    number of loops: the coherence across tokens over the loops, and the phase of one oscillator of every token
    (oscillator_dim = 2, so each oscillator is a phase on a circle) relative to the tokens' mean phase."""
    controls = {
        "scale": W.FloatLogSlider(value=scale, base=10, min=-1, max=0.5, step=0.05, description="weight scale"),
        "omega": W.FloatSlider(value=omega, min=0.0, max=2.0, step=0.25, description="omega"),
        "steps": W.IntSlider(value=steps, min=50, max=1000, step=50, description="loops"),
    }

    def compute(scale: float, omega: float, steps: int) -> dict[str, Any]:
        return akorn_phases(scale, omega=omega, steps=steps, tokens=tokens)

    def draw(fig: Figure, d: dict[str, Any]) -> None:
        ax1, ax2 = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
        ax1.plot(d["coherence"], color=PALETTE[0])
        ax1.axhline(1 / np.sqrt(d["tokens"]), color="0.5", ls=":", label="incoherent, 1/sqrt(S)")
        ax1.axhline(0.9, color=PALETTE[1], ls="--", lw=0.8, label="0.9")
        when = "not within the run" if d["sync_step"] is None else f"at loop {d['sync_step']}"
        ax1.set(xlabel="loop t", ylabel="coherence across tokens", ylim=(0, 1.02), title=f"coherence 0.9 {when}")
        ax1.legend(frameon=False, fontsize=8)
        ax2.plot(d["relative"], color=PALETTE[2], lw=0.7)
        ax2.set(
            xlabel="loop t",
            ylabel="phase minus the tokens' mean (rad)",
            ylim=(-3.3, 3.3),
            title=f"relative phases of the 16 tokens (omega = {d['omega']:g} rotates all alike)",
        )
        fig.tight_layout()

    return Explorer(controls, compute, draw, figsize=(10, 3.4), title="AKOrN: attention synchronizes the oscillators")
