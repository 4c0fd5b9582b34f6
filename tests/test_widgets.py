"""Widgets driven as a reader would: setting a control's value fires the callback and recomputes the data."""

import pytest

import sadyn.viz.widgets as w
from sadyn.experiments import clustering_run


def test_energy_explorer_default_figure_and_slider_callbacks():
    ex = w.energy_explorer(steps=80, tokens=12)
    assert ex.data["decreasing"] and len(ex.figure.axes) >= 3
    png_before = ex.png()
    assert png_before[:4] == b"\x89PNG"
    ex.controls["beta"].value = 8.0  # exactly what a slider move does
    assert ex.data["beta"] == 8.0 and ex.data["decreasing"]
    assert ex.png() != png_before
    d = ex.update(beta=0.2, dt=0.3)
    assert d["beta"] == 0.2 and d["dt"] == 0.3 and d["energies"].shape == (81,)
    assert ex.seconds > 0  # measured; how fast is benchmarks/' business, not a timed unit test


def test_update_rejects_unknown_controls():
    ex = w.energy_explorer(steps=10, tokens=4)
    with pytest.raises(ValueError, match="unknown control"):
        ex.update(temperature=1.0)


def test_low_temperature_keeps_more_clusters_than_high_temperature():
    few = clustering_run(beta=0.5, dt=0.2, steps=300, tokens=24)
    many = clustering_run(beta=20.0, dt=0.2, steps=300, tokens=24)
    assert few["clusters"] == 1 and many["clusters"] > 1


def test_symmetry_explorer_knob_breaks_the_energy():
    ex = w.symmetry_explorer()
    assert ex.data["increasing_steps"] == 0.0 and ex.data["positive_rate_share"] == 0.0
    ex.controls["symmetry_breaking"].value = 1.0
    assert ex.data["positive_rate_share"] > 0.1
    d = ex.update(heads=2, beta=2.0)
    assert d["heads"] == 2 and d["energies"].shape == (401,)


def test_oscillation_explorer_normalization_switch():
    ex = w.oscillation_explorer(eta=0.5, omega=1.0, normalize=False)
    assert ex.data["max_modulus"] == pytest.approx((1 + 0.25) ** 0.5, rel=1e-9)
    assert float(ex.data["norms"][-1]) > 10
    ex.controls["normalize"].value = True
    assert ex.data["spectral_norm"] <= 1 + 1e-12 and float(ex.data["norms"][-1]) == pytest.approx(1.0)
    d = ex.update(ratio=0.5, eta=1.0)
    assert d["ratio"] == 0.5 and d["spectral_norm"] > 1  # one step may stretch with two frequencies


def test_jacobian_explorer_normalization_shrinks_the_norm_below_the_bound():
    ex = w.jacobian_explorer(tokens=8, radius=10.0)
    d = ex.data
    assert d["measured"] <= d["bound"] * (1 + 1e-6) and d["measured"] < d["unnormalized"]
    ex.controls["norm"].value = "none"
    assert ex.data["bound"] is None and ex.data["measured"] == ex.data["unnormalized"]
    d = ex.update(norm="layer", tokens=12, eta=0.5)
    assert d["tokens"] == 12 and 12 in d["grid"] and d["measured"] <= d["bound"] * (1 + 1e-6)


def test_lyapunov_explorer_point_drives_the_estimate():
    from sadyn.experiments import lyapunov_phase_diagram

    diagram = lyapunov_phase_diagram(etas=(0.3, 3.0), scales=(0.5, 2.0), steps=40, transient=10)
    assert diagram["rms"]["max"].shape == (2, 2) and not diagram["rms"]["divergent"].any()
    ex = w.lyapunov_explorer(diagram, eta=0.3, scale=0.5, steps=40)
    assert ex.data["max"] < 0 and ex.data["status"] == "ok"
    ex.controls["norm"].value = "none"
    ex.controls["scale"].value = 2.0
    ex.controls["eta"].value = 3.0
    assert ex.data["norm"] is None and ex.data["max"] > ex.data["spectrum"].exponents.new_tensor(0.1)


