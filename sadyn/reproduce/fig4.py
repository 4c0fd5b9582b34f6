"""Fig. 4: test-time scaling. Board accuracy against the number of loops T: ItrSA improves with T for every
oscillator dimension N, AKOrN loses test-time scaling at large N, and AKOrN with oscillator-wise RMSNorm keeps it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from ._core import Claim, judge, pick, solver

FIGURE = "fig4"
_TOL = 0.01  # a drop of more than one point of board accuracy breaks monotonicity


def families() -> dict[str, list[str]]:
    """Shipped checkpoints per family: ItrSA (+ RMSNorm), AKOrN (Pi^osc) and AKOrN + RMSNorm, any N."""
    from ..solver.pretrained import pretrained_models

    names = pretrained_models()
    return {
        "ItrSA": [n for n in names if n == "itrsa4-rms" or n.startswith("itrsa4-osc")],
        "AKOrN": [n for n in names if n == "akorn4" or n.startswith("akorn4-osc")],
        "AKOrN + RMSNorm": [n for n in names if n.startswith("akorn4-rms")],
    }


def _monotone(acc: list[float]) -> float:
    """Largest drop below the running maximum (0 for a non-decreasing curve)."""
    a = np.asarray(acc)
    return float((np.maximum.accumulate(a) - a).max())


def _gain(acc: list[float], steps: list[int], t_train: int) -> float:
    """Accuracy at the largest T minus accuracy at the training T (the test-time gain)."""
    i = steps.index(t_train) if t_train in steps else int(np.searchsorted(steps, t_train))
    return float(acc[-1] - acc[min(i, len(acc) - 1)])


def measure(setting: str, out: Path) -> dict[str, Any]:
    """Board accuracy against T of every shipped 4x4 family member, ID and OOD, at ``setting``."""
    from ..experiments import accuracy_vs_loops

    steps = list(pick(setting, (4, 8, 16), (1, 2, 4, 8, 16, 32, 64), (1, 2, 4, 8, 16, 32, 64, 128)))
    n = pick(setting, 50, 500, 1000)
    fam = families()
    models = {name: solver(name, setting, out) for names in fam.values() for name in names}
    N = {name: int(m.config()["oscillator_dim"]) for name, m in models.items()}
    t_train = {name: 8 for name in models}
    curves = {ds: accuracy_vs_loops(models, steps=steps, dataset=ds, n=n) for ds in ("sudoku4-id", "sudoku4-ood")}
    for name, t in curves["sudoku4-ood"]["train_steps"].items():
        t_train[name] = t or 8
    ood = curves["sudoku4-ood"]["board"]
    gain = {name: _gain(ood[name], steps, t_train[name]) for name in models}
    drop = {name: _monotone(ood[name]) for name in models}
    return {
        "steps": steps,
        "n": n,
        "N": N,
        "train_steps": t_train,
        "gain_ood": gain,
        "max_drop_ood": drop,
        "board": {ds: c["board"] for ds, c in curves.items()},
        "cell": {ds: c["cell"] for ds, c in curves.items()},
        "families": fam,
    }


def claims(m: dict[str, Any]) -> list[Claim]:
    """Fig. 4's claims on the OOD set (the ID set saturates), judged on :func:`measure`'s curves."""
    fam, N, gain, drop = m["families"], m["N"], m["gain_ood"], m["max_drop_ood"]
    itrsa = fam["ItrSA"]
    claims = [
        judge(
            "ItrSA's accuracy improves monotonically with T (every N)",
            f"OOD board accuracy never falls more than {_TOL:.0%} below its running maximum over T, and gains > 0 from the "
            f"training T to the largest T, for every ItrSA checkpoint",
            all(drop[m] <= _TOL and gain[m] > 0 for m in itrsa) if itrsa else None,
            models=itrsa,
            N=[N[m] for m in itrsa],
            gains=[gain[m] for m in itrsa],
            worst_drop=max([drop[m] for m in itrsa], default=float("nan")),
        )
    ]
    ak = sorted(fam["AKOrN"], key=lambda m: N[m])
    small, large = (ak[0], ak[-1]) if len(ak) > 1 else (None, None)
    claims.append(
        judge(
            "AKOrN loses test-time scaling at large oscillator dimension N",
            "OOD gain (largest T minus training T) at the largest N is below half the gain at the smallest N "
            "(inconclusive with a single N)",
            None if small is None else gain[large] < 0.5 * gain[small],
            N=[N[m] for m in ak],
            gains=[gain[m] for m in ak],
        )
    )
    rms = fam["AKOrN + RMSNorm"]
    claims.append(
        judge(
            "AKOrN with oscillator-wise RMSNorm keeps test-time scaling",
            f"OOD board accuracy never falls more than {_TOL:.0%} below its running maximum and gains > 0.02 from the "
            f"training T to the largest T, for every AKOrN + RMSNorm checkpoint",
            all(drop[m] <= _TOL and gain[m] > 0.02 for m in rms) if rms else None,
            models=rms,
            N=[N[m] for m in rms],
            gains=[gain[m] for m in rms],
        )
    )
    return claims


def draw(m: dict[str, Any]) -> Figure:
    """Accuracy against T, ID and OOD, one line per checkpoint (line style by family)."""
    from ..viz import plots

    fam, N = m["families"], m["N"]
    fig, axes = plots.grid(2, size=(4.2, 3.2))
    styles = {name: ls for family, ls in zip(fam, ("-", "--", ":"), strict=True) for name in fam[family]}
    labels = {name: f"{family} N={N[name]}" for family, names in fam.items() for name in names}
    with plots.style():
        for ax, ds in zip(axes, ("sudoku4-id", "sudoku4-ood"), strict=True):
            curves = {"steps": m["steps"], "board": {name: m["board"][ds][name] for name in styles}}
            plots.plot_accuracy_vs_loops(curves, ax, styles=styles, labels=labels, train_steps=8)
            ax.set(xlabel="test-time loops T", ylabel="board accuracy", title=ds)
            ax.get_legend().remove()
        axes[1].legend(frameon=False, fontsize=7)
        fig.tight_layout()
    return fig


def describe(m: dict[str, Any]) -> dict[str, Any]:
    """Title, the paper's statement, our setting and the differences."""
    models, steps, n = sorted(m["N"]), m["steps"], m["n"]
    return dict(
        title="Test-time scaling: accuracy vs loops T (Fig. 4)",
        paper=(
            "ItrSA improves monotonically with T for every oscillator dimension N; AKOrN loses test-time scaling at "
            "large N; AKOrN with oscillator-wise RMSNorm keeps it."
        ),
        ours=(
            f"Shipped 4x4 checkpoints {models} (D=32, 4 heads, trained at T=8), board accuracy at T in {steps} "
            f"on the first {n} puzzles of the ID and OOD test sets, one noise draw."
        ),
        differences=(
            "Paper: 9x9 Sudoku (SATNet ID, RRN OOD), D=512, N in {4, ..., 512}, trained at T=16 for 100 epochs, "
            "5 seeds. Ours: 4x4 boards (OOD = fewer givens), D=32 so N only up to 32, trained at T=8 for 20 "
            "epochs, one seed; ItrSA only at N=4 and AKOrN + RMSNorm only at N=4 unless more checkpoints ship."
        ),
    )
