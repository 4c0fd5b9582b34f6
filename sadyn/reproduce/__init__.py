"""``sadyn reproduce``: regenerate the paper's figures at teaching scale and judge its claims.

Each entry of :data:`FIGURES` is a module with four functions, kept apart so each can be tested and reused:
``measure(setting, out) -> numbers`` (a dict; keys starting with ``_`` are working data for the figure and are
not saved), ``claims(numbers) -> [Claim]`` (each judged by a stated criterion: "holds", "does not hold",
"inconclusive"), ``draw(numbers) -> Figure`` and ``describe(numbers) -> {title, paper, ours, differences,
notes}``; :mod:`sadyn.reproduce.causes` gives each claim that does not hold its measured reason (a sentence
built from the numbers, never typed by hand). :func:`reproduce` runs them and saves ``<out>/<figure>.png`` and
``<out>/<figure>.json`` once; ``scripts/maintenance/make_reproduction.py`` turns the JSON files into
``REPRODUCTION.md``.

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

from ._core import SETTINGS, SMOKE, VERDICTS, Claim, Result, Setting, generic_cause, save

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


def _with_causes(figure: str, claims: list[Claim], numbers: dict[str, Any]) -> list[Claim]:
    """Each claim that does not hold with its measured reason: the figure's function in
    :data:`sadyn.reproduce.causes.CAUSES`, a sentence from the measured numbers, or where it has none,
    :func:`~._core.generic_cause` (the numbers against the criterion)."""
    import dataclasses

    from .causes import CAUSES

    explain = CAUSES.get(figure)

    def reason(c: Claim) -> str:
        return str((explain(c, numbers, claims) if explain is not None else "") or generic_cause(c))

    return [dataclasses.replace(c, cause=reason(c)) if c.verdict == "does not hold" else c for c in claims]


def reproduce(figure: str, *, setting: Setting = "quick", out: str | Path = "reproduction") -> Result:
    """Run one reproduction (``figure`` a key of :data:`FIGURES`) and return its :class:`Result` (files in ``out``)."""
    if figure not in FIGURES:
        raise ValueError(f"`figure` must be one of {list(FIGURES)} (or 'all' on the command line), got {figure!r}.")
    if setting not in SETTINGS and setting != SMOKE:
        raise ValueError(f"`setting` must be one of {SETTINGS}, got {setting!r}; the CLI spells them --quick / --full.")
    module = importlib.import_module(FIGURES[figure][0])
    t0 = time.perf_counter()
    numbers = module.measure(setting, Path(out))
    claims = _with_causes(figure, module.claims(numbers), numbers)
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


# expected cost order (longest first), so that ``jobs`` worker processes finish close together: Fig. 3's 9x9
# variants take about half of a quick run, the others minutes or less (REPRODUCTION.md's per-figure times)
_LONGEST_FIRST = ("fig3", "fig5", "fig6", "fig4", "figS5", "figS1", "fig2", "fig1")


def _default_jobs(setting: Setting, count: int) -> int:
    """Worker processes when ``jobs`` is None: the usable CPUs (affinity mask and cgroup quota) for ``quick``,
    one otherwise (``full`` retrains shared checkpoints; the reduced settings are too short to pay for workers)."""
    if setting != "quick":
        return 1
    from ..sudoku._generate import available_cpus

    return max(1, min(available_cpus(), count))


def _check_jobs(jobs: object, setting: Setting, count: int) -> int:
    if jobs is None:
        return _default_jobs(setting, count)
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"`jobs` must be a positive integer (worker processes), got {jobs!r}.")
    if jobs > 1 and setting == "full":
        raise ValueError(
            "`jobs` > 1 with setting='full': the figures retrain checkpoints they share into `out` (Figs. 3, 4, 5 "
            "and S.1 all need itrsa9-rms), and two runs may not train into one folder. Use jobs=1 for --full."
        )
    return min(jobs, max(count, 1))


def _worker_start(threads: int) -> None:
    import torch

    torch.set_num_threads(threads)


def _reproduce_or_error(figure: str, setting: Setting, out: str) -> Result | str:
    """:func:`reproduce` in a worker process; an exception comes back as its text (not every one pickles)."""
    try:
        return reproduce(figure, setting=setting, out=out)
    except Exception as error:
        return f"{type(error).__name__}: {error}"


def reproduce_all(
    *,
    setting: Setting = "quick",
    out: str | Path = "reproduction",
    figures: list[str] | None = None,
    echo: bool = False,
    jobs: int | None = None,
) -> list[Result]:
    """Run every reproduction in :data:`FIGURES` (or ``figures``); write ``<out>/summary.json``; return the results
    in :data:`FIGURES` order.

    ``jobs`` worker processes (default: the usable CPUs for ``quick``, else 1) run the figures longest first, each
    at this process's torch thread count; every figure is computed from its own seeds, so its numbers do not
    depend on ``jobs``. A figure that raises is recorded in the summary with its error and the others still run.
    A script that calls this with ``jobs > 1`` must do so under ``if __name__ == "__main__":`` (workers start with
    "spawn")."""
    import torch

    chosen = figures or list(FIGURES)
    unknown = [f for f in chosen if f not in FIGURES]
    if unknown:
        raise ValueError(f"`figures` must be keys of FIGURES {list(FIGURES)}, got {unknown}.")
    workers = _check_jobs(jobs, setting, len(chosen))
    summary: dict[str, Any] = {"setting": setting, "figures": {}, "errors": {}}
    done: dict[str, Result] = {}
    t0 = time.perf_counter()

    def record(figure: str, outcome: Result | str) -> None:
        if isinstance(outcome, str):
            summary["errors"][figure] = outcome
            if echo:
                print(f"{figure}: FAILED ({outcome})", file=sys.stderr, flush=True)
            return
        done[figure] = outcome
        if echo:
            print(outcome.table(), flush=True)

    if workers == 1:
        for figure in chosen:
            record(figure, _reproduce_or_error(figure, setting, str(out)))
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed
        from concurrent.futures.process import BrokenProcessPool

        order = sorted(chosen, key=lambda f: _LONGEST_FIRST.index(f) if f in _LONGEST_FIRST else -1)
        context = multiprocessing.get_context("spawn")
        threads = torch.get_num_threads()
        with ProcessPoolExecutor(workers, mp_context=context, initializer=_worker_start, initargs=(threads,)) as pool:
            futures = {pool.submit(_reproduce_or_error, f, setting, str(out)): f for f in order}
            for future in as_completed(futures):
                try:
                    outcome = future.result()
                except BrokenProcessPool as error:  # a worker died (out of memory, a signal)
                    outcome = f"BrokenProcessPool: a worker process ended abruptly ({error})"
                record(futures[future], outcome)
    results = [done[f] for f in chosen if f in done]
    for result in results:
        summary["figures"][result.figure] = {"seconds": result.seconds, "verdicts": [c.verdict for c in result.claims]}
    summary["errors"] = {f: summary["errors"][f] for f in chosen if f in summary["errors"]}
    summary["seconds"] = round(time.perf_counter() - t0, 1)
    summary["machine"] = {**_machine(), "jobs": workers}
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
    """``sadyn reproduce FIG [--quick | --full] [--out DIR] [--jobs N]``."""
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
    from ..cli._errors import integer_at_least

    parser.add_argument(
        "--jobs",
        type=integer_at_least(1),
        default=None,
        metavar="N",
        help="with all: worker processes, one figure each at a time (default: the usable CPUs with --quick, "
        "1 with --full)",
    )
    parser.set_defaults(setting="quick")


def run(args: argparse.Namespace) -> int:
    """The ``sadyn reproduce`` subcommand: print each figure's table and verdicts; exit 1 if a figure failed."""
    import torch

    torch.set_num_threads(1)  # small tensors on shared cores: one thread is fastest (sadyn.threads)
    if args.jobs is not None and args.figure != "all":
        print(
            f"sadyn reproduce: error: --jobs applies to `all` only (one figure runs in this process), got "
            f"--jobs {args.jobs} with {args.figure}.",
            file=sys.stderr,
        )
        return 2
    if args.figure == "all":
        t0 = time.perf_counter()
        try:
            results = reproduce_all(setting=args.setting, out=args.out, echo=True, jobs=args.jobs)
        except ValueError as error:
            print(f"sadyn reproduce: error: {error}", file=sys.stderr)
            return 2
        counts = {v: sum(c.verdict == v for r in results for c in r.claims) for v in VERDICTS}
        print(
            f"\nall ({args.setting}): {len(results)}/{len(FIGURES)} figures in {time.perf_counter() - t0:.0f} s; "
            + ", ".join(f"{k} {n}" for k, n in counts.items())
            + f"; files in {args.out}"
        )
        return 0 if len(results) == len(FIGURES) else 1
    print(reproduce(args.figure, setting=args.setting, out=args.out).table())
    return 0
