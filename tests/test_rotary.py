"""The 2-D rotary position encoding (sadyn/rotary.py) and the solver's positions="rotary" ablation (issue 12)."""

import pytest
import torch

import sadyn as sd
from sadyn.attention import MultiHeadSelfAttention
from sadyn.rotary import grid_rotary, rotate_pairs
from sadyn.solver._flags import config_from_argv
from sadyn.solver.model import SudokuSolver

F64 = torch.float64


def test_rotation_keeps_norms_and_logits_see_only_offsets():
    """R_s is orthogonal, and (R_s q).(R_t k) = q . R_{t-s} k: shifting both cells by the same row/column offset
    leaves every logit unchanged; a different offset changes it."""
    cos, sin = grid_rotary(9, 9, 16)
    assert cos.shape == sin.shape == (81, 8)
    torch.testing.assert_close(cos**2 + sin**2, torch.ones(81, 8, dtype=F64))
    g = torch.Generator().manual_seed(0)
    q, k = torch.randn(16, generator=g, dtype=F64), torch.randn(16, generator=g, dtype=F64)

    def logit(s: int, t: int) -> float:
        return float(rotate_pairs(q, cos[s], sin[s]) @ rotate_pairs(k, cos[t], sin[t]))

    assert float(rotate_pairs(q, cos[40], sin[40]).norm()) == pytest.approx(float(q.norm()), rel=1e-14)
    cell = lambda r, c: 9 * r + c  # noqa: E731
    base = logit(cell(1, 2), cell(4, 7))
    assert logit(cell(3, 1), cell(6, 6)) == pytest.approx(base, rel=1e-12, abs=1e-12)  # same offset (3, 5)
    assert abs(logit(cell(3, 1), cell(6, 7)) - base) > 1e-3  # offset (3, 6)
    assert rotate_pairs(q, cos[0], sin[0]).equal(q)  # cell (0, 0): no turn


@pytest.mark.parametrize("bias", [False, True])
def test_rotary_attention_tangent_is_the_jvp(bias):
    """The closed-form tangent with rotated queries and keys agrees with torch.func.jvp of forward (float64)."""
    g = torch.Generator().manual_seed(1)
    m = MultiHeadSelfAttention(16, 2, bias=bias, dtype=F64, generator=g).set_rotary(*grid_rotary(3, 3, 8))
    if bias:
        with torch.no_grad():
            for b in (m.bq, m.bk, m.bv, m.bo):
                b.copy_(torch.randn(b.shape, generator=g, dtype=F64))
    X, V = torch.randn(2, 9, 16, generator=g, dtype=F64), torch.randn(4, 2, 9, 16, generator=g, dtype=F64)
    out, dout = m.tangent(X, V)
    ref = torch.stack([torch.func.jvp(m, (X,), (v,))[1] for v in V])
    torch.testing.assert_close(out, m(X), rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(dout, ref, rtol=1e-12, atol=1e-12)
    assert (m.set_rotary(None)(X) - out).abs().max() > 1e-3  # the turn matters


def test_rotary_attention_bad_inputs_name_the_fix():
    m = MultiHeadSelfAttention(16, 2).set_rotary(*grid_rotary(3, 3, 8))
    with pytest.raises(ValueError, match="must have 9 tokens"):
        m(torch.randn(4, 16))
    with pytest.raises(ValueError, match="grid_rotary"):
        m.set_rotary(*grid_rotary(3, 3, 4))
    with pytest.raises(ValueError, match="divisible by 4"):
        grid_rotary(3, 3, 6)


def test_rotary_solver_has_no_position_in_c_and_round_trips():
    """positions="rotary": C is the digit embedding alone, the turn is rebuilt from the config (no weights saved
    for it), a model rebuilt from config + state dict gives the same logits, and float64 turns the buffers too."""
    m = SudokuSolver(32, 4, size=4, positions="rotary", seed=3)
    digits = m.tokens(torch.tensor([[[1, 0, 0, 2], [0, 0, 3, 0], [0, 4, 0, 0], [2, 0, 0, 1]]]))
    torch.testing.assert_close(m.inputs(digits), m.digit_embedding(digits))
    assert not any("rot" in k for k in m.state_dict()) and len(m.position_embedding) == 0
    again = SudokuSolver.from_config(m.config())
    again.load_state_dict(m.state_dict())
    g = lambda: torch.Generator().manual_seed(0)  # noqa: E731
    torch.testing.assert_close(again(digits, steps=4, generator=g()), m(digits, steps=4, generator=g()))
    assert m.double().block.attention.rot_cos.dtype == F64
    assert config_from_argv(["--positions", "rotary", "--size", "4"]).model["positions"] == "rotary"


def test_rotary_solver_exponents_agree_between_engines():
    """The solver's loop with rotary attention: the analytic tangent engine and the jvp engine give the same
    finite-time exponents (so every analysis of this ablation is through a verified tangent)."""
    m = SudokuSolver(32, 4, size=4, positions="rotary", seed=5)
    puzzle = torch.tensor([[1, 0, 0, 2], [0, 0, 3, 0], [0, 4, 0, 0], [2, 0, 0, 1]])
    sm = sd.experiments.solver_map(m, puzzle)
    kw = dict(steps=6, k=4, constraint=sm.constraint, group=sm.group)
    a = sd.lyapunov_spectrum(sm.f, sm.X0, method="analytic", **kw)
    b = sd.lyapunov_spectrum(sm.f, sm.X0, method="jvp", **kw)
    torch.testing.assert_close(a.exponents, b.exponents, rtol=1e-9, atol=1e-9)


def test_rotary_solver_rejects_what_it_cannot_build():
    with pytest.raises(ValueError, match="loses its energy"):
        SudokuSolver(32, 1, size=4, dynamics="energy", positions="rotary")
    with pytest.raises(ValueError, match="divisible by 4"):
        SudokuSolver(24, 4, size=4, positions="rotary")
