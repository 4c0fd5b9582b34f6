"""Tutorial 01's explorer: symmetric single-head SA on the sphere; beta and dt redraw energy and tokens."""

from __future__ import annotations

from typing import Any

import ipywidgets as W
from matplotlib.figure import Figure

from ...experiments.energy import clustering_run
from ..plots import plot_energy, plot_similarity_sorted, plot_tokens_sphere
from ._explorer import Explorer

__all__ = ["energy_explorer"]


def _draw(fig: Figure, d: dict[str, Any]) -> None:
    ax1 = fig.add_subplot(1, 3, 1)
    plot_energy(d["energies"], ax1)
    ax1.set_title(f"energy ({'decreasing' if d['decreasing'] else 'NOT monotone'})")
    ax2 = fig.add_subplot(1, 3, 2, projection="3d")
    plot_tokens_sphere(d["trajectory"].states, ax2, title=f"{d['clusters']} cluster(s) at the end")
    ax3 = fig.add_subplot(1, 3, 3)
    plot_similarity_sorted(d["trajectory"].final, ax3, title="cos(x_i, x_j) at the end, by cluster")
    fig.suptitle(f"beta = {d['beta']:.2g}, dt = {d['dt']:.2g}")
    fig.tight_layout()


def energy_explorer(
    *, beta: float = 1.0, dt: float = 0.1, tokens: int = 32, steps: int = 200, seed: int = 0
) -> Explorer:
    """Sliders for the inverse temperature beta and the Euler step dt of the clustering flow (tutorial 01).

    dt runs up to 5: past dt ~ 2 (A = I, 32 tokens) the discrete step overshoots and the energy rises, although
    the continuous flow's energy always falls."""
    controls = {
        "beta": W.FloatLogSlider(value=beta, base=10, min=-1, max=1.3, step=0.05, description="beta"),
        "dt": W.FloatSlider(value=dt, min=0.05, max=5.0, step=0.05, description="dt"),
    }

    def compute(beta: float, dt: float) -> dict[str, Any]:
        return clustering_run(beta=beta, dt=dt, tokens=tokens, steps=steps, seed=seed)

    return Explorer(controls, compute, _draw, figsize=(11.5, 3.6), title="Tokens on the sphere under the energy flow")
