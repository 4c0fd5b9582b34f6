"""(slow) The wheel and the sdist built from this checkout, offline: what they hold, and the wheel installed
outside the repository gives `sadyn --version`, a shipped 9x9 checkpoint and the nine tutorials."""

from __future__ import annotations

import email
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

import sadyn

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p.name for p in (REPO / "tutorials").glob("*.ipynb"))
pytestmark = pytest.mark.slow


def _build(kind: str, out: Path) -> Path:
    """``pip wheel`` / ``python -m build`` without build isolation: the setuptools of this environment, no network."""
    if kind == "wheel":
        command = [sys.executable, "-m", "pip", "wheel", "--no-build-isolation", "--no-deps", "-w", str(out), str(REPO)]
    else:
        pytest.importorskip("build", reason="the sdist check needs `pip install build`")
        command = [sys.executable, "-m", "build", "--sdist", "--no-isolation", "-o", str(out), str(REPO)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=out)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    [built] = out.glob("*.whl" if kind == "wheel" else "*.tar.gz")
    return built


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build("wheel", tmp_path_factory.mktemp("wheel"))


def test_wheel_holds_licence_tutorials_checkpoints_and_py_typed(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        metadata = archive.read(f"sadyn-{sadyn.__version__}.dist-info/METADATA")
    info = f"sadyn-{sadyn.__version__}.dist-info"
    assert f"{info}/licenses/LICENSE" in names
    assert "sadyn/py.typed" in names
    assert {f"sadyn/_tutorials/{n}" for n in NOTEBOOKS} <= names and len(NOTEBOOKS) == 9
    assert {f"sadyn/teaching/solutions/solutions_0{i}.py" for i in range(1, 10)} <= names
    assert not any(n.startswith("sadyn/_tutorials/solutions") for n in names)
    assert {
        "sadyn/solver/pretrained/itrsa9-rms.pt",
        "sadyn/solver/pretrained/akorn9.pt",
        "sadyn/solver/pretrained/manifest.json",
        "sadyn/solver/pretrained/shipped.toml",
    } <= names
    meta = email.message_from_bytes(metadata)
    assert meta["Version"] == sadyn.__version__ and meta["License-Expression"] == "MIT"
    assert "torch>=2.3" in meta.get_all("Requires-Dist")
    assert any(c.startswith("Typing :: Typed") for c in meta.get_all("Classifier"))
    assert "docs/overview.png" not in meta.get_payload(), "an image path that only works in the repository"


def test_sdist_holds_the_complete_tests_and_the_tutorials(tmp_path: Path) -> None:
    sdist = _build("sdist", tmp_path)
    root = f"sadyn-{sadyn.__version__}"
    with tarfile.open(sdist) as archive:
        names = set(archive.getnames())
    expected = ["LICENSE", "CITATION.cff", "CHANGELOG.md", "tests/conftest.py", "tests/problems.py", "docs/conf.py"]
    expected += [f"tutorials/{n}" for n in NOTEBOOKS] + [
        "tests/notebooks/nbval_plugin.py",
        "tests/notebooks/nbval_sanitize.cfg",
    ]
    expected += [p.relative_to(REPO).as_posix() for p in (REPO / "tests").glob("test_*.py")]
    assert {f"{root}/{e}" for e in expected} - names == set()


def test_installed_wheel_works_outside_the_repository(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    install = [sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--target", str(target), str(wheel)]
    result = subprocess.run(install, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    env = {**os.environ, "PYTHONPATH": str(target), "OMP_NUM_THREADS": "1"}  # the dependencies of this env, this wheel
    script = (
        "import sys, sadyn as sd, sadyn._bundle as b\n"
        f"assert sd.__file__.startswith({str(target)!r}), sd.__file__\n"
        "model = sd.load_pretrained('itrsa9-rms')\n"
        "print('size', model.size)\n"
        "report = b.copy_tutorials('mine')\n"
        "print('copied', sorted(p for p in report.copied if p.endswith('.ipynb')))\n"
    )
    work = tmp_path / "elsewhere"
    work.mkdir()
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, cwd=work, env=env)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "size 9" in run.stdout and f"copied {NOTEBOOKS}" in run.stdout
    assert sorted(p.name for p in (work / "mine").glob("*.ipynb")) == NOTEBOOKS
    version = subprocess.run(
        [sys.executable, "-m", "sadyn", "--version"], capture_output=True, text=True, timeout=120, cwd=work, env=env
    )
    assert version.stdout.strip() == f"sadyn {sadyn.__version__}", version.stderr
