"""Copy trained runs into sadyn/solver/pretrained/, evaluate them, and write manifest.json and README.md.

    python scripts/maintenance/make_pretrained.py                 # every run in MODELS whose $RUNS/<name>/best.pt exists
    python scripts/maintenance/make_pretrained.py itrsa4-rms      # only these (others keep their manifest entries)
    python scripts/maintenance/make_pretrained.py --demote akorn9 akorn9-stage4   # before shipping akorn9's next stage

``--demote NAME RECORD`` turns the shipped NAME into the record RECORD (in MODELS and RECORD_ONLY): its entry,
evaluation included, with ``file: null``, its EMA weights digest and its start's ``init_from``. Run it before the
next stage of NAME ships over NAME's file, whose ``init_from`` then finds RECORD by that digest.

$RUNS is the sweep folder of ``sadyn sweep sadyn/solver/pretrained/shipped.toml --out runs/pretrained`` (default
runs/pretrained; set the RUNS environment variable for another). The shipped file is the run's best.pt without the optimizer state and
without the raw training weights (EMA weights only: half the size; it cannot be resumed; resume from runs/).
Accuracies are measured here with ``sadyn.evaluate`` (seed 0), the same call ``sadyn eval NAME`` makes.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sadyn.solver import evaluate, load_checkpoint, load_model, save_checkpoint  # noqa: E402
from sadyn.solver.integrity import weights_digest  # noqa: E402

DEST = ROOT / "sadyn" / "solver" / "pretrained"
RUNS = Path(os.environ.get("RUNS", ROOT / "runs" / "pretrained"))
SMALL_T = (8, 16, 32, 64, 128)
BIG_T = (16, 32, 64, 128)

# name -> (description, what it shows, T values, restarts)
MODELS = {
    "itrsa9-rms": (
        "9x9 ItrSA + RMSNorm (gamma = sqrt(D)), D=128, 8 heads, T=16: itrsa9-rms-stage1 (125 min) fine-tuned 10 "
        "epochs (84 min; started with epochs=16, resumed at epoch 2 with epochs=10) with Sudoku symmetry "
        "augmentation and a cosine learning rate",
        "the paper's main model at CPU scale: >= 97% ID boards at T=64, test-time scaling on OOD",
        BIG_T,
        (1,),
    ),
    "itrsa9-spec": (
        "9x9 ItrSA + RMSNorm + spectral regularizer (lambda=1e-4), D=128, 8 heads, T=16: itrsa9-rms-stage1 "
        "fine-tuned 10 epochs with itrsa9-rms's recipe (augmentation, cosine lr) plus the penalty",
        "Fig. 5 at 9x9: the spectral regularizer against itrsa9-rms, the same start and recipe without it",
        BIG_T,
        (1,),
    ),
    "itrsa9-rms-stage1": (
        "9x9 ItrSA + RMSNorm (gamma = sqrt(D)), D=128, 8 heads, T=16: stage 1 (constant lr, no augmentation)",
        "the plateau of the first recipe; the starting point of itrsa9-rms",
        BIG_T,
        (1,),
    ),
    "akorn9": (
        "9x9 AKOrN, N=4 oscillators, D=128, 8 heads, T=16: akorn9-stage4 fine-tuned 40 more epochs with the same "
        "recipe (a third warm restart: cosine lr 1e-3 -> 2e-5, Sudoku symmetry augmentation; over two sessions, "
        "training_state/akorn9-long3/). Its command's --init-from names akorn9.pt as it was when the run started: "
        "akorn9-stage4's weights, shipped now as that stage's record alone (same weights_sha256; the file is "
        "sadyn/solver/pretrained/akorn9.pt at commit a38f985)",
        "oscillators + amplitude readout at CPU scale, the AKOrN flagship",
        BIG_T,
        (1,),
    ),
    "akorn9-stage4": (
        "9x9 AKOrN, N=4 oscillators, D=128, 8 heads, T=16: akorn9-stage3 fine-tuned 40 more epochs with the same "
        "recipe (a second warm restart: cosine lr 1e-3 -> 2e-5, Sudoku symmetry augmentation; over two sessions, "
        "training_state/akorn9-long2/). Its command's --init-from names akorn9.pt as it was when the run started: "
        "akorn9-stage3's weights. Shipped as akorn9 on 2026-12-04 (file sadyn/solver/pretrained/akorn9.pt at commit "
        "a38f985); its record alone since (its entry was copied from that akorn9's, with its evaluation)",
        "the AKOrN flagship until its fifth stage; the start of akorn9",
        BIG_T,
        (1,),
    ),
    "akorn9-stage3": (
        "9x9 AKOrN, N=4 oscillators, D=128, 8 heads, T=16: akorn9-stage2 fine-tuned 40 more epochs with the same "
        "recipe (warm restart: cosine lr 1e-3 -> 2e-5, Sudoku symmetry augmentation; over three sessions, "
        "training_state/akorn9-long/), since stage 2 still underfit. Its command's --init-from names akorn9.pt as "
        "it was when the run started, the file shipped now as akorn9-stage2.pt (same sha256). Shipped as akorn9 "
        "from 2026-12-03 to 2026-12-04; its record alone since (its entry was copied from that akorn9's, with its "
        "evaluation)",
        "the AKOrN flagship until its fourth stage; the start of akorn9-stage4",
        BIG_T,
        (1,),
    ),
    "akorn9-stage2": (
        "9x9 AKOrN, N=4 oscillators, D=128, 8 heads, T=16: akorn9-stage1 (125 min) fine-tuned 14 epochs with "
        "itrsa9-rms's stage-2 recipe (Sudoku symmetry augmentation, cosine lr 1e-3 -> 2e-5; started with epochs=18, "
        "resumed at epoch 5 with epochs=14). Its last.pt was not kept: training time and curve end at the best "
        "epoch (12); training_state/akorn9-aug/log.txt has all 14",
        "the AKOrN flagship until its third stage; Fig. 5's control for akorn9-spec (the same start and recipe)",
        BIG_T,
        (1,),
    ),
    "akorn9-spec": (
        "9x9 AKOrN + spectral regularizer (lambda=1e-5), N=4, D=128, 8 heads, T=16: akorn9-stage1 fine-tuned 14 "
        "epochs with akorn9-stage2's recipe (augmentation, cosine lr) plus the penalty",
        "Fig. 5 at 9x9: the spectral regularizer against akorn9-stage2, the same start and recipe without it",
        BIG_T,
        (1,),
    ),
    "akorn9-stage1": (
        "9x9 AKOrN, N=4 oscillators, D=128, 8 heads, T=16: stage 1 (constant lr 2e-3, no augmentation)",
        "the first recipe's state at its time box; the starting point of akorn9-stage2 and akorn9-spec",
        BIG_T,
        (1,),
    ),
    "akorn9-rms": (
        "9x9 AKOrN + oscillator-wise RMSNorm, N=4, D=128, 8 heads, T=16: from scratch, 24 epochs with Sudoku "
        "symmetry augmentation and a cosine learning rate",
        "Fig. 4 at 9x9: RMSNorm instead of Pi^osc, for test-time scaling",
        BIG_T,
        (1,),
    ),
    "akorn9-rotary": (
        "9x9 AKOrN, N=4, D=128, 8 heads, T=16, positions through the attention (2-D rotary queries/keys) instead "
        "of the input: from scratch, 40 epochs with Sudoku symmetry augmentation and a cosine learning rate",
        "Fig. 6's ablation: does putting positions inside the attention raise the contribution index?",
        BIG_T,
        (1,),
    ),
    "itrsa9-h1-stage1": (
        "9x9 ItrSA + RMSNorm, D=128, 1 head, T=16: stage 1 (constant lr 1e-3, no augmentation, 38 epochs)",
        "Fig. S.1 at 9x9: the start of itrsa9-h1 and itrsa9-esingle (a record: weights not shipped)",
        BIG_T,
        (1,),
    ),
    "akorn9-osc32": (
        "9x9 AKOrN with N=32 oscillators (4 per token), D=128, 8 heads, T=16: from scratch, 24 epochs with Sudoku "
        "symmetry augmentation and a cosine learning rate (akorn9-rms's recipe)",
        "Fig. 4 at 9x9: a large oscillator dimension N, for test-time scaling",
        BIG_T,
        (1,),
    ),
    "itrsa9-h1": (
        "9x9 ItrSA + RMSNorm, D=128, 1 head, T=16: itrsa9-h1-stage1 (117 min) fine-tuned 10 epochs with itrsa9-rms's "
        "stage-2 recipe (Sudoku symmetry augmentation, cosine lr 1e-3 -> 2e-5)",
        "Fig. S.1 at 9x9: H = 1 (H = 8 is itrsa9-rms)",
        BIG_T,
        (1,),
    ),
    "itrsa9-esingle": (
        "9x9 ItrSA + RMSNorm, D=128, 1 head, T=16, + E-single (lambda=1e-6, the paper's Table S.2, not tuned): "
        "itrsa9-h1-stage1 fine-tuned 10 epochs with itrsa9-h1's recipe plus the penalty",
        "Fig. 5 at 9x9: the single-head energy regularizer against itrsa9-h1, the same start and recipe without it",
        BIG_T,
        (1,),
    ),
    "itrsa9-emulti-stage1": (
        "9x9 ItrSA + RMSNorm, orthogonal W^V, W^O, D=128, 8 heads, T=16, + E-multi (lambda=1e-4, Table S.2): "
        "stage 1 (constant lr 2e-3, no augmentation, 38 epochs)",
        "Fig. 5 at 9x9: the start of itrsa9-emulti (a record: weights not shipped)",
        BIG_T,
        (1,),
    ),
    "itrsa9-emulti": (
        "9x9 ItrSA + RMSNorm, orthogonal W^V, W^O, D=128, 8 heads, T=16, + E-multi (lambda=1e-4, Table S.2): "
        "itrsa9-emulti-stage1 fine-tuned 10 epochs with itrsa9-rms's stage-2 recipe plus the penalty",
        "Fig. 5 at 9x9: the multi-head energy regularizer (with the orthogonal values it needs) against itrsa9-rms",
        BIG_T,
        (1,),
    ),
    "itrsa9-h2-stage1": (
        "9x9 ItrSA + RMSNorm, D=128, 2 heads, T=16: stage 1 (constant lr 1e-3, no augmentation, 38 epochs)",
        "Fig. S.1 at 9x9: the start of itrsa9-h2 (a record: weights not shipped)",
        BIG_T,
        (1,),
    ),
    "itrsa9-h2": (
        "9x9 ItrSA + RMSNorm, D=128, 2 heads, T=16: itrsa9-h2-stage1 fine-tuned 10 epochs with itrsa9-rms's stage-2 "
        "recipe (Sudoku symmetry augmentation, cosine lr 1e-3 -> 2e-5)",
        "Fig. S.1 at 9x9: H = 2 (H = 8 is itrsa9-rms)",
        BIG_T,
        (1,),
    ),
    "itrsa9-h4-stage1": (
        "9x9 ItrSA + RMSNorm, D=128, 4 heads, T=16: stage 1 (constant lr 1e-3, no augmentation, 38 epochs)",
        "Fig. S.1 at 9x9: the start of itrsa9-h4 (a record: weights not shipped)",
        BIG_T,
        (1,),
    ),
    "itrsa9-h4": (
        "9x9 ItrSA + RMSNorm, D=128, 4 heads, T=16: itrsa9-h4-stage1 fine-tuned 10 epochs with itrsa9-rms's stage-2 "
        "recipe (Sudoku symmetry augmentation, cosine lr 1e-3 -> 2e-5)",
        "Fig. S.1 at 9x9: H = 4 (H = 8 is itrsa9-rms)",
        BIG_T,
        (1,),
    ),
    "itrsa9-none": (
        "9x9 ItrSA without normalization, D=128, 8 heads, T=16, 1 epoch",
        "the paper's instability at 9x9",
        BIG_T,
        (1,),
    ),
    "energy9": (
        "9x9 energy-based symmetric SA (eq. (4), A = V symmetric, sphere projection), D=128, 1 head, T=16, 1 epoch",
        "energy-based SA at 9x9 (the paper trains it 1 epoch): a true energy, a weak solver",
        BIG_T,
        (1,),
    ),
    "itrsa4-rms": (
        "4x4 ItrSA + RMSNorm, D=32, 4 heads, T=8",
        "learns in under a minute; test-time scaling on OOD",
        SMALL_T,
        (1, 8),
    ),
    "itrsa4-none": (
        "4x4 ItrSA without normalization, D=32, 4 heads, T=8",
        "the unnormalized model's instability",
        SMALL_T,
        (1,),
    ),
    "akorn4": ("4x4 AKOrN, N=4, D=32, 4 heads, T=8", "AKOrN baseline; energy voting", SMALL_T, (1, 8)),
    "akorn4-rms": (
        "4x4 AKOrN + oscillator-wise RMSNorm, N=4, D=32, 4 heads, T=8",
        "RMSNorm instead of Pi^osc",
        SMALL_T,
        (1, 8),
    ),
    "akorn4-osc32": (
        "4x4 AKOrN with one oscillator per token (N=32), D=32, 4 heads, T=8",
        "large oscillator dimension for the test-time-scaling comparison",
        SMALL_T,
        (1, 8),
    ),
    "energy4": (
        "4x4 energy-based symmetric SA (eq. (4), A = V symmetric), D=32, 1 head, T=8",
        "energy-based SA: a true Lyapunov energy without input, weak solver",
        SMALL_T,
        (1, 8),
    ),
    "itrsa4-spec": (
        "4x4 ItrSA + RMSNorm + spectral regularizer (lambda=1e-4)",
        "Sec. 6.2 spectral regularization",
        SMALL_T,
        (1,),
    ),
    "akorn4-spec": (
        "4x4 AKOrN N=4 + spectral regularizer (lambda=1e-5)",
        "Sec. 6.2 spectral regularization on AKOrN",
        SMALL_T,
        (1,),
    ),
    "akorn4-esingle": (
        "4x4 AKOrN N=4, D=32, 1 head + E-single (lambda=1e-6, the paper's Table S.2)",
        "Fig. 5's E-single on AKOrN",
        SMALL_T,
        (1,),
    ),
    "akorn4-emulti": (
        "4x4 AKOrN N=4, orthogonal W^V, W^O + E-multi (lambda=1e-4, the paper's Table S.2)",
        "Fig. 5's E-multi on AKOrN",
        SMALL_T,
        (1,),
    ),
    "itrsa4-emulti": (
        "4x4 ItrSA + RMSNorm, orthogonal W^V, W^O + E-multi (lambda=1e-4)",
        "Sec. 6.2 E-multi",
        SMALL_T,
        (1,),
    ),
    "itrsa4-esingle": (
        "4x4 ItrSA + RMSNorm, D=32, 1 head + E-single (lambda=1e-6, the paper's Table S.2)",
        "Fig. 5's E-single (single-head energy regularizer)",
        SMALL_T,
        (1,),
    ),
    "itrsa4-h1": ("4x4 ItrSA + RMSNorm, D=32, 1 head, T=8", "Fig. S.1's head count H=1", SMALL_T, (1,)),
    "itrsa4-h2": ("4x4 ItrSA + RMSNorm, D=32, 2 heads, T=8", "Fig. S.1's head count H=2", SMALL_T, (1,)),
    "itrsa4-h8": (
        "4x4 ItrSA + RMSNorm, D=32, 8 heads (head dim 4), T=8",
        "Fig. S.1's head count H=8",
        SMALL_T,
        (1,),
    ),
}


# training stages shipped as their manifest record alone (command, curve, time, EMA weights digest), not their
# weights: a fine-tune's start that the package's ~15 MB budget cannot hold (sadyn.solver.pretrained)
RECORD_ONLY: set[str] = {
    "itrsa9-h1-stage1",
    "itrsa9-h2-stage1",
    "itrsa9-h4-stage1",
    "itrsa9-emulti-stage1",
    "akorn9-stage3",
    "akorn9-stage4",
}


def _strip(ckpt: dict) -> dict:
    keep = {
        k: v
        for k, v in ckpt.items()
        if k not in ("format", "format_version", "sadyn_version", "torch_version", "optimizer")
    }
    progress = dict(keep["progress"])
    progress["noise_rng"] = None
    keep["progress"] = progress
    if keep.get("ema") is not None:  # evaluation uses the EMA weights: ship those alone (half the bytes)
        keep["model"] = None
    return keep


def ship(name: str) -> dict:
    """Evaluate ``$RUNS/<name>/best.pt``, write its EMA-only file and return its manifest entry; a name in
    RECORD_ONLY gets its entry alone (no file; ``weights_sha256`` names its EMA weights; its test rows are the
    sweep's, from ``result.json``, when there is one)."""
    description, shows, steps, restarts = MODELS[name]
    run = RUNS / name
    ckpt = load_checkpoint(run / "best.pt")
    last = load_checkpoint(run / "last.pt")
    t0 = time.perf_counter()
    model = load_model(ckpt)
    torch.set_num_threads(1)
    record_only = name in RECORD_ONLY
    # a record's test rows: the sweep's own evaluation of the run (result.json), if there is one; none measured here
    result = run / "result.json"
    rows = (json.loads(result.read_text()).get("test") or [] if result.is_file() else []) if record_only else None
    rows = evaluate(model, steps=steps, restarts=restarts, seed=0) if rows is None else rows
    entry = {
        "file": None if record_only else f"{name}.pt",
        "description": description,
        "shows": shows,
        "command": ckpt["command"],
        "train_steps": ckpt["config"]["steps"],
        "best_epoch": ckpt["metrics"]["best_val"].get("epoch"),
        "best_val": ckpt["metrics"]["best_val"],
        "training": {
            "elapsed_s_at_best": round(ckpt["progress"]["elapsed_s"], 1),
            "elapsed_s_total": round(last["progress"]["elapsed_s"], 1),
            "epochs_done": last["progress"]["epoch"],
            "updates_total": last["progress"]["update"],
            "hardware": ckpt["hardware"],
        },
        "curve": [
            {k: row.get(k) for k in ("epoch", "elapsed_s", "loss", "train_cell", "val_board", "val_cell", "nonfinite")}
            for row in last["history"]
        ],
        "weights_at": {k: ckpt["progress"][k] for k in ("epoch", "batch", "update")},
        "eval": rows,
        "eval_seconds": round(time.perf_counter() - t0, 1),
        "parameters": sum(p.numel() for p in model.parameters()),
    }
    if record_only:
        entry["weights_sha256"] = weights_digest(ckpt.get("ema") or ckpt["model"])
        if ckpt.get("init_from"):  # a fine-tune's start, which `sadyn reproduce --full` retrains first
            entry["init_from"] = with_start_weights(ckpt["init_from"], sorted(RUNS.glob("*/*.pt")))
        return entry
    if ckpt.get("init_from"):
        ckpt["init_from"] = with_start_weights(ckpt["init_from"], sorted(RUNS.glob("*/*.pt")))
    payload = _strip(ckpt)
    payload["metrics"] = {**ckpt["metrics"], "eval": rows}
    save_checkpoint(DEST / entry["file"], payload)
    return entry


def demoted(entry: dict, ckpt: dict, record: str) -> dict:
    """The record alone of a shipped checkpoint (its manifest ``entry`` and loaded file ``ckpt``), named ``record``:
    the same entry with ``file: null``, MODELS' description and shows of ``record``, the digest of the EMA weights
    (what a fine-tune's ``init_from`` finds it by) and the start the file recorded (``shipped_start``)."""
    if record not in MODELS or record not in RECORD_ONLY:
        raise ValueError(f"add {record!r} to MODELS and RECORD_ONLY first (its description and what it shows).")
    description, shows = MODELS[record][:2]
    out = {**entry, "file": None, "description": description, "shows": shows}
    out["weights_sha256"] = weights_digest(ckpt.get("ema") or ckpt["model"])
    if ckpt.get("init_from"):
        out["init_from"] = ckpt["init_from"]
    return out


def demote(name: str, record: str) -> None:
    """Add the record ``record`` of the shipped ``name`` to manifest.json, right after ``name`` (:func:`demoted`)."""
    path = DEST / "manifest.json"
    manifest = json.loads(path.read_text())
    entry = manifest["models"][name]
    record_entry = demoted(entry, load_checkpoint(DEST / entry["file"], check_versions=False), record)
    models = {}
    for key, value in manifest["models"].items():
        if key != record:
            models[key] = value
        if key == name:
            models[record] = record_entry
    manifest["models"] = models
    path.write_text(json.dumps(manifest, indent=1) + "\n")
    (DEST / "README.md").write_text(readme(manifest))
    print(f"{record}: the record of {name} (weights sha256 {record_entry['weights_sha256'][:12]}...)")


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}"


