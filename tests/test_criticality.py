"""Tutorials 05-07's criticality numbers and drawings: two-trajectory slopes, finite-time exponents, AKOrN's
time to synchronize, the cached 9x9 variant scan, and the explorers built on them."""

import json
import math

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
import torch

import sadyn as sd
import sadyn.viz.widgets as w
from sadyn.experiments import (
    akorn_sync_time,
    finite_time_curve,
    growth_rate,
    load_variant_cache,
    trajectory_distance,
    variant_point,
)
from sadyn.viz import criticality

D64 = torch.float64


def test_growth_rate_recovers_a_known_exponent_and_rejects_bad_windows():
    t = np.arange(30)
    assert growth_rate(t, 1e-8 * np.exp(-0.37 * t)) == pytest.approx(-0.37, abs=1e-12)
    with pytest.raises(ValueError, match="positive, finite"):
        growth_rate(t, np.zeros(30))
    with pytest.raises(ValueError, match="at least two"):
        growth_rate(t, np.ones(30), start=29)


def test_two_trajectory_slope_equals_the_linear_maps_exponent():
    A = torch.diag(torch.tensor([0.5, 0.2], dtype=D64))  # lambda_max = ln 0.5 exactly
    c = trajectory_distance(lambda x: A @ x, torch.ones(2, dtype=D64), warmup=0, steps=40, points=41, eps=1e-6, seed=0)
    assert growth_rate(c["t"], c["l1"], start=10) == pytest.approx(math.log(0.5), abs=1e-6)


def test_finite_time_curve_starts_at_the_one_step_norm_and_tends_to_the_long_run_exponent():
    J = torch.tensor([[0.5, 4.0], [0.0, 0.5]], dtype=D64)  # non-normal: ||J|| > 1, both eigenvalues 0.5
    curve = finite_time_curve(lambda x: J @ x, torch.ones(2, dtype=D64), (1, 4, 256))
    assert curve["T"] == [1, 4, 256]
    assert curve["lambda_max"][0] == pytest.approx(math.log(float(torch.linalg.matrix_norm(J, 2))), abs=1e-10)
    assert curve["lambda_max"][0] > 0  # short-term amplification by a convergent map
    assert curve["lambda_max"][-1] == pytest.approx(math.log(0.5), abs=0.03)


def test_akorn_synchronizes_at_every_coupling_given_time_and_weaker_takes_longer():
    r = akorn_sync_time((0.5, 1.0), omega=1.0, max_steps=600)
    assert all(t is not None for t in r["steps"]) and r["steps"][0] > 2 * r["steps"][1]
    assert r["coherence"][1][-1] >= 0.9 > r["coherence"][1][-2]
    short = akorn_sync_time((0.1,), max_steps=50)
    assert short["steps"] == [None] and len(short["coherence"][0]) == 51
    with pytest.raises(ValueError, match="threshold"):
        akorn_sync_time((1.0,), threshold=1.5)


def test_the_committed_variant_cache_has_the_inverted_u_and_the_explorer_boards():
    data = load_variant_cache()
    scan = data["scans"]["W^V"]
    assert scan["model"] == "itrsa9-rms" and len(scan["factors"]) == len(scan["board"]) == 6
    best = int(np.argmax(scan["board"]))
    assert 0 < best < 5 and scan["board"][0] < 0.1 and scan["board"][-1] < 0.1
    assert np.all(np.diff(scan["lambda_max"]) > 0) and abs(scan["lambda_max"][best]) < 0.15
    P, S = np.asarray(data["puzzles"]), np.asarray(data["solutions"])
    assert P.shape == S.shape == (12, 9, 9) and ((P == 0) | (P == S)).all()


def test_load_variant_cache_names_the_regeneration_command(tmp_path):
    with pytest.raises(FileNotFoundError, match="make_variant_cache.py"):
        load_variant_cache(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"scans": {"W^V": {"factors": [1.0], "board": []}}}))
    with pytest.raises(ValueError, match="malformed"):
        load_variant_cache(bad)


@pytest.mark.slow
def test_variant_point_reproduces_the_cached_trained_solver():
    cached = load_variant_cache()["scans"]["W^V"]
    i = cached["factors"].index(1.0)
    p = variant_point("itrsa9-rms", "W^V", 1.0, n=10, lyapunov_puzzles=1)
    assert p["lambda_max"] == pytest.approx(cached["points"][i]["lambda_per_puzzle"][0], abs=1e-6)


def test_variant_point_rejects_bad_arguments():
    with pytest.raises(ValueError, match="lyapunov_puzzles"):
        variant_point("itrsa4-rms", "W^V", 1.0, lyapunov_puzzles=0)
    with pytest.raises(ValueError, match="knob"):
        variant_point("itrsa4-rms", "gain", 1.0)


