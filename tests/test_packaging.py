"""The install path hangs together: pyproject.toml, constraints.txt, the Makefile, README's two commands and
the console script."""

from __future__ import annotations

import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
DECLARED = [
    Requirement(r)
    for r in PYPROJECT["project"]["dependencies"]
    + [dep for extra in PYPROJECT["project"]["optional-dependencies"].values() for dep in extra]
]
CONSTRAINTS = {
    canonicalize_name(Requirement(line).name): Requirement(line)
    for line in (REPO / "constraints.txt").read_text().splitlines()
    if line.strip() and not line.lstrip().startswith("#")
}


@pytest.mark.parametrize("requirement", [r for r in DECLARED if r.marker is None or r.marker.evaluate()], ids=str)
def test_every_dependency_is_pinned_within_its_range(requirement: Requirement) -> None:
    name = canonicalize_name(requirement.name)
    assert name in CONSTRAINTS, f"{requirement} is declared in pyproject.toml but not pinned in constraints.txt"
    [spec] = CONSTRAINTS[name].specifier
    assert spec.operator == "==" and requirement.specifier.contains(spec.version), (
        f"constraints.txt pins {CONSTRAINTS[name]}, outside pyproject's {requirement}"
    )


def test_constraints_pin_only_declared_packages_and_cpu_torch_first() -> None:
    declared = {canonicalize_name(r.name) for r in DECLARED}
    assert set(CONSTRAINTS) <= declared, f"pinned but not declared: {set(CONSTRAINTS) - declared}"
    assert str(CONSTRAINTS["torch"]) == "torch==2.13.0"


def test_console_script_points_at_the_cli() -> None:
    assert PYPROJECT["project"]["scripts"] == {"sadyn": "sadyn.cli:main"}
    [entry] = metadata.entry_points(group="console_scripts", name="sadyn")
    from sadyn import cli

    assert entry.load() is cli.main


def test_makefile_installs_torch_first_and_has_readmes_commands() -> None:
    dry = subprocess.run(
        ["make", "-n", "-B", "setup", "VENV=/nonexistent/venv"], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert dry.returncode == 0, dry.stderr
    installs = [line for line in dry.stdout.splitlines() if " pip " in line and " install " in line]
    assert len(installs) == 2
    assert installs[0].split()[-3:] == ["-c", "constraints.txt", "torch"]
    assert installs[1].split()[-4:] == ["-c", "constraints.txt", "-e", '".[dev]"']
    for target in ("lab", "test"):
        assert re.search(rf"^{target}: \$\(STAMP\)$", (REPO / "Makefile").read_text(), re.MULTILINE)


def test_make_lint_runs_ruff_format_and_mypy_from_the_dev_extra() -> None:
    dry = subprocess.run(
        ["make", "-n", "lint", "VENV=/nonexistent/venv"], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert dry.returncode == 0, dry.stderr
    lines = dry.stdout.splitlines()
    paths = "sadyn tests scripts benchmarks docs"
    assert any(f"-m ruff check {paths}" in line for line in lines), lines
    assert any(f"-m ruff format --check {paths}" in line for line in lines), lines
    assert any(line.endswith("-m mypy") for line in lines), lines  # [tool.mypy] packages = ["sadyn"]
    assert PYPROJECT["tool"]["mypy"]["packages"] == ["sadyn"]
    dev = {canonicalize_name(Requirement(r).name) for r in PYPROJECT["project"]["optional-dependencies"]["dev"]}
    assert {"ruff", "mypy", "hypothesis"} <= dev and {"ruff", "mypy", "hypothesis"} <= set(CONSTRAINTS)


def test_readme_gives_the_two_commands() -> None:
    readme = (REPO / "README.md").read_text()
    blocks = re.findall(r"```(\w*)\n(.*?)```", readme, flags=re.DOTALL)
    commands = [line.strip() for lang, block in blocks if lang in ("", "bash", "sh") for line in block.splitlines()]
    assert "make lab" in commands and "make test" in commands
