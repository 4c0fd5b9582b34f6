"""binder/requirements.txt is a full lock (scripts/ci/lock_binder.py) that agrees with constraints.txt and
pyproject.toml; (slow) it is what pip resolves today."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[1]
LOCK_LINES = [
    line.strip()
    for line in (REPO / "binder" / "requirements.txt").read_text().splitlines()
    if line.strip() and not line.startswith("#")
]
LOCK = {canonicalize_name(Requirement(x).name): Requirement(x) for x in LOCK_LINES if x[0].isalnum()}
CONSTRAINTS = {
    canonicalize_name(Requirement(line).name): Requirement(line)
    for line in (REPO / "constraints.txt").read_text().splitlines()
    if line.strip() and not line.startswith("#")
}
RUNTIME = [Requirement(r) for r in tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]]


def _pin(requirement: Requirement) -> str:
    [spec] = requirement.specifier
    assert spec.operator == "==" and "*" not in spec.version, f"{requirement} must be pinned to one version"
    return spec.version


def test_every_line_is_a_pin_the_cpu_index_or_the_package() -> None:
    others = [x for x in LOCK_LINES if not x[0].isalnum()]
    assert others == ["--extra-index-url https://download.pytorch.org/whl/cpu", "."]
    assert LOCK_LINES[-1] == "."
    for requirement in LOCK.values():
        _pin(requirement)
        assert not requirement.marker and not requirement.extras, f"{requirement}: a lock line is a bare pin"
    assert len(LOCK) > 2 * len(RUNTIME), "the transitive dependencies are missing: regenerate the lock"


@pytest.mark.parametrize("requirement", RUNTIME, ids=str)
def test_runtime_dependencies_are_locked_inside_their_range(requirement: Requirement) -> None:
    name = canonicalize_name(requirement.name)
    assert name in LOCK, f"{name} is a runtime dependency but not in binder/requirements.txt"
    assert requirement.specifier.contains(_pin(LOCK[name])), f"{LOCK[name]} violates pyproject's {requirement}"


def test_lock_agrees_with_every_pin_of_constraints_txt() -> None:
    shared = set(LOCK) & set(CONSTRAINTS)
    assert {canonicalize_name(r.name) for r in RUNTIME} <= shared
    different = {n: (_pin(LOCK[n]), _pin(CONSTRAINTS[n])) for n in shared if _pin(LOCK[n]) != _pin(CONSTRAINTS[n])}
    assert different == {}, f"binder lock vs constraints.txt: {different}"


@pytest.mark.slow
def test_lock_is_what_pip_resolves_from_constraints() -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "ci" / "lock_binder.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr


README = (REPO / "tutorials" / "README.md").read_text()
MEMORY = {
    m["name"]: int(m["mib"])
    for m in re.finditer(
        r"^\| (?P<name>\d\d_\w+\.ipynb) \| (?P<mib>\d+) MiB \|$", README.split("<!-- memory:start -->")[1], re.M
    )
}
BUDGET_MB = 700  # per kernel, so that one kernel plus JupyterLab fits in Binder's guaranteed 1 GB


def test_memory_note_states_binders_guarantee_and_shutting_kernels_down() -> None:
    assert "Binder guarantees 1 GB" in README and not re.search(r"(?<![\d.])2 GB", README)
    assert "shut the previous kernel down" in README
    assert sorted(MEMORY) == sorted(p.name for p in (REPO / "tutorials").glob("*.ipynb"))


@pytest.mark.parametrize("name", sorted(MEMORY))
def test_each_kernel_fits_the_binder_budget(name: str) -> None:
    assert MEMORY[name] * 1.048576 < BUDGET_MB, f"{name}: {MEMORY[name]} MiB peak, over {BUDGET_MB} MB"