def test_model_colors_are_distinct_for_nine_models_and_recolor_applies_them():
    # tutorial 07's nine teaching models (the other shipped 4x4 checkpoints are Fig. S.1's heads and Fig. 5's E-single)
    teaching = ["akorn4", "akorn4-osc32", "akorn4-rms", "akorn4-spec", "energy4"]
    teaching += ["itrsa4-emulti", "itrsa4-none", "itrsa4-rms", "itrsa4-spec"]
    names = sd.experiments.shipped_solvers(4, teaching)
    colors = criticality.model_colors(names)
    assert names == teaching and len(set(colors.values())) == 9
    with pytest.raises(ValueError, match="distinct colours"):
        criticality.model_colors([str(i) for i in range(11)])
    curves = {"steps": [1, 2], "board": {n: [0.1, 0.2] for n in names}}
    ax = sd.plots.plot_accuracy_vs_loops(curves)
    criticality.recolor_lines(ax, colors)
    drawn = {ln.get_label(): ln.get_color() for ln in ax.get_lines() if ln.get_label() in colors}
    assert drawn == colors


def test_criticality_plots_draw_what_they_are_given():
    curves = {"a": {"t": [0, 1, 2], "l1": [1.0, 0.5, 0.25]}}
    ax = criticality.plot_separation(curves, slopes={"a": math.log(0.5)})
    assert len(ax.get_lines()) == 2 and ax.get_yscale() == "log"
    ax = criticality.plot_finite_time({"T": [1, 2], "lambda_max": [0.5, 0.1]}, long_run=-0.1)
    assert ax.get_xscale() == "log"
    ax = criticality.plot_sync_time({"x": {"scale": [0.5, 1.0], "steps": [100, None]}})
    assert len(ax.get_lines()[0].get_xdata()) == 1  # the run that did not synchronize is left out
    scan = load_variant_cache()["scans"]["W^V"]
    ax = criticality.plot_variant_scan(scan, at=1.0)
    assert "itrsa9-rms" in ax.get_title()


def test_akorn_explorer_redraws_and_weak_coupling_synchronizes_later():
    ex = w.akorn_explorer(scale=1.0, steps=100)
    assert ex.data["sync_step"] is not None and ex.data["phases"].shape == (101, 16)
    d = ex.update(scale=0.3, steps=100)
    assert d["sync_step"] is None and "not within" in ex.figure.axes[0].get_title()


def test_variant_explorer_reads_the_cache_and_solves_one_board_live():
    ex = w.variant_explorer("W^V", factor=1.0, puzzle=0)
    assert ex.data["factor"] == 1.0 and ex.data["board"].shape == (9, 9)
    i = ex.data["scan"]["factors"].index(1.0)
    assert ex.data["board_acc"] == ex.data["scan"]["board"][i]
    d = ex.update(knob="eta")  # the eta scan has its own factors: the value snaps to one of them
    assert d["knob"] == "eta" and d["factor"] in d["scan"]["factors"]
    with pytest.raises(ValueError, match="cached scans"):
        w.variant_explorer("input")


def test_akorn_phases_matches_the_sync_time_and_shares_one_rotation_rate():
    from sadyn.experiments import akorn_phases

    run = akorn_phases(1.0, omega=1.0, steps=120)
    assert run["sync_step"] == akorn_sync_time((1.0,), omega=1.0)["steps"][0]
    late = np.diff(run["phases"][-20:], axis=0)  # once synchronized, every token turns at the same rate
    assert np.ptp(late.mean(0)) < 0.05


def test_solver_spectrum_equals_the_engines_finite_time_spectrum_with_less_memory():
    from sadyn.experiments import puzzle_set, solver_map, solver_spectrum

    puzzle = puzzle_set("sudoku4-ood", 1)[0][0]
    sm = solver_map("itrsa4-rms", puzzle)
    ref = sd.finite_time_lyapunov(sm.f, sm.X0, horizon=4, constraint=sm.constraint, group=sm.group)
    ours = solver_spectrum("itrsa4-rms", puzzle, horizon=4, budget=2**14)
    assert ours["excluded"] == ref.excluded == 16 and ours["n"] == 512
    assert torch.allclose(ours["exponents"], ref.exponents, atol=1e-10)
    assert ours["max"] == pytest.approx(float(ref.max), abs=1e-10)


def test_akorn_relative_phases_collapse_to_zero_once_synchronized():
    from sadyn.experiments import akorn_phases

    run = akorn_phases(1.0, omega=1.0, steps=150)
    assert np.abs(run["relative"][0]).max() > 1.0 and np.abs(run["relative"][-1]).max() < 0.3
