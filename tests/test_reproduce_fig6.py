"""Fig. 6's judging at two scales (sadyn/reproduce/fig6.py) on synthetic curves, and the sampled contribution index."""

import numpy as np
import pytest

from sadyn.reproduce import fig6


def _numbers(ci_at: dict[int, float], steps: int = 16, cos: float = 0.95) -> dict:
    t = np.arange(steps + 1)
    ci = np.full((1, steps + 1), np.nan)
    for k, v in ci_at.items():
        ci[0, k] = v
    E = -100.0 * (1 - np.exp(-t / 2.0))[None]
    return {
        "steps": steps,
        "contribution_at": sorted(ci_at),
        "per_puzzle": {
            "pseudo_energy": E,
            "attention_energy": 0.5 * E,
            "quadratic": 0.5 * E,
            "cosine": np.full((1, steps + 1), cos),
            "contribution": ci,
        },
    }


def test_claims_at_sampled_loops_and_labels_each_scale():
    rising = _numbers({0: 0.05, 2: 0.1, 8: 0.2, 16: 0.4})
    falling = _numbers({0: 0.3, 2: 0.2, 8: 0.1, 16: 0.05}, cos=0.8)
    got = {c.claim: c.verdict for c in fig6.claims({"scales": {"4x4": falling, "9x9": rising}})}
    assert got["The contribution index rises monotonically (9x9)"] == "holds"
    assert got["The contribution index reaches about 40% (9x9)"] == "holds"
    assert got["cos(vec MSA(X_t), J_t x_t) stays high throughout (9x9)"] == "holds"
    assert got["The contribution index rises monotonically (4x4)"] == "does not hold"
    assert got["cos(vec MSA(X_t), J_t x_t) stays high throughout (4x4)"] == "does not hold"
    assert got["The pseudo-energy drops sharply along inference (4x4)"] == "holds"
    one = {c.claim: c.verdict for c in fig6.claims({"scales": {"9x9": _numbers({16: 0.3})}})}
    assert one["The contribution index rises monotonically (9x9)"] == "inconclusive"  # one loop: no trend to see


def test_inference_energy_samples_the_contribution_index():
    from sadyn.experiments import inference_energy, puzzle_set

    puzzles, _ = puzzle_set("sudoku4-ood", 1)
    r = inference_energy("akorn4", puzzles[0], steps=4, contribution_at=[0, 4])
    assert np.isfinite(r["contribution"][[0, 4]]).all() and np.isnan(r["contribution"][1:4]).all()
    assert np.isfinite(r["pseudo_energy"]).all() and np.isfinite(r["cosine"]).all()
    with pytest.raises(ValueError, match="contribution_at"):
        inference_energy("akorn4", puzzles[0], steps=4, contribution_at=[5])


ABLATION = "Positions inside the attention raise the contribution index (ablation, 9x9)"


@pytest.mark.parametrize("loops", ["all", "last"])  # quick computes the ablation's index at the last loop only
@pytest.mark.parametrize(
    ("rotary_final", "verdict"), [(0.30, "holds"), (0.12, "does not hold"), (0.05, "does not hold"), (None, None)]
)
def test_the_positions_ablation_compares_final_indices_on_the_same_loops(rotary_final, verdict, loops):
    """akorn9 ends at 0.10: the rotary model must end >= 5 points higher; unshipped it is inconclusive, with why."""
    base = _numbers({0: 0.05, 2: 0.28, 8: 0.09, 16: 0.10})
    m = {"scales": {"9x9": base}, "ablation": None}
    curve = {0: 0.05, 2: 0.1, 8: 0.2, 16: rotary_final} if loops == "all" else {16: rotary_final}
    if rotary_final is not None:
        m["ablation"] = _numbers(curve)
    c = {c.claim: c for c in fig6.claims(m)}[ABLATION]
    if rotary_final is None:
        assert c.verdict == "inconclusive" and c.evidence["reason"] == f"{fig6.ABLATION} not shipped"
    else:
        assert c.verdict == verdict
        assert c.evidence["gain"] == pytest.approx(rotary_final - 0.10)
        assert c.evidence["rotary_curve"] == pytest.approx(list(curve.values()))
        assert ("rotary_spearman_with_t" in c.evidence) == (loops == "all")
    assert ABLATION not in {c.claim for c in fig6.claims({"scales": {"4x4": base}})}, "no 9x9, no ablation"


def test_figure_and_description_show_the_ablation_beside_akorn9():
    import matplotlib

    matplotlib.use("Agg")
    extra = {"state_size": 10368, "fraction": 0.02, "puzzles": 1}
    base = {**_numbers({0: 0.05, 16: 0.10}), **extra, "model": "akorn9"}
    rot = {**_numbers({0: 0.05, 16: 0.30}), **extra, "model": fig6.ABLATION}
    for m in (base, rot):  # E_0 != 0, as in a real run (the figure scales by |E_0|)
        m["per_puzzle"]["pseudo_energy"] = m["per_puzzle"]["pseudo_energy"] - 10.0
    with_ablation = fig6.describe({"scales": {"9x9": base}, "ablation": rot})
    assert f"shipped {fig6.ABLATION}" in with_ablation["ours"] and "not shipped" not in with_ablation["differences"]
    assert "not shipped yet" in fig6.describe({"scales": {"9x9": base}, "ablation": None})["differences"]
    fig = fig6.draw({"scales": {"9x9": base}, "ablation": rot})
    assert "9x9 rotary" in [t.get_text() for t in fig.axes[2].get_legend().get_texts()]
