"""Fig. 3's reproduction at 4x4 and 9x9: the criteria on hand-made numbers, and the measured 9x9 rows of the
tiny setting (about 2 s: one 9x9 solver and one W^V variant at a 4-loop horizon)."""

from __future__ import annotations

import math

import matplotlib
import pytest

from sadyn.reproduce import fig3

matplotlib.use("Agg")


def _row(acc: float, lmax: float, qr: float, mean: float = math.nan) -> dict:
    return {"accuracy": acc, "max": lmax, "qr": qr, "mean": mean, "divergent": 0, "normalized": True}


def _scale(rows: dict, size: int) -> dict:
    return {
        "dataset": f"sudoku{size}-id",
        "n": 100,
        "puzzles": 2,
        "variants": rows,
        "base": [k for k in rows if " " not in k],
        "parents": [f"itrsa{size}-rms"],
        "factors": {"W^V": [0.7, 1.3]},
        "mean_measured": size == 4,
        "state_dimension": size * size * (32 if size == 4 else 128),
        "gamma": {f"itrsa{size}-rms": {"max": 11.3, "mean": 11.0, "sqrt_group": 11.31}},
    }


def _numbers(nine: dict, four: dict | None = None) -> dict:
    four = four or {
        "itrsa4-rms": _row(1.0, -0.1, -0.1, -1.0),
        "itrsa4-rms W^V x2": _row(1.0, -0.2, -0.2, -1.2),
        "itrsa4-rms W^V x0.5": _row(0.9, -0.3, -0.3, -1.4),
        "itrsa4-none": _row(0.0, 0.9, 0.5, 0.2),
        "energy4": _row(0.2, -0.05, -0.06, -0.5),
    }
    return {
        "scales": {"4x4": _scale(four, 4), "9x9": _scale(nine, 9)},
        "steps": 16,
        "band": 0.2,
        "qr_steps": 300,
        "transient": 128,
    }


NINE = {
    "itrsa9-rms": _row(0.72, 0.10, -0.03),
    "itrsa9-rms W^V x0.7": _row(0.0, -0.25, -0.1),  # failed models: not "successful", whatever their exponent
    "itrsa9-rms W^V x1.3": _row(0.0, 0.35, -0.02),
    "itrsa9-none": _row(0.0, 1.4, math.nan),
    "energy9": _row(0.0, -0.07, -0.006),
}


def _by_name(claims) -> dict:
    return {c.claim: c for c in claims}


def test_claim_names_carry_their_scale_and_each_scale_has_its_own_claims():
    claims = fig3.claims(_numbers(NINE))
    names = [c.claim for c in claims]
    assert all(n.endswith(("(4x4)", "(9x9)")) for n in names)
    four, nine = [n for n in names if n.endswith("(4x4)")], [n for n in names if n.endswith("(9x9)")]
    assert [n[:-6] for n in four] == [n[:-6] for n in nine]  # the same four claims at both sizes


def test_top_k_counts_only_variants_that_solve_boards():
    top = "Successful models are slightly positive (about +0.1): critical from the chaotic side (9x9)"
    c = _by_name(fig3.claims(_numbers(NINE)))[top]
    assert c.evidence["top"] == ["itrsa9-rms"]  # not the two 0% variants beside it
    assert c.verdict == "holds" and c.evidence["mean_of_top"] == pytest.approx(0.10)
    assert c.evidence["their_qr"] == [pytest.approx(-0.03)]  # the long-run exponent is evidence beside it
    nothing = {k: {**v, "accuracy": 0.0} for k, v in NINE.items()}
    c = _by_name(fig3.claims(_numbers(nothing)))[c.claim]
    assert c.verdict == "inconclusive" and c.evidence["top"] == []


def test_near_zero_claim_needs_a_successful_model_to_contrast():
    near = "Only models with a near-zero maximal exponent reach high accuracy (9x9)"
    assert _by_name(fig3.claims(_numbers(NINE)))[near].verdict == "holds"
    chaotic_best = {**NINE, "itrsa9-rms W^V x1.3": _row(0.9, 0.35, -0.02)}
    assert _by_name(fig3.claims(_numbers(chaotic_best)))[near].verdict == "does not hold"
    nothing = {k: {**v, "accuracy": 0.0} for k, v in NINE.items()}
    assert _by_name(fig3.claims(_numbers(nothing)))[near].verdict == "inconclusive"


def test_energy_claim_uses_the_energy_model_of_its_scale_and_mean_claim_is_4x4_only():
    claims = _by_name(fig3.claims(_numbers(NINE)))
    e9 = claims["Symmetric energy-based SA has negative exponents and lower accuracy (9x9)"]
    assert e9.verdict == "holds" and e9.evidence["energy_max"] == pytest.approx(-0.07)
    e4 = claims["Symmetric energy-based SA has negative exponents and lower accuracy (4x4)"]
    assert e4.evidence["energy_max"] == pytest.approx(-0.05)
    assert claims["Maximal and mean exponents tell the same story (4x4)"].verdict == "holds"
    m9 = claims["Maximal and mean exponents tell the same story (9x9)"]
    assert m9.verdict == "inconclusive" and "10,368" in m9.criterion