def _board(e: dict, dataset_suffix: str, T: int, K: int = 1) -> float | None:
    return next(
        (
            r["board"]
            for r in e["eval"]
            if r["dataset"].endswith(dataset_suffix) and r["steps"] == T and r["restarts"] == K
        ),
        None,
    )


def _targets(manifest: dict) -> list[str]:
    """The issue's targets, checked against the measured numbers (met / NOT met), never asserted by hand."""
    lines = ["## Targets (measured, not asserted)", ""]
    for name in ("itrsa9-rms", "akorn9"):
        e = manifest["models"].get(name)
        if e is None:
            lines.append(f"- {name}: not shipped.")
            continue
        id64, ood128 = _board(e, "-id", 64) or 0.0, _board(e, "-ood", 128) or 0.0
        minutes = e["training"]["elapsed_s_total"] / 60
        verdict = "met" if id64 >= 0.97 and ood128 >= 0.60 else "NOT met"
        lines.append(
            f"- {name}: >= 97% ID boards at T=64 and >= 60% OOD boards at T=128 (issue 12): {verdict} "
            f"({_pct(id64)}% and {_pct(ood128)}%, {minutes:.0f} min of training)."
        )
    for name, e in sorted(manifest["models"].items()):
        T0 = e.get("train_steps", 16)
        lo = _board(e, "-ood", T0)
        hi = max((_board(e, "-ood", T) or 0.0) for T in (64, 128))
        if lo is None:
            continue
        gain = 100 * (hi - lo)
        lines.append(
            f"- {name}: OOD boards, best of T=64/128 vs the training T={T0}: {_pct(hi)}% vs {_pct(lo)}%, "
            f"{'+' if gain >= 0 else ''}{gain:.1f} points "
            f"({'>= 5: test-time scaling' if gain >= 5 else '< 5: no test-time scaling by this measure'})."
        )
    return lines


