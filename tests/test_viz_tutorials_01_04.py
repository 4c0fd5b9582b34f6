"""Figures added for tutorials 01-04: the loop schematic, cluster-sorted similarities, readable log ticks,
zoomed spectra, the wider jacobian explorer, and the margin of eigenvalue counts."""

from __future__ import annotations

import ipywidgets as W
import numpy as np
import pytest
import torch

import sadyn as sd
from sadyn.experiments import eigenvalue_cloud, random_tokens
from sadyn.geometry import cluster_labels, count_clusters
from sadyn.viz import plots
from sadyn.viz.schematic import BOXES, plot_loop_schematic


def test_schematic_draws_every_stage_with_its_label() -> None:
    ax = plot_loop_schematic()
    gids = {p.get_gid() for p in ax.patches if p.get_gid()}
    assert gids == {key for key, *_ in BOXES}
    texts = " ".join(t.get_text() for t in ax.texts)
    assert "Euler step" in texts and "renormalize" in texts and "same every loop" in texts
    assert "Norm = RMSNorm" in texts
    assert "free to grow" in " ".join(t.get_text() for t in plot_loop_schematic(norm="none").texts)
    with pytest.raises(TypeError, match="`norm` must be a string"):
        plot_loop_schematic(norm=None)  # type: ignore[arg-type]


def test_cluster_labels_group_tokens_and_agree_with_count_clusters() -> None:
    X = torch.tensor([[1.0, 0, 0], [0, 1.0, 0], [1.0, 1e-3, 0], [0, 1.0, 1e-3], [0, 0, 1.0]], dtype=torch.float64)
    labels = cluster_labels(X)
    assert labels.tolist() == [0, 1, 0, 1, 4]
    assert count_clusters(X) == 3
    with pytest.raises(ValueError, match="threshold"):
        cluster_labels(X, threshold=0.0)


def test_similarity_sorted_puts_clusters_in_diagonal_blocks() -> None:
    g = torch.Generator().manual_seed(0)
    centres = torch.eye(3, dtype=torch.float64)
    X = centres[torch.tensor([0, 1, 2, 0, 1, 0])] + 1e-4 * torch.randn(6, 3, generator=g, dtype=torch.float64)
    im = plots.plot_similarity_sorted(X)
    M = np.asarray(im.get_array())
    blocks = [(0, 3), (3, 5), (5, 6)]  # sizes 3, 2, 1: largest first
    for a, b in blocks:
        assert (M[a:b, a:b] > 0.99).all()
    assert (M[:3, 3:] < 0.1).all()
    assert len(im.axes.patches) == 3


def test_readable_log_ticks_are_plain_numbers() -> None:
    ax = plots.plot_norm_vs_tokens(
        None, [{"tokens": [4, 8, 16], "mean": [0.01, 1.0, 100.0], "std": [0, 0, 0], "label": "a"}]
    )
    ax.figure.canvas.draw()
    xlabels = [t.get_text() for t in ax.get_xticklabels()]
    assert xlabels == ["4", "8", "16"]
    ylabels = {t.get_text() for t in ax.get_yticklabels()}
    assert {"0.01", "1", "100"} <= ylabels and not any("10^" in s or "$" in s for s in ylabels)


def test_zoom_keeps_the_window_and_notes_the_far_eigenvalue() -> None:
    z = torch.tensor([0.5 + 0.2j, 0.5 - 0.2j, 1.05 + 0j, -122.57 + 0j])
    ax = plots.plot_eigenvalues_zoom(z, radius=1.5)
    assert ax.get_xlim() == (-1.5, 1.5) and ax.get_ylim() == (-1.5, 1.5)
    assert len(ax.collections[0].get_offsets()) == 3
    assert any("off-scale: -123" in t.get_text() for t in ax.texts)


def test_eigenvalue_cloud_margin_keeps_round_off_of_a_defective_one_off_the_count() -> None:
    S, D = 8, 16
    C, X0 = random_tokens(S, D, seed=1), random_tokens(S, D, seed=2)
    m = sd.ItrSA(D, 4, norm=None, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    wide = eigenvalue_cloud(m, X0, C, steps=16, margin=1e-4)
    mod = wide["eigenvalues"].abs()
    assert wide["outside_share"] == float((mod > 1 + 1e-4).double().mean())
    # no eigenvalue within a factor 10 of the margin: the count cannot flip under round-off
    assert not (((mod - 1).abs() > 1e-5) & ((mod - 1).abs() < 1e-3)).any()
    assert wide["on_circle_share"] > 0.5  # most of I + eta J_MSA's spectrum is a defective eigenvalue 1
    with pytest.raises(ValueError, match="`margin`"):
        eigenvalue_cloud(m, X0, C, steps=2, margin=-1.0)


def test_jacobian_explorer_controls_sit_in_a_two_column_grid() -> None:
    ex = sd.widgets.jacobian_explorer(tokens=4, radius=10.0)
    grids = [c for c in ex.widget.children if isinstance(c, W.GridBox)]
    assert len(grids) == 1 and len(grids[0].children) == 5
    assert not any(isinstance(c, W.HBox) for c in ex.widget.children)
    assert all(c.layout.width == "95%" for c in ex.controls.values())


def test_energy_explorer_dt_range_crosses_the_energy_threshold() -> None:
    ex = sd.widgets.energy_explorer(steps=60, tokens=12)
    assert ex.controls["dt"].max >= 5.0
    assert not ex.update(dt=3.0)["decreasing"] and ex.update(dt=0.5)["decreasing"]


def test_toy_moduli_puts_the_unnormalized_points_on_the_closed_form() -> None:
    toy = sd.experiments.toy_max_modulus((0.5, 1.0), (0.5, 2.0))
    fig, axes = plots.grid(2)
    plots.plot_toy_moduli(axes, toy)
    raw = axes[0].lines[1].get_xydata()
    assert np.allclose(raw[:, 1], np.sqrt(1 + raw[:, 0] ** 2))
    assert (axes[0].lines[2].get_xydata()[:, 1] <= 1 + 1e-9).all()
    assert len(axes[1].collections) == 2


def test_tutorial_04_counts_do_not_move_when_the_input_moves_by_1e_12() -> None:
    S, D = 8, 16
    C, X0 = random_tokens(S, D, seed=1), random_tokens(S, D, seed=2)
    noise = 1e-12 * torch.randn(S, D, generator=torch.Generator().manual_seed(5), dtype=torch.float64)
    for norm in ("rms", None):
        m = sd.ItrSA(D, 4, norm=norm, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
        a = eigenvalue_cloud(m, X0, C, steps=16, margin=1e-4)
        b = eigenvalue_cloud(m, X0 + noise, C, steps=16, margin=1e-4)
        assert (a["outside_share"], a["on_circle_share"]) == (b["outside_share"], b["on_circle_share"])
