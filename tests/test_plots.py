"""Plot helpers: the shared style touches only its own keys; figure functions draw what they are given."""

import matplotlib
import numpy as np
import pytest
import torch

from sadyn.viz import plots


def test_style_restores_only_its_keys_and_keeps_interactive_mode():
    before = dict(matplotlib.rcParams)
    with plots.style():
        assert matplotlib.rcParams["image.cmap"] == "cividis"
        matplotlib.rcParams["interactive"] = not before["interactive"]  # what a backend activation does
    assert matplotlib.rcParams["image.cmap"] == before["image.cmap"]
    assert matplotlib.rcParams["interactive"] != before["interactive"]  # not rolled back by us
    matplotlib.rcParams["interactive"] = before["interactive"]


def test_eigenvalue_plot_and_png():
    ax = plots.plot_eigenvalues(torch.tensor([1 + 1j, 0.5 - 0.2j]), label="J")
    offsets = ax.collections[0].get_offsets()
    assert np.allclose(offsets, [[1, 1], [0.5, -0.2]])
    assert plots.figure_png(ax.figure)[:4] == b"\x89PNG"


def test_sphere_plot_needs_three_dimensions():
    with pytest.raises(ValueError, match=r"\(steps \+ 1, S, 3\)"):
        plots.plot_tokens_sphere(torch.zeros(5, 4, 2))


CURVES = {
    "steps": [1, 4, 16],
    "dataset": "sudoku4-ood",
    "board": {"a": [0.1, 0.5, 0.9], "b": [0.0, 0.2, 0.3]},
    "train_steps": {"a": 4, "b": None},
}


def test_accuracy_vs_loops_draws_every_model_or_highlights_one():
    """The one accuracy-vs-T plot (widgets, reproduce, tutorial 07): lines carry the given data and styles."""
    ax = plots.plot_accuracy_vs_loops(CURVES, styles={"b": "--"}, labels={"a": "model A"}, train_steps=4)
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert np.allclose(lines["model A"].get_ydata(), [0.1, 0.5, 0.9]) and lines["b"].get_linestyle() == "--"
    assert "trained at T = 4" in lines and ax.get_xscale() == "log" and "sudoku4-ood" in ax.get_ylabel()
    ax = plots.plot_accuracy_vs_loops(CURVES, highlight="a", at=16)
    grey = [line for line in ax.get_lines() if line.get_color() == "0.8"]
    assert len(grey) == 1 and np.allclose(grey[0].get_ydata(), [0.0, 0.2, 0.3])
    ring = [line for line in ax.get_lines() if line.get_markersize() == 12]
    assert ring[0].get_xdata()[0] == 16 and ring[0].get_ydata()[0] == 0.9
    assert any(line.get_label() == "trained at T = 4" for line in ax.get_lines())  # the highlighted model's own T


def test_accuracy_vs_loops_selects_a_dataset_and_voting_curve_rings_K():
    both = {**CURVES, "board": {"sudoku4-id": {"a": [1.0, 1.0, 1.0]}, "sudoku4-ood": CURVES["board"]}}
    ax = plots.plot_accuracy_vs_loops(both, dataset="sudoku4-id")
    assert [line.get_label() for line in ax.get_lines()] == ["a"] and "sudoku4-id" in ax.get_ylabel()
    curve = {"K": np.arange(1, 4), "vote": np.array([0.2, 0.4, 0.5]), "single": np.full(3, 0.2), "oracle": np.ones(3)}
    ax = plots.plot_voting_curve(curve, at=2)
    ring = [line for line in ax.get_lines() if line.get_markersize() == 12][0]
    assert (ring.get_xdata()[0], ring.get_ydata()[0]) == (2, 0.4)
