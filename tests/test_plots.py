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