def _weights_at(e: dict) -> str:
    """Which state the shipped EMA weights are: the best validation epoch's, or a time-boxed run's last state."""
    best = (
        f"best validation boards {_pct(e['best_val'].get('val_board'))}%, cells {_pct(e['best_val'].get('val_cell'))}%"
    )
    at, minutes = e.get("weights_at") or {}, e["training"]["elapsed_s_at_best"] / 60
    if at.get("batch"):
        return (
            f"EMA at update {at['update']} ({at['batch']} batches into epoch {at['epoch'] + 1}), the run's last state "
            f"when its time box ended after {minutes:.1f} min (the state a fine-tune started from; {best} at epoch "
            f"{e['best_epoch']})"
        )
    return f"EMA at epoch {e['best_epoch']} ({best}, reached after {minutes:.1f} min)"


def with_start_weights(init: dict | None, candidates: list[Path]) -> dict | None:
    """``init_from`` with ``weights_sha256`` added, the digest of the EMA weights of the file it names by sha256,
    looked up among its recorded path and ``candidates`` (runs trained before 2026-12-02 recorded the file's sha256
    only; a stage shipped EMA-only has other bytes, and :func:`sadyn.solver.pretrained.shipped_parent` then finds it
    by these weights). Unchanged when it has one already or no candidate matches."""
    if not init or "weights_sha256" in init or not init.get("sha256"):
        return init
    for path in [ROOT / init["path"], *candidates]:
        if path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == init["sha256"]:
            start = load_checkpoint(path, check_versions=False)
            return {**init, "weights_sha256": weights_digest(start.get("ema") or start["model"])}
    return init


