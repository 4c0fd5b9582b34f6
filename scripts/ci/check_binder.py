"""Build a fresh virtual environment the way Binder would, from binder/requirements.txt, and run every
tutorial in it.

Binder (repo2docker) runs ``pip install -r binder/requirements.txt`` from the repository root, in an image
that already holds Jupyter and ipykernel. Here PyTorch's CPU index is out of reach, so torch comes first
from this machine's disk (``pip install torch==<pin>``, which pip resolves to the local CPU wheel), and the
index option is dropped for the rest. ipykernel, nbclient and nbformat stand in for Binder's base image.
The package is installed from ``.`` without ``-e``, as on Binder, so this also checks that it ships whole.

Usage::

    python scripts/ci/check_binder.py [--venv PATH] [--keep] [NOTEBOOK ...]  # default: tutorials/*.ipynb

Exits 1 when the install or any notebook fails; prints the time of each phase.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
REQUIREMENTS = REPO / "binder" / "requirements.txt"
CONSTRAINTS = REPO / "constraints.txt"
BINDER_BASE = ("ipykernel", "nbclient", "nbformat")  # what Binder's image provides besides our requirements
INDEX_OPTIONS = ("--extra-index-url", "--index-url", "-i")


def read_requirements(path: Path = REQUIREMENTS) -> tuple[list[str], list[str], list[str]]:
    """Split a requirements file into (index options, requirement specifiers, local paths such as ``.``)."""
    options, requirements, local = [], [], []
    for raw in path.read_text().splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(INDEX_OPTIONS):
            options.append(line)
        elif line.startswith((".", "/", "-e")):
            local.append(line)
        elif line.startswith("-"):
            raise ValueError(f"{path}: unexpected option line {line!r}; extend read_requirements if it is needed.")
        else:
            requirements.append(line)
    return options, requirements, local


def _run(command: list[str | Path], label: str) -> float:
    print(f"check_binder: {label}: {' '.join(map(str, command))}", flush=True)
    start = time.perf_counter()
    try:
        subprocess.run([str(part) for part in command], cwd=REPO, check=True)
    finally:
        seconds = time.perf_counter() - start
        print(f"check_binder: {label}: {seconds:.0f} s", flush=True)
    return seconds


def check(venv: Path, notebooks: list[Path] | None = None) -> dict[str, float]:
    """Build ``venv`` from binder/requirements.txt and run ``notebooks`` (default: every tutorial) in it;
    returns the seconds of each phase."""
    _, requirements, local = read_requirements()
    torch_pin = next((r for r in requirements if r.replace(" ", "").startswith("torch==")), None)
    if torch_pin is None:
        raise ValueError(f"{REQUIREMENTS} must pin torch (torch==X.Y.Z) so the CPU build can be found on disk.")
    rest = [r for r in requirements if r != torch_pin]
    python = venv / "bin" / "python"
    pip = [python, "-m", "pip", "--disable-pip-version-check", "install"]
    times = {
        "venv": _run([sys.executable, "-m", "venv", venv], "create venv"),
        "torch": _run([*pip, torch_pin], "torch from local disk"),
        "requirements": _run(
            [*pip, *rest, *(part for line in local for part in line.split())],
            "binder/requirements.txt without its index option",
        ),
        "binder base": _run([*pip, "-c", CONSTRAINTS, *BINDER_BASE], "stand-ins for Binder's base image"),
    }
    probe = "import sadyn, pathlib; print(pathlib.Path(sadyn.__file__).parent)"
    location = subprocess.run([python, "-c", probe], cwd=venv, capture_output=True, text=True, check=True)
    installed_at = Path(location.stdout.strip())
    if REPO in installed_at.parents:
        raise RuntimeError(f"sadyn was imported from the checkout ({installed_at}), not from the fresh venv.")
    run = [
        python,
        REPO / "scripts" / "maintenance" / "run_notebooks.py",
        "--check",
        *[p.resolve() for p in notebooks or []],
    ]
    times["notebooks"] = _run(run, "run the tutorials")
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venv", type=Path, default=None, help="where to build it (default: a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the venv afterwards")
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: tutorials/*.ipynb")
    args = parser.parse_args(argv)
    workdir = None if args.venv else Path(tempfile.mkdtemp(prefix="sadyn-binder-"))
    venv = args.venv.resolve() if args.venv else workdir / "venv"
    if venv.exists():
        print(f"check_binder: --venv must be a new folder, got {venv}, which exists; remove it or pick another.")
        return 2
    start = time.perf_counter()
    try:
        times = check(venv, args.notebooks)
    except (subprocess.CalledProcessError, RuntimeError, ValueError) as error:
        print(f"check_binder: FAILED: {error}", file=sys.stderr)
        return 1
    finally:
        elapsed = time.perf_counter() - start
        if not args.keep:
            shutil.rmtree(workdir or venv, ignore_errors=True)  # slow on some disks: not in `elapsed`
    phases = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in times.items())
    print(f"check_binder: ok in {elapsed:.0f} s ({phases})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
