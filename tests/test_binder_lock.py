"""binder/requirements.txt is a full lock (scripts/ci/lock_binder.py) that agrees with constraints.txt and
pyproject.toml; (slow) pip, given the lock's own pins as constraints, installs exactly those packages (a closed,
consistent lock; not "what pip resolves today", which changes with the day and the machine's index)."""

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
sys.path.insert(0, str(REPO / "scripts" / "ci"))
import lock_binder  # noqa: E402

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


def test_read_lock_reads_every_pin_and_skips_options_comments_and_the_package(tmp_path: Path) -> None:
    pins = lock_binder.read_lock(REPO / "binder" / "requirements.txt")
    assert sorted(pins) == sorted(LOCK)
    assert all(pins[name] == _pin(requirement) for name, requirement in LOCK.items())
    lock = tmp_path / "requirements.txt"
    lock.write_text("# a comment\n--extra-index-url https://x\nTyping_Extensions==4.12.2\nnumpy==2.1.0\n\n.\n")
    assert lock_binder.read_lock(lock) == {"typing-extensions": "4.12.2", "numpy": "2.1.0"}
    lock.write_text("numpy>=2\n.\n")
    with pytest.raises(ValueError, match="'numpy>=2' is not a name==version pin"):
        lock_binder.read_lock(lock)


def test_differences_names_missing_extra_and_other_versions() -> None:
    lock = {"a": "1.0", "b": "2.0", "c": "3.0"}
    assert lock_binder.differences(lock, dict(lock)) == []
    lines = lock_binder.differences(lock, {"a": "1.0", "b": "2.1", "d": "4.0"})
    assert lines == [
        "  missing from the lock: d==4.0",
        "  in the lock but not needed: c==3.0",
        "  b: lock 2.0, pip 2.1",
    ]


def _fake_resolve(result: dict[str, str] | None):
    def resolve(python: str = sys.executable, pins: dict[str, str] | None = None) -> dict[str, str]:
        assert pins is not None, "--check must resolve under the lock's own pins"
        if result is None:
            raise subprocess.CalledProcessError(1, ["pip"])
        return result

    return resolve


@pytest.mark.parametrize(
    ("resolved", "code", "message"),
    [
        ({"numpy": "2.1.0", "torch": "2.13.0"}, 0, "closed and consistent (2 pins)"),
        ({"numpy": "2.1.0", "torch": "2.13.0", "sympy": "1.13"}, 1, "missing from the lock: sympy==1.13"),
        ({"numpy": "2.1.0"}, 1, "in the lock but not needed: torch==2.13.0"),
        (None, 1, "pip cannot install the pins"),
    ],
)
def test_check_reports_what_is_wrong_with_a_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], resolved, code, message
) -> None:
    lock = tmp_path / "requirements.txt"
    lock.write_text("numpy==2.1.0\ntorch==2.13.0\n.\n")
    monkeypatch.setattr(lock_binder, "resolve", _fake_resolve(resolved))
    assert lock_binder.main(["--check", "--lock", str(lock)]) == code
    out = capsys.readouterr()
    assert message in out.out + out.err
    assert lock.read_text() == "numpy==2.1.0\ntorch==2.13.0\n.\n", "--check writes nothing"


@pytest.mark.slow
def test_lock_is_closed_and_consistent_under_its_own_pins() -> None:
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