def test_kuramoto_explorer_crosses_the_transition():
    ex = w.kuramoto_explorer(K=0.5, gamma=0.5, n=400, time=20.0)
    assert ex.data["r_inf"] < 0.2 and ex.data["theory"] == 0.0
    ex.controls["K"].value = 3.0
    assert abs(ex.data["r_inf"] - (1 - 1 / 3) ** 0.5) < 0.05


def test_dashboard_on_a_user_map_matches_the_linear_answer():
    import ipywidgets as W
    import torch

    g = torch.Generator().manual_seed(0)
    A = torch.randn(16, 16, generator=g, dtype=torch.float64) / 4
    ex = w.dashboard(
        lambda gain: lambda h: torch.tanh(gain * h @ A.T),
        torch.randn(16, dtype=torch.float64, generator=g),
        {"gain": W.FloatSlider(value=0.5, min=0.1, max=3.0)},
        steps=300,
        k=2,
    )
    expected = float(torch.log(torch.linalg.eigvals(0.5 * A).abs().max()))
    assert abs(float(ex.data["spectrum"].max) - expected) < 1e-2 and ex.data["regime"] == "convergent"
    ex.controls["gain"].value = 3.0
    assert float(ex.data["spectrum"].max) > 0


def test_sudoku_explorer_follows_model_and_loops():
    from sadyn.experiments import accuracy_vs_loops

    curves = accuracy_vs_loops(["itrsa4-rms", "itrsa4-none"], steps=(1, 8, 16), n=20)
    ex = w.sudoku_explorer(curves, model="itrsa4-rms", steps=16)
    d = ex.data
    assert d["accuracy"] == curves["board"]["itrsa4-rms"][2] and d["board"].shape == (4, 4)
    assert ((d["puzzle"] == 0) | (d["board"] == d["puzzle"])).all()  # givens are kept
    ex.controls["steps"].value = 1
    assert ex.data["steps"] == 1 and ex.data["accuracy"] == 0.0 and not ex.data["solved"]
    d = ex.update(model="itrsa4-none", steps=16, puzzle=2)
    assert d["accuracy"] == 0.0 and not d["solved"] and d["model"] == "itrsa4-none"
    assert ex.seconds > 0
    with pytest.raises(ValueError, match="`model` must be one of"):
        w.sudoku_explorer(curves, model="akorn4")


def test_voting_explorer_indexes_the_restart_table():
    ex = w.voting_explorer("itrsa4-rms", restarts=4, steps=(8, 16), n=20)
    assert ex.data["T"] == 16 and ex.data["K"] == 4
    d = ex.update(restarts=2, steps=8)
    assert d["runs"]["energy"].shape == (2, 9) and d["oracle"] >= d["vote"]
    assert d["vote"] == float(d["curve"]["vote"][1])
    ex.controls["restarts"].value = 1
    assert ex.data["vote"] == ex.data["oracle"]  # one run: the vote is that run
    assert ex.seconds > 0


def test_voting_explorer_shows_a_puzzle_where_the_shown_restarts_disagree_and_the_vote_is_right():
    from sadyn.experiments import energy_curves, puzzle_set, restart_energies

    P, S = puzzle_set("sudoku4-ood", 20)
    table = restart_energies("akorn4", P, S, restarts=4, steps=(8,))
    ex = w.voting_explorer("akorn4", table=table, n=20, show_restarts=4)
    runs = ex.data["runs"]  # the very draws the figure shows, not the table's
    assert ex.data["T"] == 8 and ex.data["K"] == 4
    assert 0 < runs["correct"].sum() < 4 and runs["correct"][runs["vote"]]
    shown = int(ex.figure.axes[0].get_title().split()[1].rstrip(":"))
    again = energy_curves("akorn4", P[shown], S[shown], restarts=4, steps=8)
    assert (again["correct"] == runs["correct"]).all()
    with pytest.raises(ValueError, match="`table` holds 20 puzzles but n=30"):
        w.voting_explorer("akorn4", table=table, n=30)
    with pytest.raises(ValueError, match="`show_steps` must be one of"):
        w.voting_explorer("akorn4", table=table, n=20, show_steps=16)
