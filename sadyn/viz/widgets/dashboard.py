"""A generic dashboard for any parametrized map: the analyses of sadyn on sliders you choose (tutorial 09).

``dashboard(make_map, x0, controls)`` calls ``make_map(**values)`` for the current control values and shows the
three numbers the paper reads off a map: the spectral norm and the eigenvalues of the one-step Jacobian at the
state reached after ``settle`` steps, and the running estimate of the top Lyapunov exponents.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import ipywidgets as W
from matplotlib.figure import Figure
from torch import Tensor

from ...experiments.lyapunov import analyse_map
from ..plots import PALETTE, plot_eigenvalues
from ._explorer import Explorer

__all__ = ["dashboard"]


def dashboard(
    make_map: Callable[..., Callable[[Tensor], Tensor]],
    x0: Tensor,
    controls: Mapping[str, W.ValueWidget],
    *,
    settle: int = 20,
    steps: int = 200,
    k: int = 8,
    constraint: str | None = None,
    group: int | None = None,
    title: str = "Your map",
) -> Explorer:
    """Sliders -> ``make_map(**values)`` -> eigenvalues in the complex plane + running Lyapunov estimates."""

    def compute(**values: Any) -> dict[str, Any]:
        out = analyse_map(make_map(**values), x0, settle=settle, steps=steps, k=k, constraint=constraint, group=group)
        out["values"] = values
        return out

    def draw(fig: Figure, d: dict[str, Any]) -> None:
        ax1, ax2 = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
        plot_eigenvalues(d["eigenvalues"], ax1)
        ax1.set_title(f"eigenvalues of J, ||J||_2 = {d['spectral_norm']:.3g}")
        L = d["spectrum"]
        for i in range(L.history.shape[-1]):
            ax2.plot(L.history_steps.numpy(), L.history[:, i].numpy(), color=PALETTE[i % len(PALETTE)], lw=1)
        ax2.axhline(0, color="0.4", lw=0.8)
        ax2.set(
            xlabel="steps averaged",
            ylabel="running exponent estimates",
            title=f"lambda_max = {float(L.max):.3g}: {d['regime']}",
        )
        fig.suptitle(
            ", ".join(f"{k} = {v:.3g}" if isinstance(v, float) else f"{k} = {v}" for k, v in d["values"].items())
        )
        fig.tight_layout()

    return Explorer(controls, compute, draw, figsize=(10, 3.6), title=title)
