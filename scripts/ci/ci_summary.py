"""Judge a CI test run from pytest's JUnit XML report, and print its summary line (stdlib only).

The run fails when the test command's exit status is not 0, when the report is missing or counts no test
(pytest's exit status 5, "no tests collected", is a failure too), or when a notebook of the tutorials
folder has no collected cell (nbval not enabled, or a notebook silently skipped). The last line printed is
``ci: N passed, N failed, N skipped``.

Usage::

    python3 scripts/ci/ci_summary.py REPORT.xml --exit-status N [--tutorials tutorials] [--seconds S]
"""

from __future__ import annotations

import argparse
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Summary:
    """Counts of a pytest run, and the cells collected per notebook (keyed by JUnit classname)."""

    passed: int = 0
    failed: int = 0
    skipped: int = 0
    cells: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return self.passed + self.failed + self.skipped


def read_report(path: Path) -> Summary:
    """Count the test cases of a JUnit XML report; an error or failure counts once per test case."""
    summary = Summary()
    for case in ET.parse(path).getroot().iter("testcase"):
        outcomes = {child.tag for child in case}
        if outcomes & {"failure", "error"}:
            summary.failed += 1
        elif "skipped" in outcomes:
            summary.skipped += 1
        else:
            summary.passed += 1
        classname = case.get("classname", "")
        if classname.endswith(".ipynb"):
            summary.cells[classname] += 1
    return summary


def notebook_classname(notebook: Path, root: Path = REPO) -> str:
    """The JUnit classname nbval's cells get: the path from pytest's rootdir, with dots for slashes."""
    return ".".join(notebook.resolve().relative_to(root).parts)


def problems(summary: Summary | None, exit_status: int, notebooks: list[Path], root: Path = REPO) -> list[str]:
    """Everything that makes the run a failure; empty when it passed."""
    found = []
    if exit_status != 0:
        meaning = " (no tests collected)" if exit_status == 5 else ""
        found.append(f"the test command exited with status {exit_status}{meaning}")
    if summary is None:
        found.append("no test report was written: the set-up or pytest failed before tests ran")
        return found
    if summary.total == 0:
        found.append("the report counts no test")
    if summary.failed:
        found.append(f"{summary.failed} tests failed")
    if not notebooks:
        found.append("no tutorials/*.ipynb to test")
    missing = [nb.name for nb in notebooks if summary.cells[notebook_classname(nb, root)] == 0]
    if missing:
        found.append(f"notebooks with no collected cell (is nbval on?): {', '.join(missing)}")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path)
    parser.add_argument("--exit-status", type=int, required=True, help="exit status of the test command")
    parser.add_argument("--tutorials", type=Path, default=REPO / "tutorials")
    parser.add_argument("--root", type=Path, default=REPO, help="pytest's rootdir (default: this checkout)")
    parser.add_argument("--seconds", type=float, default=None, help="wall time of the run, to print")
    args = parser.parse_args(argv)
    notebooks = sorted(args.tutorials.resolve().glob("*.ipynb"))
    summary = read_report(args.report) if args.report.is_file() else None
    found = problems(summary, args.exit_status, notebooks, args.root.resolve())
    if summary is not None:
        cells = ", ".join(f"{nb.name} {summary.cells[notebook_classname(nb, args.root.resolve())]}" for nb in notebooks)
        print(f"ci: notebook cells collected: {cells or 'none'}")
    if args.seconds is not None:
        print(f"ci: wall time {args.seconds:.0f} s")
    print("ci: PASSED" if not found else "ci: FAILED: " + "; ".join(found))
    counts = summary or Summary()
    print(f"ci: {counts.passed} passed, {counts.failed} failed, {counts.skipped} skipped")
    return 0 if not found else 1


if __name__ == "__main__":
    sys.exit(main())
