"""binder/ matches the package: same runtime dependencies as pyproject.toml, pinned to the tested versions,
CPU torch, Python 3.11; and (slow) a fresh environment built from it runs every tutorial."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts" / "ci"))

import check_binder  # noqa: E402

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
RUNTIME = {canonicalize_name(Requirement(r).name): Requirement(r) for r in PYPROJECT["project"]["dependencies"]}
OPTIONS, BINDER_LINES, LOCAL = check_binder.read_requirements()
BINDER = {canonicalize_name(Requirement(r).name): Requirement(r) for r in BINDER_LINES}


def _pin(requirement: Requirement) -> str:
    [spec] = requirement.specifier
    assert spec.operator == "==", f"{requirement} must be pinned with =="
    return spec.version


def test_binder_lists_every_runtime_dependency() -> None:
    # binder/requirements.txt is a full lock (scripts/ci/lock_binder.py; tests/test_binder_lock.py), so it also
    # holds the transitive dependencies.
    assert set(RUNTIME) - set(BINDER) == set(), "a runtime dependency missing from binder/requirements.txt"


@pytest.mark.parametrize("name", sorted(RUNTIME))
def test_binder_pins_satisfy_pyproject_and_match_constraints(name: str) -> None:
    pinned = _pin(BINDER[name])
    assert RUNTIME[name].specifier.contains(pinned), f"{name}=={pinned} violates pyproject's {RUNTIME[name]}"
    constraints = {
        canonicalize_name(Requirement(line).name): Requirement(line)
        for line in (REPO / "constraints.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert _pin(constraints[name]) == pinned, f"binder pins {name}=={pinned}, constraints.txt another version"


def test_binder_gets_cpu_torch_and_installs_the_package() -> None:
    assert OPTIONS == ["--extra-index-url https://download.pytorch.org/whl/cpu"]
    assert _pin(BINDER["torch"]) == "2.13.0"
    assert LOCAL == ["."]


def test_runtime_is_python_311() -> None:
    runtime = (REPO / "binder" / "runtime.txt").read_text().strip()
    assert runtime == "python-3.11"
    requires = PYPROJECT["project"]["requires-python"]
    from packaging.specifiers import SpecifierSet

    assert SpecifierSet(requires).contains("3.11")


def test_read_requirements_rejects_unknown_options(tmp_path: Path) -> None:
    path = tmp_path / "requirements.txt"
    path.write_text("numpy==2.0\n--pre\n")
    with pytest.raises(ValueError, match=r"unexpected option line '--pre'; extend read_requirements"):
        check_binder.read_requirements(path)


@pytest.mark.slow
def test_a_fresh_binder_environment_runs_the_tutorials() -> None:
    """Build a venv from binder/requirements.txt (torch from local disk) and run every tutorial in it.
    Takes about 3 minutes, most of it installing torch."""
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "ci" / "check_binder.py")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=1800,
    )
    lines = [line for line in result.stdout.splitlines() if "WARNING: Location" not in line]
    tail = "\n".join(lines[-60:])
    assert result.returncode == 0, tail
    assert "check_binder: ok in" in result.stdout
