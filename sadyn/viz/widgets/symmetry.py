"""Tutorial 02's explorer: break the energy condition with a knob and watch the energy and the motion."""

from __future__ import annotations

from typing import Any

import ipywidgets as W
import numpy as np
from matplotlib.figure import Figure

from ...experiments.energy import symmetry_run
from ..plots import PALETTE
from ._explorer import Explorer

__all__ = ["symmetry_explorer"]


def _draw(fig: Figure, d: dict[str, Any]) -> None:
    ax1, ax2, ax3 = (fig.add_subplot(1, 3, i) for i in (1, 2, 3))
    E = d["energies"].numpy()
    ax1.plot(E - E[0], color=PALETTE[0])
    ax1.set_xlabel("step t")
    ax1.set_ylabel("E(X_t) - E(X_0)")
    ax1.set_title(f"energy rose on {100 * d['increasing_steps']:.0f}% of steps")
    ax2.semilogy(np.maximum(d["speed"].numpy(), 1e-16), color=PALETTE[3])
    ax2.set_xlabel("step t")
    ax2.set_ylabel("token speed ||X_{t+1} - X_t||")
    ax2.set_title(f"token speed, final {d['final_speed']:.1e}")
    for k, c in enumerate(d["trace"].T.numpy()):
        ax3.plot(c, color=PALETTE[k], label=f"x_1[{k}]")
    ax3.set_xlabel("step t")
    ax3.set_title("first token x_1: its first three coordinates")
    ax3.legend(frameon=False, fontsize=8)
    fig.suptitle(
        f"symmetry breaking t = {d['symmetry_breaking']:.2f}, heads = {d['heads']}, beta = {d['beta']:.2g}: "
        f"dE/dt > 0 at {100 * d['positive_rate_share']:.0f}% of {d['probes']} random states"
    )
    fig.tight_layout()


def symmetry_explorer(*, symmetry_breaking: float = 0.0, heads: int = 1, beta: float = 1.0) -> Explorer:
    """Knobs: t (0 = energy condition holds, 1 = an independent random value matrix), heads, inverse temperature.

    Panels: the energy change, the token speed (log), and the first three coordinates of the first token."""
    controls = {
        "symmetry_breaking": W.FloatSlider(value=symmetry_breaking, min=0.0, max=1.0, step=0.05, description="t"),
        "heads": W.Dropdown(options=[1, 2, 4], value=heads, description="heads"),
        "beta": W.FloatLogSlider(value=beta, base=10, min=-1, max=1, step=0.05, description="beta"),
    }

    def compute(symmetry_breaking: float, heads: int, beta: float) -> dict[str, Any]:
        return {**symmetry_run(symmetry_breaking=symmetry_breaking, heads=heads, beta=beta, probes=64), "probes": 64}

    return Explorer(controls, compute, _draw, figsize=(13, 3.5), title="Breaking the energy condition")
