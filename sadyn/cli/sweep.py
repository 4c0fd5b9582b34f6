"""``sadyn sweep SPEC --out DIR``: many training runs from one TOML spec (the work is in :mod:`sadyn.solver.sweep`).

Ctrl-C or SIGTERM stops the sweep and its trainers: each saves a resumable ``last.pt`` after its current batch,
queued runs are cancelled, and the command exits with 130 or 143 (128 + the signal); run it again to continue."""

from __future__ import annotations

import argparse
import signal
from pathlib import Path

from ._errors import CommandError, check_output_folder, integer_at_least

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``sadyn sweep`` flags."""
    parser.add_argument("spec", type=Path, help="a TOML sweep spec ([base], [grid], [[run]], [sweep], [slurm])")
    parser.add_argument("--out", type=Path, required=True, help="sweep folder: one run folder each + results.csv")
    parser.add_argument(
        "--executor", choices=("local", "slurm"), default="local", help="local processes or Slurm via submitit"
    )
    parser.add_argument(
        "--jobs", type=integer_at_least(1), default=1, help="parallel runs (local processes / array tasks at once)"
    )
    parser.add_argument("--dry-run", action="store_true", help="list the runs and what would happen; run nothing")


def run(args: argparse.Namespace) -> int:
    """Check the spec and the output folder first, then run or submit; errors become ``sadyn sweep: error: ...``."""
    from ..solver.sweep import run_sweep

    out = check_output_folder(args.out, "--out")
    try:
        report = run_sweep(args.spec, out, executor=args.executor, jobs=args.jobs, dry_run=args.dry_run)
    except (ValueError, TypeError, RuntimeError) as error:
        raise CommandError(str(error)) from None
    except OSError as error:
        raise CommandError(f"writing the sweep in --out {out} failed: {error}") from None
    if report["signal"] is not None:
        name = signal.Signals(report["signal"]).name
        print(f"sadyn sweep: stopped by {name}; interrupted runs resume from their last.pt (run the same command).")
        return 128 + int(report["signal"])
    if report["results"] is not None:
        print(
            f"{report['runs']} runs: {report['skipped']} already done, {report['submitted']} run or submitted; "
            f"results in {report['results']}"
        )
    return 0
