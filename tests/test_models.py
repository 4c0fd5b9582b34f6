"""SudokuSolver: shapes, scale conventions, the energy model's structure, energy voting, and input errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from sadyn.solver import SudokuSolver
from sadyn.sudoku import generate

VARIANTS = [
    dict(dynamics="itrsa"),
    dict(dynamics="itrsa", norm=None),
    dict(dynamics="akorn"),
    dict(dynamics="akorn", norm="rms"),
    dict(dynamics="energy", heads=1),
    dict(dynamics="itrsa", orthogonal_values=True),
    dict(dynamics="itrsa", positions="cells"),
]


@pytest.fixture(scope="module")
def boards():
    return generate(6, seed=3, size=4)


def _solver(**kw) -> SudokuSolver:
    kw = {"heads": 2, **kw}
    return SudokuSolver(8, kw.pop("heads"), size=4, **kw)


@pytest.mark.parametrize("kw", VARIANTS, ids=lambda kw: "-".join(f"{k}={v}" for k, v in kw.items()))
def test_forward_shapes_and_finite(kw, boards):
    model = _solver(**kw)
    digits = model.tokens(boards[0])
    logits = model(digits, steps=3, generator=torch.Generator().manual_seed(0))
    assert logits.shape == (6, 16, 4) and torch.isfinite(logits).all()
    pred = model.solve(boards[0], steps=3)
    assert pred.shape == (6, 4, 4) and pred.dtype == np.int8 and pred.min() >= 1 and pred.max() <= 4


def test_config_rebuilds_the_same_model():
    model = _solver(dynamics="akorn", norm="rms", omega=0.3)
    again = SudokuSolver.from_config(model.config())
    a, b = model.state_dict(), again.state_dict()
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    assert SudokuSolver(**model.config()).config() == model.config()
    with pytest.raises(ValueError, match="unknown SudokuSolver config keys \\['width'\\]"):
        SudokuSolver.from_config({**model.config(), "width": 3})


def test_initial_state_scale_and_givens(boards):
    model = SudokuSolver(16, 2, size=4)  # ItrSA + RMSNorm: gamma = sqrt(D), tokens of norm sqrt(D)
    assert torch.allclose(model.block.norm.gamma, torch.full((16,), 4.0))
    digits = model.tokens(boards[0])
    C = model.inputs(digits)
    X0 = model.initial_state(digits, C, torch.Generator().manual_seed(1))
    assert torch.allclose(X0.norm(dim=-1), torch.full(X0.shape[:-1], 4.0), atol=1e-5)
    given = digits > 0
    assert torch.allclose(X0[given], (4 * C / C.norm(dim=-1, keepdim=True))[given], atol=1e-5)
    X1 = model.initial_state(digits, C, torch.Generator().manual_seed(2))
    assert torch.equal(X0[given], X1[given]) and not torch.allclose(X0[~given], X1[~given])


def test_akorn_state_stays_on_oscillator_spheres(boards):
    model = _solver(dynamics="akorn")
    X, _ = model.run(model.tokens(boards[0]), steps=4)
    norms = X.unflatten(-1, (-1, 4)).norm(dim=-1)
    assert torch.allclose(norms, torch.ones_like(norms), atol=1e-5)


def test_unnormalized_state_grows(boards):
    model = SudokuSolver(16, 2, size=4, norm=None)
    digits = model.tokens(boards[0])
    small = model.run(digits, steps=1)[0].norm()
    large = model.run(digits, steps=8)[0].norm()
    assert large > 2 * small  # no normalization: nothing stops the growth (the paper's instability)


def test_unnormalized_9x9_model_explodes_at_initialization_and_rms_does_not():
    # (was scripts/diagnose_unnormalized.py) at init, without normalization the token norm grows ~1.75x per loop,
    # so after T=16 the loss is ~5e4 and the gradient norm ~1e9; RMSNorm keeps every token at norm sqrt(D)
    import torch.nn.functional as F

    puzzles, solutions = generate(50, size=9, seed=0)
    target = torch.as_tensor(solutions.reshape(50, -1).astype(np.int64) - 1)
    seen = {}
    for norm in (None, "rms"):
        model = SudokuSolver(32, 4, size=9, norm=norm, seed=0)
        digits = model.tokens(puzzles)
        n8, n16 = (
            float(
                model.run(digits, steps=T, generator=torch.Generator().manual_seed(0))[0].detach().norm(dim=-1).mean()
            )
            for T in (8, 16)
        )
        loss = F.cross_entropy(
            model(digits, steps=16, generator=torch.Generator().manual_seed(0)).flatten(0, 1), target.flatten()
        )
        loss.backward()
        grad = float(torch.sqrt(sum(p.grad.pow(2).sum() for p in model.parameters() if p.grad is not None)))
        seen[norm] = ((n16 / n8) ** (1 / 8), n16, loss.item(), grad)
    growth, _, loss, grad = seen[None]
    assert growth > 1.5 and loss > 1e3 and grad > 1e6
    growth, n16, loss, grad = seen["rms"]
    assert growth == pytest.approx(1.0) and n16 == pytest.approx(math.sqrt(32), rel=1e-5)
    assert loss < 10 and grad < 1e3


def test_energy_model_keeps_eq4_after_training_step(boards):
    model = _solver(dynamics="energy", heads=1)
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    digits = model.tokens(boards[0])
    loss = model(digits, steps=2).logsumexp(-1).mean()
    loss.backward()
    opt.step()
    att = model.block.attention
    A, V = att.qk_matrices()[0], att.value_matrices()[0]
    assert torch.allclose(A, A.T) and torch.allclose(A, V)


def test_solve_keeps_givens_and_votes_by_lowest_energy(boards):
    puzzles, _ = boards
    model = _solver()
    pred = model.solve(puzzles, steps=3, restarts=3, seed=5)
    assert np.all(pred[puzzles > 0] == puzzles[puzzles > 0])
    # the same choice by hand: restart k uses the k-th draw of the generator seeded with `seed`
    digits = model.tokens(puzzles)
    g = torch.Generator().manual_seed(5)
    with torch.no_grad():
        runs = [model.run(digits, steps=3, generator=g) for _ in range(3)]
        energies = torch.stack([model.energy(X, C) for X, C in runs])
        preds = torch.stack([model.readout(X).argmax(-1) + 1 for X, _ in runs])
    best = preds[energies.argmin(0), torch.arange(len(puzzles))]
    best = torch.where(digits > 0, digits, best).reshape(-1, 4, 4).numpy()
    assert np.array_equal(pred, best)


def test_confidence_vote_keeps_the_board_the_readout_is_surest_of(boards):
    """vote="confidence": the restart with the largest sum over blank cells of log max_d softmax(readout)_d, chosen
    per puzzle (here it differs from the energy vote on some puzzles, so the two rules are told apart)."""
    puzzles, _ = boards
    model = _solver(dynamics="akorn")
    pred = model.solve(puzzles, steps=3, restarts=4, seed=5, vote="confidence")
    digits = model.tokens(puzzles)
    g = torch.Generator().manual_seed(5)
    with torch.no_grad():
        runs = [model.run(digits, steps=3, generator=g) for _ in range(4)]
        logp = torch.stack([torch.log_softmax(model.readout(X), -1).amax(-1) for X, _ in runs])
        score = torch.where(digits > 0, 0.0, logp).sum(-1)  # (K, n)
        energies = torch.stack([model.energy(X, C) for X, C in runs])
        preds = torch.stack([model.readout(X).argmax(-1) + 1 for X, _ in runs])
    best = preds[score.argmax(0), torch.arange(len(puzzles))]
    best = torch.where(digits > 0, digits, best).reshape(-1, 4, 4).numpy()
    assert np.array_equal(pred, best)
    assert not torch.equal(score.argmax(0), energies.argmin(0))
    assert np.array_equal(model.solve_at(puzzles, steps=(3,), restarts=4, seed=5, vote="confidence")[3], pred)
    with pytest.raises(ValueError, match=r"`vote` must be one of \('energy', 'confidence'\)"):
        model.solve(puzzles, restarts=2, vote="majority")


def test_solve_at_several_T_equals_separate_solves(boards):
    model = _solver(dynamics="akorn")
    many = model.solve_at(boards[0], steps=(1, 3, 5), restarts=2, seed=4)
    for T in (1, 3, 5):
        assert np.array_equal(many[T], model.solve(boards[0], steps=T, restarts=2, seed=4))


def test_pseudo_energy_formula(boards):
    model = _solver()
    digits = model.tokens(boards[0])
    X, C = model.run(digits, steps=2)
    expected = -(X * (C + model.block.attention(X))).sum((-2, -1))
    assert torch.allclose(model.energy(X, C), expected)
    assert torch.allclose(model.energy(X, C), model.block.energy(X, C))


def test_solver_input_errors(boards):
    with pytest.raises(ValueError, match="`dynamics` must be one of"):
        _solver(dynamics="transformer")
    with pytest.raises(ValueError, match="`norm` must be one of .* for dynamics='akorn', got norm='layer'"):
        _solver(dynamics="akorn", norm="layer")
    with pytest.raises(ValueError, match="use heads=1, got heads=2"):
        _solver(dynamics="energy")
    with pytest.raises(ValueError, match="divisible by `oscillator_dim`"):
        SudokuSolver(6, 2, size=4)
    with pytest.raises(ValueError, match=r"`puzzles` must be boards of shape \(n, 4, 4\)"):
        _solver().solve(np.zeros((2, 9, 9), dtype=np.int8))
    with pytest.raises(ValueError, match="`restarts` must be an integer >= 1"):
        _solver().solve(boards[0], restarts=0)


def test_gamma_default_follows_the_scale_convention():
    assert SudokuSolver(16, 2, size=4).block.norm.max_gain() == pytest.approx(math.sqrt(16))
    assert SudokuSolver(16, 2, size=4, dynamics="akorn", norm="rms").block.norm.max_gain() == pytest.approx(1.0)


# ------------------------------------------------------------------------------------------------ shipped checkpoints
def test_shipped_checkpoints_load_and_reproduce_their_manifest():
    import sadyn
    from sadyn.solver import evaluate, pretrained_info

    names = sadyn.pretrained_models()
    if not names:
        pytest.skip("no checkpoints shipped in this checkout")
    for name in names:
        info = pretrained_info(name)
        model = sadyn.load_pretrained(name)
        assert isinstance(model, SudokuSolver) and not model.training
        if model.size != 4:
            continue  # 9x9 evaluations take minutes: `sadyn eval NAME` re-measures them
        row = next(r for r in info["eval"] if r["restarts"] == 1 and r["dataset"].endswith("-id"))
        again = evaluate(model, [row["dataset"]], steps=(row["steps"],), restarts=(1,))[0]
        assert again["board"] == pytest.approx(row["board"], abs=0.002), name
    with pytest.raises(ValueError, match="`name` must be one of the shipped models"):
        sadyn.load_pretrained("no-such-model")


def test_iterate_yields_every_restart_and_loop_count_and_matches_solve(boards):
    model = _solver()
    snaps = list(model.iterate(boards[0][:3], steps=(2, 1), restarts=2, seed=3, batch_size=2))
    # batches of 2 then 1 puzzle; restarts inside a batch; loop counts increasing inside a restart
    assert [(s.rows.start, s.restart, s.steps) for s in snaps] == [
        (0, 0, 1),
        (0, 0, 2),
        (0, 1, 1),
        (0, 1, 2),
        (2, 0, 1),
        (2, 0, 2),
        (2, 1, 1),
        (2, 1, 2),
    ]
    assert snaps[0].X.shape == (2, 16, model.dim) and snaps[-1].X.shape == (1, 16, model.dim)
    assert model.training  # restored
    # K = 1 answers equal solve's
    got = np.concatenate(
        [
            s.prediction().reshape(-1, 4, 4).numpy()
            for s in model.iterate(boards[0][:3], steps=2, seed=5)
            if s.steps == 2
        ]
    )
    np.testing.assert_array_equal(got, model.solve(boards[0][:3], steps=2, seed=5))


def test_iterate_reports_divergence_instead_of_raising(boards):
    model = _solver()
    snap = next(model.iterate(boards[0][:2], steps=0))
    X = snap.X.clone()
    X[0, 0, 0] = float("inf")
    bad = type(snap)(snap.steps, snap.restart, snap.rows, snap.digits, snap.C, X, model)
    assert bad.finite.tolist() == [False, True]
    assert bad.energy()[0] == float("inf") and torch.isfinite(bad.energy()[1])


@pytest.mark.parametrize(
    "kwargs", [{"steps": True}, {"steps": -1}, {"steps": ()}, {"restarts": 1.5}, {"batch_size": 0}]
)
def test_iterate_refuses_bad_counts(boards, kwargs):
    with pytest.raises(ValueError, match="must"):
        next(_solver().iterate(boards[0][:1], **kwargs))
