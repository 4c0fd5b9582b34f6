"""Tests for the CI verdict (scripts/ci/ci_summary.py) and the shape of .ci/run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "scripts" / "ci" / "ci_summary.py"
sys.path.insert(0, str(REPO / "scripts" / "ci"))

import ci_summary  # noqa: E402


def _report(path: Path, cases: list[tuple[str, str, str | None]]) -> Path:
    """A JUnit XML file as pytest writes it: (classname, name, outcome tag or None for passed)."""
    body = ""
    for cls, name, tag in cases:
        outcome = f'<{tag} message="m"/>' if tag else ""
        body += f'<testcase classname="{cls}" name="{name}" time="0.1">{outcome}</testcase>'

    path.write_text(f'<?xml version="1.0"?><testsuites><testsuite name="pytest">{body}</testsuite></testsuites>')
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "tutorials").mkdir()
    for name in ("01_a.ipynb", "02_b.ipynb"):
        (tmp_path / "tutorials" / name).write_text("{}")
    return tmp_path


def _run(project: Path, report: Path, status: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            str(report),
            "--exit-status",
            str(status),
            "--tutorials",
            str(project / "tutorials"),
            "--root",
            str(project),
            "--seconds",
            "12",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )


GOOD = [
    ("tests.test_x", "test_one", None),
    ("tests.test_x", "test_two", "skipped"),
    ("tutorials.01_a.ipynb", "Cell 0", None),
    ("tutorials.02_b.ipynb", "Cell 0", None),
    ("tutorials.02_b.ipynb", "Cell 1", None),
]


def test_a_green_run_passes_and_ends_with_the_counts(project: Path) -> None:
    result = _run(project, _report(project / "r.xml", GOOD), 0)
    assert result.returncode == 0, result.stdout
    lines = result.stdout.splitlines()
    assert "ci: notebook cells collected: 01_a.ipynb 1, 02_b.ipynb 2" in lines
    assert "ci: PASSED" in lines and "ci: wall time 12 s" in lines
    assert lines[-1] == "ci: 4 passed, 0 failed, 1 skipped"


def test_failures_and_errors_fail_the_run(project: Path) -> None:
    cases = [*GOOD, ("tests.test_x", "test_bad", "failure"), ("tests.test_y", "test_y", "error")]
    result = _run(project, _report(project / "r.xml", cases), 1)
    assert result.returncode == 1
    assert "ci: FAILED: the test command exited with status 1; 2 tests failed" in result.stdout
    assert result.stdout.splitlines()[-1] == "ci: 4 passed, 2 failed, 1 skipped"


def test_no_tests_collected_is_a_failure(project: Path) -> None:
    result = _run(project, _report(project / "r.xml", []), 5)
    assert result.returncode == 1
    assert "exited with status 5 (no tests collected)" in result.stdout
    assert "the report counts no test" in result.stdout


def test_an_uncollected_notebook_fails_even_with_exit_status_0(project: Path) -> None:
    cases = [case for case in GOOD if not case[0].startswith("tutorials.02_b")]
    result = _run(project, _report(project / "r.xml", cases), 0)
    assert result.returncode == 1
    assert "notebooks with no collected cell (is nbval on?): 02_b.ipynb" in result.stdout


def test_a_missing_report_fails(project: Path) -> None:
    result = _run(project, project / "never-written.xml", 2)
    assert result.returncode == 1
    assert "no test report was written" in result.stdout
    assert result.stdout.splitlines()[-1] == "ci: 0 passed, 0 failed, 0 skipped"


def test_notebook_classname_matches_what_nbval_reports(project: Path) -> None:
    assert ci_summary.notebook_classname(project / "tutorials" / "01_a.ipynb", project) == "tutorials.01_a.ipynb"


def test_ci_run_script_builds_a_fresh_venv_and_runs_make_test() -> None:
    script = REPO / ".ci" / "run"
    text = script.read_text()
    assert text.startswith("#!/usr/bin/env bash\n") and "\nset -euo pipefail\n" in text
    assert os.access(script, os.X_OK)
    assert 'if [[ -e .venv ]]; then\n    export VENV="$work/venv"\nfi' in text
    assert '\n[ "$status" -ne 0 ] || make test || status=$?\n' in text
    lint = '\n[ "$status" -ne 0 ] || make lint || status=$?\n'
    assert lint in text and text.index(lint) < text.index("|| make test ||"), "make lint must run before the tests"
    assert text.index("make setup") < text.index(lint)
    assert "scripts/ci/install_browser.sh" in text and "SADYN_REQUIRE_BROWSER=1" in text
    assert "scripts/ci/ci_summary.py" in text.splitlines()[-2]
