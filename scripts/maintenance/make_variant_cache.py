"""Regenerate sadyn/data/itrsa9_variants.json, the cached 9x9 variant scans that tutorial 07 reads.

Run from the repository root: ``python scripts/maintenance/make_variant_cache.py`` (about 3 minutes on 2 cores).
Each scan multiplies one inference-time knob of the shipped ``itrsa9-rms`` (W^V, eta) by a factor and measures board
accuracy on 100 in-distribution 9x9 puzzles at T = 32 and the finite-time lambda_max (T = 16) on 3 of them
(:func:`sadyn.experiments.variant_scan`).
"""

import json
import platform
import time

import torch

import sadyn as sd
from sadyn.experiments.sudoku_variants import VARIANT_CACHE, variant_scan

SCANS = {
    "W^V": (0.5, 0.7, 0.85, 1.0, 1.15, 1.3),
    "eta": (0.25, 0.5, 0.75, 1.0, 1.5, 2.0),
}
EXPLORER_BOARDS = 12
SETTINGS = {"dataset": "sudoku9-id", "n": 100, "steps": 32, "lyapunov_puzzles": 3, "horizon": 16, "seed": 0}


def main() -> None:
    torch.set_num_threads(1)
    start = time.time()
    scans = {}
    for knob, factors in SCANS.items():
        scans[knob] = variant_scan("itrsa9-rms", knob, factors, **SETTINGS)
        print(knob, [f"{b:.2f}" for b in scans[knob]["board"]], [f"{x:+.3f}" for x in scans[knob]["lambda_max"]])
    puzzles, solutions = sd.experiments.puzzle_set(SETTINGS["dataset"], EXPLORER_BOARDS)
    out = {
        "about": "tutorial 07's 9x9 section; regenerate: python scripts/maintenance/make_variant_cache.py",
        "sadyn": sd.__version__,
        "torch": torch.__version__,
        "python": platform.python_version(),
        "elapsed_s": round(time.time() - start, 1),
        "scans": scans,
        # a few boards for tutorial 07's explorer, so it needs no 9x9 dataset (generating one takes 10-20 s)
        "puzzles": puzzles.tolist(),
        "solutions": solutions.tolist(),
    }
    VARIANT_CACHE.parent.mkdir(parents=True, exist_ok=True)
    VARIANT_CACHE.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {VARIANT_CACHE} in {out['elapsed_s']} s")


if __name__ == "__main__":
    main()
