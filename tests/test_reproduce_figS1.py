"""Fig. S.1 (heads vs exponent and accuracy): the verdict rules on made-up numbers, the "not shipped" path, and
one reduced run on the shipped 4x4 head family."""

from __future__ import annotations

import numpy as np
import pytest

from sadyn.reproduce import FIGURES, figS1


def _scale(acc: dict[int, float], lam: dict[int, float], *, n: int = 400, spread: float = 0.02) -> dict:
    """A measured scale whose per-puzzle accuracy has mean ``acc[h]`` and whose per-puzzle mean exponents have mean
    ``lam[h]`` (4 puzzles, small spread, the same offsets for every H so paired differences are tight)."""
    rng = np.random.default_rng(0)
    per = {}
    for h, a in acc.items():
        k = round(a * n)
        per[str(h)] = [1.0] * k + [0.0] * (n - k)
    offsets = rng.normal(0.0, spread, 4)
    expo = {
        str(h): {"mean": v, "max": v + 1.0, "mean_per_puzzle": (v + offsets).tolist(), "divergent": 0}
        for h, v in lam.items()
    }
    board = {key: {str(h): a for h, a in acc.items()} for key in ("id", "ood")}
    return {
        "size": 4,
        "label": "4x4",
        "measured": True,
        "n": n,
        "seeds": [0],
        "puzzles": 4,
        "board": board,
        "per_puzzle": {"id": per, "ood": per},
        "expo": expo,
    }


def _verdicts(scale: dict) -> list[str]:
    return [c.verdict for c in figS1._claims(scale)]


def test_figS1_is_registered_after_fig5():
    order = list(FIGURES)
    assert order.index("figS1") == order.index("fig5") + 1


def test_paper_picture_holds_and_its_reverse_does_not():
    paper = _scale({1: 0.30, 2: 0.50, 4: 0.70, 8: 0.90}, {1: -0.9, 2: -0.7, 4: -0.5, 8: -0.3})
    assert _verdicts(paper) == ["holds"] * 4
    reverse = _scale({1: 0.90, 2: 0.70, 4: 0.50, 8: 0.30}, {1: -0.3, 2: -0.5, 4: -0.7, 8: -0.9})
    # accuracy and exponent both fall with H: the first three fail, yet they still correlate positively
    assert _verdicts(reverse) == ["does not hold"] * 3 + ["holds"]
    anti = _scale({1: 0.90, 2: 0.70, 4: 0.50, 8: 0.30}, {1: -0.9, 2: -0.7, 4: -0.5, 8: -0.3})
    assert _verdicts(anti) == ["does not hold", "does not hold", "holds", "does not hold"]


def test_within_noise_is_inconclusive_and_a_better_h4_refutes_best():
    # H = 4 well above H = 8 (does not hold), H = 1 and 2 tied with H = 8 (inconclusive); exponents with a weak
    # rise (Spearman 0.4) -> inconclusive
    tied = _scale({1: 0.80, 2: 0.80, 4: 0.95, 8: 0.80}, {1: -0.50, 2: -0.45, 4: -0.40, 8: -0.4999}, spread=0.05)
    v = _verdicts(tied)
    assert v[0] == "inconclusive" and v[1] == "does not hold" and v[2] == "inconclusive"


def test_not_shipped_scales_are_inconclusive_with_their_reason(monkeypatch):
    monkeypatch.setitem(figS1.FAMILIES, 9, {1: "nope9-h1", 2: "nope9-h2", 4: "nope9-h4", 8: "nope9-h8"})
    record = figS1._scale(9, "test", None)
    assert record["measured"] is False and "not shipped" in record["reason"] and "nope9-h8" in record["reason"]
    claims = figS1._claims(record)
    assert len(claims) == 4 and all(c.verdict == "inconclusive" and c.claim.endswith("(9x9)") for c in claims)
    assert all("not shipped" in c.evidence["reason"] for c in claims)


