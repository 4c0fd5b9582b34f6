"""Fig. 4 (test-time scaling): the verdict rules on made-up curves, the families read from the shipped names, and
the setting text naming what a scale still lacks."""

from __future__ import annotations

import pytest

from sadyn.reproduce import fig4

STEPS = [1, 2, 4, 8, 16, 32, 64, 128]


def _scale(ood: dict[str, list[float]], fam: dict[str, list[str]], N: dict[str, int]) -> dict:
    """A measured scale with the given OOD board curves over STEPS, all trained at T = 16."""
    train = dict.fromkeys(ood, 16)
    return {
        "steps": STEPS,
        "n": 100,
        "N": N,
        "train_steps": train,
        "gain_ood": {m: fig4._gain(c, STEPS, 16) for m, c in ood.items()},
        "max_drop_ood": {m: fig4._monotone(c) for m, c in ood.items()},
        "board": {"sudoku9-id": ood, "sudoku9-ood": ood},
        "cell": {},
        "families": fam,
        "datasets": ["sudoku9-id", "sudoku9-ood"],
    }


RISING = [0.0, 0.0, 0.0, 0.0, 0.05, 0.3, 0.55, 0.6]
FLAT = [0.0, 0.0, 0.0, 0.0, 0.30, 0.31, 0.31, 0.30]
DIPPING = [0.0, 0.0, 0.0, 0.0, 0.30, 0.5, 0.45, 0.6]


def test_monotone_and_gain():
    assert fig4._monotone(RISING) == 0.0
    assert fig4._monotone(DIPPING) == pytest.approx(0.05)
    assert fig4._gain(RISING, STEPS, 16) == pytest.approx(0.55)
    assert fig4._gain(RISING, STEPS, 10) == pytest.approx(0.55)  # an untested training T: the next tested one


def test_the_papers_picture_holds_and_its_reverse_does_not():
    fam = {"ItrSA": ["i"], "AKOrN": ["a4", "a32"], "AKOrN + RMSNorm": ["r"]}
    N = {"i": 4, "a4": 4, "a32": 32, "r": 4}
    paper = _scale({"i": RISING, "a4": RISING, "a32": FLAT, "r": RISING}, fam, N)
    assert [c.verdict for c in fig4._claims_at("9x9", paper)] == ["holds"] * 3
    reverse = _scale({"i": DIPPING, "a4": FLAT, "a32": RISING, "r": FLAT}, fam, N)
    assert [c.verdict for c in fig4._claims_at("9x9", reverse)] == ["does not hold"] * 3


def test_a_large_n_model_that_never_learned_has_no_scaling_to_lose():
    """An N = 32 AKOrN that solves no board at any T has a zero gain, which the committed rule alone would read as
    "loses test-time scaling": inconclusive instead, with the reason in the evidence."""
    fam = {"ItrSA": ["i"], "AKOrN": ["a4", "a32"], "AKOrN + RMSNorm": ["r"]}
    N = {"i": 4, "a4": 4, "a32": 32, "r": 4}
    zero = [0.0] * len(STEPS)
    claim = fig4._claims_at("9x9", _scale({"i": RISING, "a4": RISING, "a32": zero, "r": RISING}, fam, N))[1]
    assert claim.verdict == "inconclusive" and "a32 solves at most 0.0% of ID boards" in claim.evidence["reason"]
    barely = [0.0] * (len(STEPS) - 1) + [0.06]  # learned a little (6% at the largest T), no gain to speak of
    claim = fig4._claims_at("9x9", _scale({"i": RISING, "a4": RISING, "a32": barely, "r": RISING}, fam, N))[1]
    assert claim.verdict == "holds" and "reason" not in claim.evidence


def test_missing_family_members_are_inconclusive_and_named():
    fam = {"ItrSA": ["i"], "AKOrN": ["a4"], "AKOrN + RMSNorm": []}
    s = _scale({"i": RISING, "a4": RISING}, fam, {"i": 4, "a4": 4})
    verdicts = [c.verdict for c in fig4._claims_at("9x9", s)]
    assert verdicts == ["holds", "inconclusive", "inconclusive"]
    text = fig4.describe({"scales": {"9x9": s}})["differences"]
    assert "no large-N AKOrN (only N=4) and no AKOrN + RMSNorm shipped yet" in text
    fam["AKOrN + RMSNorm"] = ["r"]
    s = _scale({"i": RISING, "a4": RISING, "r": RISING}, fam, {"i": 4, "a4": 4, "r": 4})
    text = fig4.describe({"scales": {"9x9": s}})["differences"]
    assert "no large-N AKOrN (only N=4) shipped yet, so the claim that needs it is inconclusive" in text
    assert "RMSNorm shipped" not in text


def test_families_are_read_from_the_shipped_names(monkeypatch):
    import sadyn.solver.pretrained as pretrained

    names = ["itrsa9-rms", "itrsa9-rms-stage1", "itrsa9-osc32", "akorn9", "akorn9-rotary", "akorn9-osc32"]
    names += ["akorn9-rms", "akorn9-rms-osc32", "itrsa4-rms"]
    monkeypatch.setattr(pretrained, "pretrained_models", lambda: names)
    assert fig4.families(9) == {
        "ItrSA": ["itrsa9-rms", "itrsa9-osc32"],
        "AKOrN": ["akorn9", "akorn9-osc32"],
        "AKOrN + RMSNorm": ["akorn9-rms", "akorn9-rms-osc32"],
    }
