"""``sadyn reproduce``: regenerate the paper's figures at teaching scale and judge its claims.

Each entry of :data:`FIGURES` is a module with four functions, kept apart so each can be tested and reused:
``measure(setting, out) -> numbers`` (a dict; keys starting with ``_`` are working data for the figure and are
not saved), ``claims(numbers) -> [Claim]`` (each judged by a stated criterion: "holds", "does not hold",
"inconclusive"), ``draw(numbers) -> Figure`` and ``describe(numbers) -> {title, paper, ours, differences,
notes}``. :func:`reproduce` runs them and saves ``<out>/<figure>.png`` and ``<out>/<figure>.json`` once;
``scripts/make_reproduction.py`` turns the JSON files into ``REPRODUCTION.md``.

>>> from sadyn.reproduce import reproduce
>>> result = reproduce("fig2", setting="quick", out="reproduction")
>>> [c.verdict for c in result.claims]
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from pathlib import Path
from typing import Any

from ._core import SETTINGS, SMOKE, VERDICTS, Claim, Result, Setting, save

__all__ = ["FIGURES", "SETTINGS", "VERDICTS", "Claim", "Result", "reproduce", "reproduce_all", "add_arguments", "run"]

# figure id -> (module, one-line description), in the order `all` runs them (cheap and central first)
FIGURES: dict[str, tuple[str, str]] = {
    "fig1": ("sadyn.reproduce.fig1", "Jacobian norm vs tokens (Fig. 1) and Prop. 5.1's bound, incl. large eta"),
    "fig2": ("sadyn.reproduce.fig2", "normalization vs Lyapunov exponent, toy eigenvalues, eigenvalue cloud (Fig. 2)"),
    "fig4": ("sadyn.reproduce.fig4", "test-time scaling: accuracy vs loops T (Fig. 4)"),
    "fig5": ("sadyn.reproduce.fig5", "regularizers none / E-single / E-multi / Spec (Fig. 5)"),
    "figS1": ("sadyn.reproduce.figS1", "heads H vs mean Lyapunov exponent and accuracy of ItrSA (Fig. S.1)"),
    "fig3": ("sadyn.reproduce.fig3", "accuracy vs Lyapunov exponent over model variants (Fig. 3)"),
    "fig6": ("sadyn.reproduce.fig6", "pseudo-energy, cosine and contribution index along AKOrN inference (Fig. 6)"),
    "figS5": ("sadyn.reproduce.figS5", "sensitivity to initial conditions (Fig. S.5)"),
}


def reproduce(figure: str, *, setting: Setting = "quick", out: str | Path = "reproduction") -> Result:
    """Run one reproduction (``figure`` a key of :data:`FIGURES`) and return its :class:`Result` (files in ``out``)."""
    if figure not in FIGURES:
        raise ValueError(f"`figure` must be one of {list(FIGURES)} (or 'all' on the command line), got {figure!r}.")
    if setting not in SETTINGS and setting != SMOKE:
        raise ValueError(f"`setting` must be one of {SETTINGS}, got {setting!r}; the CLI spells them --quick / --full.")
    module = importlib.import_module(FIGURES[figure][0])
    t0 = time.perf_counter()
    numbers = module.measure(setting, Path(out))
    claims = module.claims(numbers)
    fig = module.draw(numbers)
    text = {"notes": [], **module.describe(numbers)}
    result = Result(
        figure=figure,
        setting=setting,
        numbers={k: v for k, v in numbers.items() if not k.startswith("_")},
        claims=claims,
        **text,
    )
    result.seconds = round(time.perf_counter() - t0, 1)
    return save(result, fig, Path(out))


def reproduce_all(
    *,
    setting: Setting = "quick",
    out: str | Path = "reproduction",
    figures: list[str] | None = None,
    echo: bool = False,
) -> list[Result]:
    """Run every reproduction in :data:`FIGURES` order (or ``figures``); write ``<out>/summary.json``.

    A figure that raises is recorded in the summary with its error and the others still run."""
    results: list[Result] = []
    summary: dict[str, Any] = {"setting": setting, "figures": {}, "errors": {}}
    t0 = time.perf_counter()
    for figure in figures or list(FIGURES):
        try:
            result = reproduce(figure, setting=setting, out=out)
        except Exception as error:  # one broken figure must not hide the others' verdicts
            summary["errors"][figure] = f"{type(error).__name__}: {error}"
            if echo:
                print(f"{figure}: FAILED ({type(error).__name__}: {error})", file=sys.stderr)
            continue
        results.append(result)
        summary["figures"][figure] = {"seconds": result.seconds, "verdicts": [c.verdict for c in result.claims]}
        if echo:
            print(result.table(), flush=True)
    summary["seconds"] = round(time.perf_counter() - t0, 1)
    summary["machine"] = _machine()
    Path(out).mkdir(parents=True, exist_ok=True)
    (Path(out) / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")
    return results


def _machine() -> dict[str, object]:
    import os
    import platform

    import torch

    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``sadyn reproduce FIG [--quick | --full] [--out DIR]``."""
    parser.add_argument("figure", choices=[*FIGURES, "all"], metavar="FIG", help=f"one of {', '.join(FIGURES)}, or all")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--quick",
        dest="setting",
        action="store_const",
        const="quick",
        help="shipped checkpoints, minutes on 2 CPU cores (default)",
    )
    mode.add_argument(
        "--full",
        dest="setting",
        action="store_const",
        const="full",
        help="larger samples; first retrains the needed checkpoints from their manifest commands (hours on CPU)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("reproduction"),
        metavar="DIR",
        help="folder for the PNG and JSON files (default: ./reproduction)",
    )
    parser.set_defaults(setting="quick")


def run(args: argparse.Namespace) -> int:
    """The ``sadyn reproduce`` subcommand: print each figure's table and verdicts; exit 1 if a figure failed."""
    import torch

    torch.set_num_threads(1)  # small tensors on shared cores: one thread is fastest (sadyn.threads)
    if args.figure == "all":
        t0 = time.perf_counter()
        results = reproduce_all(setting=args.setting, out=args.out, echo=True)
        counts = {v: sum(c.verdict == v for r in results for c in r.claims) for v in VERDICTS}
        print(
            f"\nall ({args.setting}): {len(results)}/{len(FIGURES)} figures in {time.perf_counter() - t0:.0f} s; "
            + ", ".join(f"{k} {n}" for k, n in counts.items())
            + f"; files in {args.out}"
        )
        return 0 if len(results) == len(FIGURES) else 1
    print(reproduce(args.figure, setting=args.setting, out=args.out).table())
    return 0
