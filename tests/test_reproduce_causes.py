"""The measured reason beside every claim that does not hold (issue 12): sadyn.reproduce.causes builds it from the
claim's numbers, per figure, and REPRODUCTION.md prints it."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest

from sadyn.reproduce import FIGURES, _with_causes, causes
from sadyn.reproduce._core import Claim, generic_cause, judge, listed, measured

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "docs" / "reproduction"


def _committed() -> list[tuple[str, list[Claim], dict]]:
    if not (RESULTS / "summary.json").is_file():
        pytest.skip("no committed reproduction results")
    out = []
    for figure in FIGURES:
        record = json.loads((RESULTS / f"{figure}.json").read_text())
        claims = [Claim(c["claim"], c["criterion"], c["evidence"], c["verdict"]) for c in record["claims"]]
        out.append((figure, claims, record["numbers"]))
    return out


def test_every_committed_claim_that_does_not_hold_gets_its_figures_own_reason():
    """Not the generic fallback: each failing claim gets its figure's own reason, from its numbers."""
    failing = 0
    for figure, claims, numbers in _committed():
        for c in _with_causes(figure, claims, numbers):
            if c.verdict != "does not hold":
                assert c.cause == "", c.claim
                continue
            failing += 1
            own = causes.CAUSES[figure](c, numbers, claims)
            assert own and own == c.cause and own != generic_cause(c), c.claim
            assert "nan" not in own.lower(), (c.claim, own)
    assert failing > 0


def test_committed_json_carries_the_causes_the_modules_give():
    for figure, claims, numbers in _committed():
        record = json.loads((RESULTS / f"{figure}.json").read_text())
        expected = [c.cause for c in _with_causes(figure, claims, numbers)]
        assert [c.get("cause", "") for c in record["claims"]] == expected, figure


def test_causes_quote_the_measured_numbers():
    spec = judge(
        "ItrSA: the spectral regularizer improves accuracy (4x4)", "k", False, none=0.9, spec=0.85, gain=-0.05, se=0.01
    )
    text = causes.fig5(spec, {}, [spec])
    assert "from 90.0% to 85.0%" in text and "-5.0%" in text and "not tuned" in text
    grow = judge(
        "Perturbations of a trained ItrSA's state grow exponentially (9x9)",
        "k",
        False,
        growth_rates=[0.05, -0.1],
        qr_lambda_max=[0.05, 0.2],
        final_over_initial=[10.0, 1e-3],
    )
    text = causes.figS5(grow, {}, [grow])
    assert "on 1 of 2 puzzles" in text and "not all in line with" in text and "does not amplify" not in text
    still = judge(
        "Perturbations of a trained ItrSA's state grow exponentially (4x4)",
        "k",
        False,
        growth_rates=[-0.1],
        qr_lambda_max=[-0.1],
        final_over_initial=[1e-9],
    )
    text = causes.figS5(still, {}, [still])
    assert "on 0 of 1 puzzles" in text and "in line with" in text and "does not amplify" in text


def test_a_claim_without_a_specific_reason_gets_its_numbers_against_its_criterion():
    c = judge("a claim no module knows", "x above 1", False, x=0.5, reason="ignored")
    assert generic_cause(c) == "measured x = 0.5; the criterion asks: x above 1"

    assert "fig4" not in causes.CAUSES  # a figure without its own reasons
    (out,) = _with_causes("fig4", [c], {})
    assert out.cause == generic_cause(c)
    (unknown,) = _with_causes("fig1", [c], {})  # fig1 has reasons, but none for this claim
    assert unknown.cause == generic_cause(c)
    held = judge("c", "k", True, x=1.0)
    assert _with_causes("fig4", [held], {})[0].cause == ""


def test_evidence_helpers_read_missing_and_non_numbers_as_nan():
    c = judge("c", "k", None, a=1.5, b="nan", s="text", xs=[0.1, -0.2])
    assert measured(c, "a") == 1.5
    assert all(measured(c, k) != measured(c, k) for k in ("b", "s", "missing"))  # NaN
    assert listed(c, "xs") == "[+0.100, -0.200]" and listed(c, "missing") == "[]"


def test_report_prints_each_cause_beside_its_claim(tmp_path):
    spec = importlib.util.spec_from_file_location("mr", ROOT / "scripts" / "maintenance" / "make_reproduction.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    record = {
        "figure": "fig1",
        "title": "t",
        "paper": "p",
        "setting": "quick",
        "ours": "o",
        "differences": "d",
        "numbers": {},
        "png": "fig1.png",
        "seconds": 1.0,
        "notes": [],
        "claims": [
            {
                "claim": "A (4x4)",
                "criterion": "k",
                "evidence": {"x": 1.0},
                "verdict": "does not hold",
                "cause": "x is 1",
            },
            {"claim": "B (9x9)", "criterion": "k", "evidence": {"reason": "not shipped: b"}, "verdict": "inconclusive"},
        ],
    }
    (tmp_path / "fig1.json").write_text(json.dumps(record))
    text = script.render(tmp_path, link_base="r")
    assert "- A (4x4): x is 1" in text and "- fig1: A (4x4) -- x is 1" in text
    assert "- fig1: B (9x9) -- not shipped: b" in text
