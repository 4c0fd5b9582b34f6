"""Experiments on the shipped 4x4 solvers: each number is checked against a second, independent computation."""

import math

import numpy as np
import pytest
import torch

import sadyn as sd
import sadyn.experiments as trained
from sadyn.sudoku import board_accuracy


@pytest.fixture(scope="module")
def puzzles():
    return trained.puzzle_set("sudoku4-ood", 24)


def test_accuracy_vs_loops_matches_solve_and_scales_with_loops(puzzles):
    P, S = puzzles
    acc = trained.accuracy_vs_loops(["itrsa4-rms"], steps=(1, 16), n=24)
    model = sd.load_pretrained("itrsa4-rms")
    assert acc["board"]["itrsa4-rms"][1] == board_accuracy(model.solve(P, steps=16), S, P)
    assert acc["board"]["itrsa4-rms"][0] == 0.0 and acc["board"]["itrsa4-rms"][1] > 0.8
    assert acc["train_steps"]["itrsa4-rms"] == 8 and acc["n"] == 24


def test_bad_inputs_are_named(puzzles):
    with pytest.raises(TypeError, match="wrap a single name in a list"):
        trained.accuracy_vs_loops("itrsa4-rms")
    with pytest.raises(TypeError, match="`model` must be a SudokuSolver"):
        trained.solver_map(3, puzzles[0][0])
    with pytest.raises(ValueError, match="one board"):
        trained.solver_map("itrsa4-rms", puzzles[0][:2])
    with pytest.raises(ValueError, match="`n` must be a positive integer"):
        trained.puzzle_set("sudoku4-ood", 0)


def test_solver_map_is_the_models_own_loop(puzzles):
    P, _ = puzzles
    model = sd.load_pretrained("akorn4").double()
    sm = trained.solver_map(model, P[0])
    digits = model.tokens(P[:1])
    X0 = model.initial_state(digits, model.inputs(digits), torch.Generator().manual_seed(0))
    X, _ = model.run(digits, steps=3, generator=torch.Generator().manual_seed(0))
    Y = sm.X0
    for _ in range(3):
        Y = sm.f(Y)
    assert torch.equal(sm.X0, X0[0]) and torch.allclose(Y, X[0], atol=1e-12)
    assert (sm.constraint, sm.group) == ("sphere", 4)
    assert trained.solver_map("itrsa4-none", P[0]).constraint is None
    assert trained.solver_map("itrsa4-rms", P[0]).group == 32  # token-wise: one group per token (D = 32)


def test_finite_time_shortcut_equals_the_qr_product_and_unnormalized_is_chaotic(puzzles):
    P, _ = puzzles
    sm = trained.solver_map("itrsa4-rms", P[0])
    full = sd.finite_time_lyapunov(sm.f, sm.X0, horizon=4, k=1, constraint=sm.constraint)
    short = trained.solver_lyapunov("itrsa4-rms", P[0], horizon=4, steps=0)
    assert math.isclose(short["finite_time"], float(full.max), rel_tol=1e-6) and math.isnan(short["qr"])
    rms = trained.solver_lyapunov("itrsa4-rms", P[0], steps=30)
    none = trained.solver_lyapunov("itrsa4-none", P[0], steps=30)
    assert none["finite_time"] > 0.3 > 0 > rms["finite_time"]
    assert rms["qr"] < 0 < none["qr"] and rms["status"] == none["status"] == "ok"


def test_normalization_keeps_the_eigenvalues_inside_the_unit_circle(puzzles):
    P, _ = puzzles
    rms = trained.solver_eigenvalues("itrsa4-rms", P[0])
    none = trained.solver_eigenvalues("itrsa4-none", P[0])
    assert rms["outside_share"] == 0.0 and rms["max_modulus"] < 1
    assert none["outside_share"] > 0.05 and none["max_modulus"] > 1


def test_fig2_margin_sits_in_the_gap_between_round_off_and_the_outside_eigenvalues():
    """The unnormalized solver's eigenvalues of modulus 1 are computed to ~1e-7 only, so a 1e-9 margin lets the
    BLAS decide their side; Fig. 2c's margin lies far from both that round-off and the first true outlier, so its
    count cannot move between machines."""
    from sadyn.reproduce.fig2 import MARGIN

    P, _ = trained.puzzle_set("sudoku4-id", 1)  # Fig. 2c's puzzle and noise seed
    out = trained.solver_eigenvalues("itrsa4-none", P[0], steps=16, seed=1, margin=MARGIN)
    beyond = out["eigenvalues"].abs() - 1
    assert out["on_circle_share"] > 0.5  # most of them sit on the circle, to round-off
    assert not ((beyond > MARGIN / 100) & (beyond < 4 * MARGIN)).any()  # none outside lies near the margin
    assert out["outside_share"] > 0.04  # and the true outliers are still counted (28 of 512 here)


def test_inference_energy_is_the_jacobian_quadratic_form(puzzles):
    P, _ = puzzles
    out = trained.inference_energy("akorn4", P[0], steps=2)
    sm = trained.solver_map("akorn4", P[0])
    model = sd.load_pretrained("akorn4").double()
    with torch.no_grad():
        X = sm.f(sm.f(sm.X0))
    J = sd.jacobian(sm.block.attention, X).detach().reshape(X.numel(), X.numel())
    x = X.flatten()
    assert out["quadratic"][2] == pytest.approx(float(-x @ (J + J.T) @ x / 2), rel=1e-8)
    assert out["pseudo_energy"][2] == pytest.approx(float(model.energy(X, sm.C).detach()), rel=1e-10)
    M = sm.block.attention(X).detach().flatten()
    assert out["cosine"][2] == pytest.approx(float(M @ J @ x / (M.norm() * (J @ x).norm())), rel=1e-8)
    assert all(0 <= c <= 1 for c in out["contribution"]) and out["pseudo_energy"][2] < out["pseudo_energy"][0]


def test_energy_voting_reproduces_solve_with_restarts(puzzles):
    P, S = puzzles
    model = sd.load_pretrained("itrsa4-rms")
    table = trained.restart_energies(model, P, S, restarts=4, steps=(8,))
    curve = trained.voting_curve(table, 8)
    for K in (1, 2, 4):
        assert curve["vote"][K - 1] == board_accuracy(model.solve(P, steps=8, restarts=K), S, P)
    assert (curve["oracle"] >= curve["vote"]).all() and curve["single"][0] == table["correct"].mean()
    with pytest.raises(ValueError, match="one of the loop counts computed"):
        trained.voting_curve(table, 16)


def test_energy_curves_match_the_restart_table(puzzles):
    P, S = puzzles
    runs = trained.energy_curves("akorn4", P[3], S[3], restarts=3, steps=8)
    table = trained.restart_energies("akorn4", P[3:4], S[3:4], restarts=3, steps=(8,))
    assert runs["energy"].shape == (3, 9)
    np.testing.assert_allclose(runs["energy"][:, -1], table["energy"][0, 0], rtol=1e-5)
    assert (runs["correct"] == table["correct"][0, 0]).all()
    assert runs["vote"] == int(np.argmin(table["energy"][0, 0]))
