"""Plots of the Sudoku solver: a board, accuracy against loops (test-time scaling), energy voting."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib.axes import Axes

if TYPE_CHECKING:
    pass


from ._style import PALETTE, new_axes, style

__all__ = ["plot_board", "plot_accuracy_vs_loops", "plot_voting_curve"]


def plot_board(ax: Axes, board: np.ndarray, puzzle: np.ndarray, solution: np.ndarray) -> Axes:
    """A board: givens in black, right answers in blue, wrong ones in vermillion (with the right digit small)."""
    n = board.shape[0]
    box = int(round(n**0.5))
    ax.set_xlim(0, n)
    ax.set_ylim(n, 0)
    ax.set_aspect("equal")
    ax.grid(False)
    ax.set_xticks([])
    ax.set_yticks([])
    for k in range(n + 1):
        lw = 2.0 if k % box == 0 else 0.6
        ax.axhline(k, color="k", lw=lw)
        ax.axvline(k, color="k", lw=lw)
    for i in range(n):
        for j in range(n):
            given, right = puzzle[i, j] > 0, board[i, j] == solution[i, j]
            color = "k" if given else (PALETTE[0] if right else PALETTE[3])
            ax.text(
                j + 0.5,
                i + 0.55,
                str(int(board[i, j])),
                ha="center",
                va="center",
                color=color,
                fontsize=14 if n <= 4 else 10,
                fontweight="bold" if given else "normal",
            )
            if not right:
                ax.text(j + 0.85, i + 0.25, str(int(solution[i, j])), ha="center", va="center", color="0.4", fontsize=7)
    return ax


def plot_accuracy_vs_loops(
    curves: Mapping[str, Any],
    ax: Axes | None = None,
    *,
    dataset: str | None = None,
    highlight: str | None = None,
    at: int | None = None,
    styles: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
    train_steps: int | None = None,
) -> Axes:
    """Board accuracy against loops T (Fig. 4), from :func:`sadyn.experiments.accuracy_vs_loops`'s ``curves``.

    Every model is a coloured line (``styles[name]`` its line style, ``labels[name]`` its legend entry), or, with
    ``highlight``, that model in colour and the others in grey; ``at`` rings the highlighted point at that T;
    a dotted line marks the training T (``train_steps``, else the highlighted model's recorded one).
    ``dataset`` selects one of several sets when ``curves["board"]`` is keyed by dataset first.
    """
    board = curves["board"][dataset] if dataset is not None else curves["board"]
    steps = list(curves["steps"])
    ax = new_axes(ax, figsize=(5.5, 3.4))
    with style():
        for i, (name, acc) in enumerate(board.items()):
            if highlight is not None and name != highlight:
                ax.plot(steps, acc, color="0.8", lw=1)
            elif highlight is None:
                ls = (styles or {}).get(name, "-")
                label = (labels or {}).get(name, name)
                ax.plot(steps, acc, marker="o", ms=3, ls=ls, color=PALETTE[i % len(PALETTE)], label=label)
        if highlight is not None:
            ax.plot(steps, board[highlight], "o-", color=PALETTE[0], label=highlight)
            if at is not None:
                ax.plot([at], [board[highlight][steps.index(at)]], "o", ms=12, mfc="none", mec=PALETTE[1], mew=2)
            train_steps = train_steps or (curves.get("train_steps") or {}).get(highlight)
        if train_steps:
            ax.axvline(train_steps, color="0.5", ls=":", lw=1, label=f"trained at T = {train_steps}")
        ds = dataset or curves.get("dataset", "")
        ax.set(xscale="log", xlabel="loops T", ylabel=f"board accuracy ({ds})" if ds else "board accuracy")
        ax.set_ylim(-0.02, 1.02)
        ax.legend(frameon=False, fontsize=7, loc="upper left")
    return ax


def plot_voting_curve(curve: Mapping[str, Any], ax: Axes | None = None, *, at: int | None = None) -> Axes:
    """Energy voting's board accuracy against restarts K beside one run's and the oracle's, from
    :func:`sadyn.experiments.voting_curve`; ``at`` rings the point at K = ``at``."""
    ax = new_axes(ax)
    with style():
        ax.plot(curve["K"], curve["vote"], "o-", color=PALETTE[0], label="energy vote")
        ax.plot(curve["K"], curve["single"], "--", color="0.4", label="one run (mean)")
        ax.plot(curve["K"], curve["oracle"], ":", color=PALETTE[2], label="oracle (any run right)")
        if at is not None:
            ax.plot([at], [curve["vote"][at - 1]], "o", ms=12, mfc="none", mec=PALETTE[1], mew=2)
        ax.set(xscale="log", xlabel="restarts K", ylabel="board accuracy")
        ax.legend(frameon=False, fontsize=8)
    return ax