def test_figure_and_description_show_both_scales_and_both_exponents():
    m = _numbers(NINE)
    fig = fig3.draw(m)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["4x4: lambda_max", "9x9: lambda_max", "4x4: lambda_mean"]
    hollow = [c for c in fig.axes[1].collections if len(c.get_facecolors()) == 0]
    assert hollow, "the 9x9 panel has no hollow (long-run QR) markers"
    text = fig3.describe(m)
    assert "9x9" in text["ours"] and "D=128" in text["differences"]
    assert "itrsa9-rms max|gamma|" in text["notes"][0] and "long-run QR" in text["notes"][1]


def test_every_9x9_row_has_both_exponents_from_the_measured_run(tmp_path):
    """The tiny setting's 9x9 rows (one trained solver, one W^V variant): accuracy on 9x9 boards, a finite T-step
    and QR exponent for every normalized model, and the W^V variant moved away from its parent."""
    s = fig3._scale("test", tmp_path, 9, horizon=4, qr_steps=10, transient=8)
    rows = s["variants"]
    assert s["dataset"] == "sudoku9-id" and s["state_dimension"] == 81 * 128
    assert set(rows) == {"itrsa9-rms", "itrsa9-rms W^V x1.3"}
    for name, row in rows.items():
        assert row["normalized"] and math.isfinite(row["max"]) and math.isfinite(row["qr"]), name
        assert 0.0 <= row["accuracy"] <= 1.0 and math.isnan(row["mean"])
    assert rows["itrsa9-rms W^V x1.3"]["max"] > rows["itrsa9-rms"]["max"] + 0.05  # a larger W^V amplifies more


@pytest.mark.parametrize("shipped", [6, 10, 15, 30])
def test_quick_trims_inference_variants_to_its_9x9_budget(shipped):
    """quick's 9x9 time stays bounded as checkpoints ship: the kept trained models and the inference-time variants
    fill _QUICK_9X9, the last variants (the second flagship's) making room; other settings and 4x4 keep all."""
    _, parents, factors = fig3._plan("quick", 9)
    planned = [(p, k, f) for p in parents for k, fs in factors.items() for f in fs]
    kept, dropped = fig3._inference_variants("quick", 9, shipped, parents, factors)
    assert kept + dropped == planned, "nothing invented, the order kept"
    assert shipped + len(kept) == max(fig3._QUICK_9X9, shipped) or not dropped
    assert len(kept) == min(len(planned), max(fig3._QUICK_9X9 - shipped, 0))
    if dropped and kept:
        assert kept[0][0] == parents[0] and dropped[-1][0] == parents[-1]
    for setting, size in (("full", 9), ("quick", 4)):
        _, ps, fs = fig3._plan(setting, size)
        kept, dropped = fig3._inference_variants(setting, size, shipped, ps, fs)
        assert not dropped and len(kept) == len(ps) * sum(map(len, fs.values()))


def test_quick_keeps_trained_9x9_models_in_its_order_and_leaves_room_for_the_wv_variants():
    """However many 9x9 models ship, quick keeps the first ones of _QUICK_ORDER_9X9 (unnamed ones after, in their
    order) and at least _QUICK_9X9_SCALED W^V variants of the first flagship; full keeps every model."""
    family = list(fig3._QUICK_ORDER_9X9)
    shuffled = family[::-1] + ["itrsa9-new-b", "itrsa9-new-a"]
    kept, dropped = fig3._trained("quick", 9, shuffled)
    room = fig3._QUICK_9X9 - fig3._QUICK_9X9_SCALED
    assert kept == family[:room] and dropped == family[room:] + ["itrsa9-new-b", "itrsa9-new-a"]
    few = ["akorn9", "itrsa9-new-a", "itrsa9-rms"]
    assert fig3._trained("quick", 9, few) == (["itrsa9-rms", "akorn9", "itrsa9-new-a"], [])
    for setting, size in (("full", 9), ("quick", 4)):
        assert fig3._trained(setting, size, shuffled) == (shuffled, [])
    _, parents, factors = fig3._plan("quick", 9)
    variants, _ = fig3._inference_variants("quick", 9, len(kept), parents, factors)
    assert len(variants) == fig3._QUICK_9X9_SCALED
    assert all(p == parents[0] and knob == "W^V" for p, knob, _ in variants)
    assert {f for _, _, f in variants} == {0.7, 0.85, 1.15, 1.3}, "both sides of lambda_max = 0"
