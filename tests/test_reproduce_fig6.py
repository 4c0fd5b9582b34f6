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
