"""Fig. 5: regularizers. Energy-based regularizers (E-single, E-multi) lower accuracy; the spectral regularizer
(largest singular value of each SA weight pushed to 1) raises it, especially for AKOrN."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from ._core import Claim, Setting, choose, compare_paired, judge, pick, solver

FIGURE = "fig5"

# board size -> (family, regularizer) -> shipped checkpoint name. At 9x9 a regularized model is its baseline's
# recipe plus the penalty: itrsa9-spec is itrsa9-rms's fine-tune of the same stage 1 with the spectral penalty, so
# the pair differs only in it (training_state/itrsa9-spec/spec.toml); akorn9-spec likewise to akorn9-stage2 (the
# flagship akorn9 trained 40 epochs more, so it is not akorn9-spec's matched control).
VARIANTS = {
    4: {
        ("ItrSA", "none"): "itrsa4-rms",
        ("ItrSA", "E-single"): "itrsa4-esingle",
        ("ItrSA", "E-multi"): "itrsa4-emulti",
        ("ItrSA", "Spec"): "itrsa4-spec",
        ("AKOrN", "none"): "akorn4",
        ("AKOrN", "E-single"): "akorn4-esingle",
        ("AKOrN", "E-multi"): "akorn4-emulti",
        ("AKOrN", "Spec"): "akorn4-spec",
    },
    9: {
        ("ItrSA", "none"): "itrsa9-rms",
        ("ItrSA", "E-single"): "itrsa9-esingle",
        ("ItrSA", "E-multi"): "itrsa9-emulti",
        ("ItrSA", "Spec"): "itrsa9-spec",
        ("AKOrN", "none"): "akorn9-stage2",
        ("AKOrN", "E-single"): "akorn9-esingle",
        ("AKOrN", "E-multi"): "akorn9-emulti",
        ("AKOrN", "Spec"): "akorn9-spec",
    },
}
# E-single needs one head (its energy is single-head SA's), so its model has H = 1 while the baseline has H = 4 or 8;
# the unregularized H = 1 model from the same recipe (at 9x9 the same stage 1) is shown beside it as the control
# that separates the penalty's effect from the head count's (evidence only: the claim compares with the baseline,
# as the paper's Fig. 5 does)
H1_CONTROLS = {4: {"ItrSA": "itrsa4-h1"}, 9: {"ItrSA": "itrsa9-h1"}}
# checkpoints of VARIANTS that are not planned, with the reason a claim that needs one gives (the others are planned
# and say "not shipped" until they are)
NOT_PLANNED = {
    "akorn9-esingle": "not trained: the 9x9 family has ItrSA's energy regularizers only (a 9x9 AKOrN costs 2-6 h of "
    "one CPU core; akorn4-esingle measures the claim at 4x4)",
    "akorn9-emulti": "not trained: the 9x9 family has ItrSA's energy regularizers only (a 9x9 AKOrN costs 2-6 h of "
    "one CPU core; akorn4-emulti measures the claim at 4x4)",
}
FAMILIES = ("ItrSA", "AKOrN")
REGULARIZERS = ("none", "E-single", "E-multi", "Spec")


def _chosen(s: dict[str, Any]) -> dict[tuple[str, str], str]:
    """(family, regularizer) -> checkpoint, for the shipped ones of one scale (its ``models``)."""
    return {tuple(key.split(" / ")): name for key, name in s["models"].items()}


def _scale(size: int, setting: Setting, out: Path) -> dict[str, Any]:
    """Which test puzzles every shipped regularizer variant of one board size solves at T = 16 (the paper's selection
    point), ID and OOD, for several noise seeds of the initial state: paired comparisons need them puzzle by puzzle."""
    from ..experiments import shipped_solvers, solved_boards

    table = VARIANTS[size]
    shipped = set(shipped_solvers(size, list(table.values())))
    chosen = {key: name for key, name in table.items() if name in shipped}
    # a baseline is measured only against a shipped variant of its family (every claim is a paired comparison)
    paired = {f for (f, r) in chosen if r != "none"}
    chosen = {(f, r): name for (f, r), name in chosen.items() if f in paired}
    record: dict[str, Any] = {
        "size": size,
        "models": {f"{f} / {r}": name for (f, r), name in chosen.items()},
        "missing": [f"{f} / {r} ({name})" for (f, r), name in table.items() if name not in shipped],
    }
    # the tests' "test" setting never measures 9x9 (minutes per model); smoke, quick and full do when shipped
    if not chosen or not choose(setting, size == 4, True, True):
        record.update(measured=False, reason="nothing shipped" if not chosen else "not measured in the test setting")
        return record
    big = size == 9
    n = pick(setting, 100, 300 if big else 1000, 1000)  # quick at 9x9: 300 puzzles x 3 seeds per model
    seeds = pick(setting, (0, 1), (0, 1, 2), (0, 1, 2, 3, 4))
    models = {name: solver(name, setting, out) for name in chosen.values()}
    acc, per_puzzle = {}, {}
    for key in ("id", "ood"):
        solved = solved_boards(models, steps=16, dataset=f"sudoku{size}-{key}", n=n, seeds=seeds)["solved"]
        acc[key] = {name: float(solved[name].mean()) for name in models}
        per_puzzle[key] = {name: solved[name].mean(0).tolist() for name in models}  # mean over seeds, per puzzle
    record.update(measured=True, n=n, steps=16, seeds=list(seeds), board=acc, per_puzzle=per_puzzle)
    return record


def measure(setting: Setting, out: Path) -> dict[str, Any]:
    """Per board size (4x4 and 9x9), the boards each shipped regularizer variant solves (see :func:`_scale`)."""
    return {"scales": {f"{size}x{size}": _scale(size, setting, out) for size in VARIANTS}}


def _claims(scale: str, s: dict[str, Any]) -> list[Claim]:
    """Fig. 5's claims at one board size, named with ``(scale)``; a pair with a checkpoint missing is inconclusive
    and says which."""
    import numpy as np

    chosen = _chosen(s)
    measured = bool(s.get("measured"))
    n, seeds = s.get("n", 0), len(s.get("seeds", ()))

    def have(family: str, *regs: str) -> bool:
        return measured and all((family, r) in chosen for r in regs)

    def a(family: str, reg: str, ds: str = "ood") -> float:
        return s["board"][ds][chosen[(family, reg)]] if have(family, reg) else float("nan")

    def per(family: str, reg: str, ds: str = "ood") -> np.ndarray:
        return np.asarray(s["per_puzzle"][ds][chosen[(family, reg)]], dtype=float)

    def why(family: str, *regs: str) -> str:
        if not measured:
            return str(s.get("reason", "not measured"))
        names = [VARIANTS[int(s["size"])][(family, r)] for r in regs]
        missing = [(f"{family} / {r} ({n})", n) for r, n in zip(regs, names, strict=True)]
        missing = [(label, n) for label, n in missing if label in s["missing"]]
        planned = [label for label, n in missing if n not in NOT_PLANNED]
        unplanned = [NOT_PLANNED[n] for _, n in missing if n in NOT_PLANNED]
        return "; ".join(([f"not shipped: {planned}"] if planned else []) + list(dict.fromkeys(unplanned)))

    paired = f"the paired difference ({n} puzzles x {seeds} noise seeds"
    claims = []
    for family in FAMILIES:
        ok = have(family, "none", "E-multi")
        verdict, diff, se = (
            compare_paired(per(family, "none") - per(family, "E-multi")) if ok else (None, float("nan"), float("nan"))
        )
        claims.append(
            judge(
                f"{family}: E-multi is below no regularization ({scale})",
                f"OOD board accuracy at T=16 lower than without regularizer by more than 2 standard errors of "
                f"{paired}; higher by as much: does not hold; within noise: inconclusive)",
                verdict,
                none=a(family, "none"),
                e_multi=a(family, "E-multi"),
                difference=diff,
                se=se,
                **({} if ok else {"reason": why(family, "none", "E-multi")}),
            )
        )
    for family in FAMILIES:  # Fig. 5 has an E-single bar for both families (AKOrN's added before its model ran)
        ok = have(family, "none", "E-single")
        base_id, es_id = a(family, "none", "id"), a(family, "E-single", "id")
        claims.append(
            judge(
                f"{family}: E-single fails to train: it fails even in distribution ({scale})",
                f"{family} + E-single (H=1) ID board accuracy at T=16 below half that of the unregularized {family} "
                "(inconclusive when no E-single checkpoint is shipped)",
                es_id < 0.5 * base_id if ok else None,
                none_id=base_id,
                e_single_id=es_id,
                **_h1_control(int(s.get("size", 0)), family),
                **({} if ok else {"reason": why(family, "none", "E-single")}),
            )
        )
    gains = {}
    for family in FAMILIES:
        ok = have(family, "none", "Spec")
        if ok:
            gains[family] = per(family, "Spec") - per(family, "none")
        verdict, diff, se = compare_paired(gains[family]) if ok else (None, float("nan"), float("nan"))
        claims.append(
            judge(
                f"{family}: the spectral regularizer improves accuracy ({scale})",
                f"OOD board accuracy at T=16 above that without regularizer by more than 2 standard errors of "
                f"{paired}; below by as much: does not hold; within noise: inconclusive)",
                verdict,
                none=a(family, "none"),
                spec=a(family, "Spec"),
                gain=diff,
                se=se,
                **({} if ok else {"reason": why(family, "none", "Spec")}),
            )
        )
    both = len(gains) == 2
    verdict, diff, se = compare_paired(gains["AKOrN"] - gains["ItrSA"]) if both else (None, float("nan"), float("nan"))
    claims.append(
        judge(
            f"Spec helps AKOrN more than ItrSA ({scale})",
            "Spec's OOD gain for AKOrN minus its gain for ItrSA, per puzzle (a difference of paired gains), beyond "
            "2 standard errors: above holds, below does not hold, within noise inconclusive (lambda copied from "
            "the paper's Table S.2, not tuned)",
            verdict,
            gain_akorn=float(gains["AKOrN"].mean()) if "AKOrN" in gains else float("nan"),
            gain_itrsa=float(gains["ItrSA"].mean()) if "ItrSA" in gains else float("nan"),
            difference=diff,
            se=se,
            **(
                {}
                if both
                else {"reason": "; ".join(dict.fromkeys(why(f, "none", "Spec") for f in FAMILIES if f not in gains))}
            ),
        )
    )
    return claims


def _manifest_board(name: str, split: str, T: int) -> float:
    """A shipped checkpoint's board accuracy on its ``-id`` / ``-ood`` test set at T loops, K = 1, from the manifest's
    evaluation (1000 puzzles, seed 0); NaN when the manifest has no such row."""
    from ..solver.pretrained import pretrained_info

    rows = pretrained_info(name)["eval"]
    suffix = f"-{split}"
    return next(
        (r["board"] for r in rows if r["dataset"].endswith(suffix) and r["steps"] == T and r["restarts"] == 1),
        float("nan"),
    )


def _h1_control(size: int, family: str) -> dict[str, Any]:
    """The unregularized H = 1 control of E-single (``H1_CONTROLS``), when shipped: its ID boards at T = 16 from the
    manifest's evaluation (1000 test puzzles, seed 0) and the last training epoch's cell accuracy, beside it."""
    from ..solver.pretrained import pretrained_info, pretrained_models

    name = H1_CONTROLS.get(size, {}).get(family)
    if name is None or name not in pretrained_models():
        return {}
    info = pretrained_info(name)
    return {
        "h1_control": name,
        "h1_control_id": _manifest_board(name, "id", 16),
        "h1_control_train_cell": info["curve"][-1].get("train_cell") if info.get("curve") else float("nan"),
    }


def claims(m: dict[str, Any]) -> list[Claim]:
    """Fig. 5's claims (OOD board accuracy at T = 16), judged at each board size on :func:`measure`'s numbers.

    Every comparison is paired (same puzzles, same noise seeds; :func:`~sadyn.reproduce._core.compare_paired`) and
    symmetric: a difference beyond 2 standard errors either way decides the claim, anything inside is inconclusive.
    """
    return [c for scale, s in m["scales"].items() for c in _claims(scale, s)]


def draw(m: dict[str, Any]) -> Figure:
    """Bars of board accuracy per (family, regularizer), ID and OOD, one row per measured board size."""
    from ..viz import plots

    scales = [(scale, s) for scale, s in m["scales"].items() if s.get("measured")]
    fig, axes = plots.grid(2 * max(len(scales), 1), ncols=2, size=(4.2, 3.0))
    with plots.style():
        for row, (scale, s) in enumerate(scales):
            chosen = _chosen(s)
            for ax, key in zip(axes[2 * row : 2 * row + 2], ("id", "ood"), strict=True):
                labels, values, colors = [], [], []
                for i, family in enumerate(FAMILIES):
                    for reg in REGULARIZERS:
                        if (family, reg) in chosen:
                            labels.append(f"{family}\n{reg}")
                            values.append(s["board"][key][chosen[(family, reg)]])
                            colors.append(plots.PALETTE[i])
                ax.bar(range(len(values)), values, color=colors)
                ax.set_xticks(range(len(values)), labels, fontsize=7)
                ax.set(ylabel="board accuracy (T=16)", title=f"{scale} {key.upper()}", ylim=(0, 1.05))
        fig.tight_layout()
    return fig


def _more_loops(m: dict[str, Any]) -> list[str]:
    """A note per measured 9x9 pair: its OOD boards at T = 128 from the manifest's evaluation (1000 test puzzles),
    beside T = 16 where the claims are judged (at 9x9 few OOD boards are solved by T = 16)."""
    s = m["scales"].get("9x9", {})
    if not s.get("measured"):
        return []

    def ood(name: str, T: int) -> float:
        return _manifest_board(name, "ood", T)

    chosen, out = _chosen(s), []
    for family in FAMILIES:
        base = chosen.get((family, "none"))
        for reg in REGULARIZERS[1:]:
            other = chosen.get((family, reg))
            if base and other:
                out.append(
                    f"9x9 {family} {reg}: OOD boards at T=16 / 128 (manifest, 1000 puzzles) {ood(other, 16):.1%} / "
                    f"{ood(other, 128):.1%} against {ood(base, 16):.1%} / {ood(base, 128):.1%} without it (the claims "
                    "are judged at T=16, the paper's selection point)."
                )
    return out


def describe(m: dict[str, Any]) -> dict[str, Any]:
    """Title, the paper's statement, our setting and the differences."""
    parts = []
    for scale, s in m["scales"].items():
        models = sorted(set(s["models"].values()))
        if s.get("measured"):
            parts.append(
                f"{scale}: shipped {models}, board accuracy at T=16 on {s['n']} ID and OOD test puzzles x "
                f"{len(s['seeds'])} noise seeds; not shipped: {s['missing'] or 'none'}"
            )
        else:
            parts.append(f"{scale}: {s.get('reason', 'not measured')}; not shipped: {s['missing'] or 'none'}")
    return dict(
        title="Regularizers: none / E-single / E-multi / Spec (Fig. 5)",
        paper=(
            "E-multi is below no regularization; E-single fails to reduce the training loss and fails even ID; the "
            "spectral regularizer improves both ItrSA and AKOrN, especially AKOrN."
        ),
        ours=(
            "; ".join(parts) + ". 4x4: D=32, 4 heads, T=8 in training, 20 epochs; 9x9: D=128, 8 heads, T=16, the "
            "regularized model fine-tuned from its baseline's stage 1 with the baseline's recipe (itrsa9-spec: "
            "itrsa9-rms-stage1, 10 epochs, cosine lr, augmentation; akorn9-spec: akorn9-stage1, 14 epochs, against "
            "akorn9-stage2, the same 14 epochs without the penalty; "
            "itrsa9-esingle: itrsa9-h1-stage1 with itrsa9-h1's stage 2), except itrsa9-emulti, which needs "
            "orthogonal W^V, W^O from the first update and so runs both of itrsa9-rms's stages with them and the "
            "penalty. "
            "E-multi lambda=1e-4, Spec lambda=1e-4 ItrSA / 1e-5 AKOrN, E-single 1e-6, as in the paper's Table S.2."
        ),
        differences=(
            "Paper: 9x9, D=512, H=8 (E-single H=1), AKOrN N=4, 100 epochs from scratch, 5 seeds, lambda tuned. Ours: "
            "one seed, lambdas copied (not tuned); at 4x4, E-single lambda=1e-6 makes ItrSA's penalty about 2e-4 of "
            "the loss, so ItrSA + E-single trains like the unregularized H=1 model (itrsa4-h1); at 9x9 the Spec "
            "models' penalty enters only in the second stage (the first is shared with the baseline), which "
            "isolates its effect but is not the paper's from-scratch protocol (E-single likewise; E-multi is from "
            "scratch, as in the paper)."
        ),
        notes=[
            "A claim whose pair of checkpoints is not shipped at a scale is inconclusive and names the missing "
            "checkpoint (each 9x9 model costs hours of CPU training).",
            *_e_single(m),
            *_more_loops(m),
        ],
    )


def _e_single(m: dict[str, Any]) -> list[str]:
    """Where E-single is measured: its ID boards against the threshold of "fails even ID" (half the baseline's)."""
    out = []
    for scale, s in m["scales"].items():
        if not s.get("measured"):
            continue
        names = _chosen(s)
        for family in FAMILIES:
            if (family, "E-single") in names and (family, "none") in names:
                es, none = (s["board"]["id"][names[(family, r)]] for r in ("E-single", "none"))
                control = _h1_control(int(s["size"]), family)
                out.append(
                    f"E-single, {family} {scale}: ID boards {es:.3f} against {none:.3f} without a regularizer; "
                    f"'fails even ID' asks below half of it, {none / 2:.3f} (H=1 for E-single, as in the paper)"
                    + (
                        f"; the unregularized H=1 control {control['h1_control']} solves {control['h1_control_id']:.3f}"
                        " of ID boards (manifest, 1000 puzzles): where it fails too, the head count, not the penalty,"
                        " explains the failure."
                        if control
                        else "."
                    )
                )
    return out