def _eval_table(e: dict) -> list[str]:
    """The entry's evaluation as a markdown table: a row per (set, K), a column per T."""
    steps = sorted({r["steps"] for r in e["eval"]})
    lines = [
        "| set | K | " + " | ".join(f"T={T} board / cell %" for T in steps) + " |",
        "|---|---|" + "---|" * len(steps),
    ]
    for ds in sorted({r["dataset"] for r in e["eval"]}):
        for K in sorted({r["restarts"] for r in e["eval"]}):
            cells = [
                f"{_pct(r['board'])} / {_pct(r['cell'])}"
                for r in e["eval"]
                if r["dataset"] == ds and r["restarts"] == K
            ]
            lines.append(f"| {ds} | {K} | " + " | ".join(cells) + " |")
    return lines


def readme(manifest: dict) -> str:
    lines = [
        "# Shipped checkpoints",
        "",
        "Generated by `scripts/maintenance/make_pretrained.py` from the runs of `sadyn sweep sadyn/solver/pretrained/shipped.toml --out runs/pretrained`; do not edit by hand.",
        "Load one with `sadyn.load_pretrained(name)`; re-measure any row with `sadyn eval NAME --steps ... --restarts ...`.",
        "Board accuracy: every cell right; cell accuracy: blank cells right. ID = the size's `-id` test set (1,000 puzzles),",
        "OOD = its `-ood` test set (fewer givens). K > 1: K noise restarts, lowest pseudo-energy wins (AKOrN's voting).",
        "Training time is wall time on the machine listed (a shared 2-core CPU, one torch thread per run).",
        "",
    ]
    lines += _targets(manifest) + [""]
    for name, e in sorted(manifest["models"].items()):
        t = e["training"]
        lines += [
            f"## {name}",
            "",
            f"{e['description']}. Shows: {e['shows']}. {e['parameters']:,} parameters.",
            "",
            f"Trained {t['elapsed_s_total'] / 60:.1f} min ({t['epochs_done']} epochs, {t['updates_total']} updates) on "
            f"{t['hardware'].get('cpus')} CPUs ({t['hardware'].get('platform')}); "
            + (
                f"shipped weights: {_weights_at(e)}."
                if e["file"]
                else f"record only (weights not shipped; a fine-tune's start: {_weights_at(e)}, weights sha256 "
                f"{e['weights_sha256'][:12]}...; retrain with the command below)."
            ),
            "",
            "```",
            e["command"],
            "```",
            "",
        ]
        lines += _eval_table(e) if e["eval"] else []
        curve = ", ".join(
            f"{c['epoch']}: {_pct(c['val_board'])}/{_pct(c['val_cell'])}"
            + (f" ({c['nonfinite']} non-finite)" if c.get("nonfinite") else "")
            for c in e["curve"]
        )
        minutes = ", ".join(f"{c['elapsed_s'] / 60:.1f}" for c in e["curve"])
        lines += [
            "",
            f"Learning curve (epoch: validation boards/cells %): {curve}.",
            "",
            f"Minutes at each epoch end: {minutes}.",
            "",
        ]
    return "\n".join(lines)


