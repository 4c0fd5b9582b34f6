"""Divergence is a result: a REAL float32 overflow in the middle of a long rollout (unnormalized ItrSA, value
weights scaled up) is reported by solve / solve_at (answers returned, diverged runs never voted for) and by
train (non-finite steps counted, no crash)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from sadyn.solver import SudokuSolver, TrainConfig, load_checkpoint, train
from sadyn.sudoku import generate

MIXED_T = 30  # with this seed and scale, some restarts have overflowed at T=30 and others have not


@pytest.fixture(scope="module")
def boards():
    return generate(8, size=4, seed=1)


@pytest.fixture(scope="module")
def exploding() -> SudokuSolver:
    """Unnormalized ItrSA (norm=None), W^V and W^O doubled: the state is finite for ~28 loops, then overflows."""
    model = SudokuSolver(16, 2, size=4, norm=None, eta=1.0, seed=0)
    with torch.no_grad():
        model.block.attention.wv.mul_(2.0)
        model.block.attention.wo.mul_(2.0)
    return model


def test_the_overflow_is_real_and_happens_mid_rollout(exploding, boards):
    puzzles, _ = boards
    finite = {s.steps: s.finite for s in exploding.iterate(puzzles, steps=(10, 20, MIXED_T, 64))}
    assert finite[10].all() and finite[20].all()  # tens of loops of ordinary, finite dynamics first
    assert not finite[64].any()  # then float32 overflows: inf / nan, with no exception raised


def test_solve_at_returns_answers_and_votes_only_for_finite_runs(exploding, boards):
    puzzles, _ = boards
    K, Ts = 4, (8, MIXED_T, 64)
    got = exploding.solve_at(puzzles, steps=Ts, restarts=K, seed=2)
    for T in Ts:
        assert got[T].shape == (8, 4, 4) and got[T].min() >= 1 and got[T].max() <= 4
        assert ((puzzles == 0) | (got[T] == puzzles)).all()  # givens kept even from diverged runs
    snaps = [s for s in exploding.iterate(puzzles, steps=Ts, restarts=K, seed=2) if s.steps == MIXED_T]
    finite = torch.stack([s.finite for s in snaps])  # (K, B)
    energy = torch.stack([s.energy() for s in snaps])
    preds = torch.stack([s.prediction().reshape(-1, 4, 4) for s in snaps]).numpy()
    mixed = finite.any(0) & ~finite.all(0)
    assert mixed.any(), "the test needs puzzles where some restarts diverged and others did not"
    for b in range(len(puzzles)):
        if finite[:, b].any():
            big = torch.finfo(energy.dtype).max  # a finite state whose energy overflowed ranks after finite energies
            e = torch.where(finite[:, b], torch.where(energy[:, b].isinf(), big, energy[:, b]), math.inf)
            k = int(e.argmin())
            assert finite[k, b]  # the vote is a run whose state is finite
            np.testing.assert_array_equal(got[MIXED_T][b], preds[k, b])
    np.testing.assert_array_equal(exploding.solve(puzzles, steps=MIXED_T, restarts=K, seed=2), got[MIXED_T])
    # every run diverged at T=64: the answer falls back to restart 0's readout (of the NaN-cleaned state)
    last = [s for s in exploding.iterate(puzzles, steps=64, restarts=1, seed=2)][0]
    assert not last.finite.any()
    np.testing.assert_array_equal(got[64], last.prediction().reshape(-1, 4, 4).numpy())


def test_training_counts_real_overflows_and_skips_their_updates(tmp_path):
    # eta=2: the unnormalized state overflows after ~46 loops; T=80 makes every batch's loss non-finite
    config = TrainConfig(
        model={"dim": 16, "heads": 2, "size": 4, "norm": None, "eta": 2.0},
        dataset="sudoku4-id",
        ood_dataset=None,
        steps=80,
        epochs=1,
        batch_size=32,
        train_size=64,
        val_size=32,
    )
    result = train(config, tmp_path, show_progress=False)
    assert result.stopped == "done" and result.history[0]["nonfinite"] == 2
    ckpt = load_checkpoint(result.last)
    fresh = SudokuSolver.from_config(config.model_config).state_dict()
    assert all(torch.equal(ckpt["model"][k], v) for k, v in fresh.items())  # no update was applied
    assert ckpt["progress"]["update"] == 2  # the steps still count as made
    # T=8 keeps the same model finite: the run trains normally
    ok = train(TrainConfig(**{**config.to_dict(), "steps": 8}), tmp_path / "ok", show_progress=False)
    assert ok.history[0]["nonfinite"] == 0 and math.isfinite(ok.history[0]["loss"])