def test_a_checkpoint_with_the_wrong_head_count_is_refused(monkeypatch):
    monkeypatch.setitem(figS1.FAMILIES, 4, {h: "itrsa4-rms" for h in figS1.HEADS})  # H = 4 under every name
    with pytest.raises(ValueError, match="other head counts"):
        figS1._scale(4, "test", None)


@pytest.mark.slow
def test_reduced_run_measures_the_shipped_4x4_family(tmp_path):
    import sadyn as sd

    names = figS1.FAMILIES[4]
    assert [sd.load_pretrained(names[h]).heads for h in figS1.HEADS] == list(figS1.HEADS)
    m = figS1.measure("test", tmp_path)
    four = m["scales"]["4"]
    assert four["measured"] and four["dim"] == 32 and set(four["board"]["ood"]) == {"1", "2", "4", "8"}
    assert all(np.isfinite(four["expo"][str(h)]["mean"]) for h in figS1.HEADS)
    assert all(four["expo"][str(h)]["mean"] <= four["expo"][str(h)]["max"] for h in figS1.HEADS)
    assert m["scales"]["9"]["measured"] is False  # the test setting never measures 9x9
    assert len(figS1.claims(m)) == 8


def test_a_monotone_rise_within_noise_is_not_enough():
    # exponents in H order (Spearman 1) but H8 - H1 = 0.001 against per-puzzle offsets that differ between H
    scale = _scale({1: 0.3, 2: 0.5, 4: 0.7, 8: 0.9}, {1: -0.503, 2: -0.502, 4: -0.501, 8: -0.502 + 0.0})
    scale["expo"]["8"]["mean"] = -0.5
    rng = np.random.default_rng(1)
    scale["expo"]["8"]["mean_per_puzzle"] = (
        np.asarray(scale["expo"]["1"]["mean_per_puzzle"]) + 0.003 + rng.normal(0.0, 0.05, 4)
    ).tolist()
    claim = figS1._claims(scale)[2]
    assert claim.evidence["spearman"] == pytest.approx(1.0)
    assert claim.verdict == "inconclusive" and abs(claim.evidence["h8_minus_h1"]) < 2 * claim.evidence["se"]


def test_a_scale_measured_without_the_mean_leaves_only_the_mean_claims_inconclusive():
    """quick at 9x9 measures lambda_max and accuracy but not the mean (--full only): the two accuracy claims are
    judged, the two mean-exponent claims are inconclusive and say why."""
    s = _scale({1: 0.40, 2: 0.60, 4: 0.90, 8: 0.95}, {h: float("nan") for h in figS1.HEADS}, spread=0.05)
    s.update(label="9x9", mean_measured=False)
    v = [c.verdict for c in figS1._claims(s)]
    assert v[:2] == ["holds", "holds"] and v[2:] == ["inconclusive", "inconclusive"]
    assert all("--full only" in c.evidence["reason"] for c in figS1._claims(s)[2:])


def test_9x9_is_judged_on_id_boards_and_4x4_on_ood():
    """At 9x9 the OOD boards are at the floor at T = 16, so the accuracy claims read the ID boards; at 4x4 the ID
    boards saturate, so they read OOD. The same numbers with the two sets swapped flip the verdicts."""
    s = _scale({1: 0.30, 2: 0.50, 4: 0.70, 8: 0.90}, {1: -0.9, 2: -0.7, 4: -0.5, 8: -0.3})
    floor = _scale({h: 0.0 for h in figS1.HEADS}, {1: -0.9, 2: -0.7, 4: -0.5, 8: -0.3})
    nine = dict(s, size=9, label="9x9", board={"id": s["board"]["id"], "ood": floor["board"]["ood"]})
    nine["per_puzzle"] = {"id": s["per_puzzle"]["id"], "ood": floor["per_puzzle"]["ood"]}
    assert figS1.JUDGED == {4: "ood", 9: "id"}
    assert _verdicts(nine)[:2] == ["holds", "holds"]
    four = dict(nine, size=4, label="4x4")
    assert _verdicts(four)[:2] == ["inconclusive", "inconclusive"]  # OOD all zero: no difference to see
    assert "ID board accuracy" in figS1._claims(nine)[0].criterion
