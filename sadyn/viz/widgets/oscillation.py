"""Tutorial 04's explorer: the oscillator toy of eqs. (17)-(20) in the complex plane, with and without normalization."""

from __future__ import annotations

from typing import Any

import ipywidgets as W
import numpy as np
from matplotlib.figure import Figure

from ...experiments.jacobians import toy_run
from ..plots import PALETTE, plot_eigenvalues
from ._explorer import Explorer

__all__ = ["oscillation_explorer"]


def _draw(fig: Figure, d: dict[str, Any]) -> None:
    ax1, ax2, ax3 = fig.add_subplot(1, 3, 1), fig.add_subplot(1, 3, 2), fig.add_subplot(1, 3, 3)
    plot_eigenvalues(d["analytic_unnormalized"], ax1, label="I + eta Omega", color=PALETTE[1])
    plot_eigenvalues(d["eigenvalues"], ax1, label="J at x_T", color=PALETTE[0], circle=False)
    ax1.set_title(f"max |lambda| = {d['max_modulus']:.3f}, ||J|| = {d['spectral_norm']:.3f}")
    ax2.semilogy(d["norms"].numpy(), color=PALETTE[3])
    ax2.set_xlabel("step t")
    ax2.set_ylabel("||x_t||")
    ax2.set_title("state norm")
    orbit = d["orbit"].numpy()
    ax3.plot(orbit[:, 0], orbit[:, 1], "-o", ms=2, color=PALETTE[2])
    t = np.linspace(0, 2 * np.pi, 200)
    ax3.plot(np.cos(t), np.sin(t), color="0.5", ls="--", lw=0.8)
    ax3.set_aspect("equal", adjustable="datalim")
    ax3.set_title("orbit in the first channel pair")
    fig.suptitle(
        f"eta = {d['eta']:.2f}, omega = {d['omega']:.2f}, second frequency = {d['ratio']:.2f} omega, "
        f"normalization {'on' if d['normalize'] else 'off'}"
    )
    fig.tight_layout()


def oscillation_explorer(
    *, eta: float = 0.3, omega: float = 1.0, normalize: bool = True, ratio: float = 1.0
) -> Explorer:
    """Sliders for eta and omega, a normalization switch and the ratio of the second frequency."""
    controls = {
        "eta": W.FloatSlider(value=eta, min=0.05, max=1.0, step=0.05, description="eta"),
        "omega": W.FloatSlider(value=omega, min=0.0, max=3.0, step=0.1, description="omega"),
        "normalize": W.Checkbox(value=normalize, description="normalize"),
        "ratio": W.FloatSlider(value=ratio, min=0.0, max=1.0, step=0.1, description="2nd freq."),
    }
    return Explorer(
        controls, lambda **v: toy_run(**v), _draw, figsize=(12, 3.6), title="The oscillator toy (eqs. 17-20)"
    )