def main(names: list[str]) -> None:
    """Ship ``names`` (default: every run with a best.pt), then rebuild manifest.json and README.md.

    Each shipped entry is also written to $RUNS/<name>/entry.json, and the manifest is rebuilt from all of those
    (plus the entries already in it), so several invocations may run in parallel on different models.
    """
    for name in names or [n for n in MODELS if (RUNS / n / "best.pt").exists()]:
        print(f"{name} ...", flush=True)
        entry = ship(name)
        (RUNS / name / "entry.json").write_text(json.dumps(entry, indent=1) + "\n")
    path = DEST / "manifest.json"
    manifest = json.loads(path.read_text()) if path.exists() else {"models": {}}
    for name in MODELS:
        entry_path = RUNS / name / "entry.json"
        if entry_path.exists():
            manifest["models"][name] = json.loads(entry_path.read_text())
    path.write_text(json.dumps(manifest, indent=1) + "\n")
    (DEST / "README.md").write_text(readme(manifest))
    total = sum(p.stat().st_size for p in DEST.glob("*.pt"))
    print(f"{len(manifest['models'])} models, {total / 1e6:.1f} MB of checkpoints")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--demote"]:
        if len(sys.argv) != 4:
            sys.exit("usage: make_pretrained.py --demote NAME RECORD")
        demote(sys.argv[2], sys.argv[3])
    else:
        main(sys.argv[1:])
