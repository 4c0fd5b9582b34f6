"""Execute every tutorial top to bottom in a fresh kernel, time it, and refresh the committed outputs.

For each notebook: start a new kernel of *this* Python (not whatever ``python3`` kernel Jupyter finds),
run all cells, stop at the first error. On success the notebook is written back with its new outputs and
cleaned (``clean_notebooks.py``), and its run time (kernel start to last cell) goes into the table between
``<!-- runtimes:start -->`` and ``<!-- runtimes:end -->`` in ``tutorials/README.md``.

Usage::

    python scripts/maintenance/run_notebooks.py                      # all of tutorials/*.ipynb, refresh outputs + table
    python scripts/maintenance/run_notebooks.py tutorials/01_*.ipynb # only these; other rows of the table are kept
    python scripts/maintenance/run_notebooks.py --check              # execute only: write nothing, exit 1 on any error

The kernels get ``OMP_NUM_THREADS=1`` (``--threads``), as under ``make test``: small torch ops are much
slower with two threads on a busy 2-core machine (``numerics.md``, pitfall 8).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import sys
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ci"))
from clean_notebooks import clean_notebook, default_notebooks  # noqa: E402
from notebook_outputs import static_outputs  # noqa: E402  (widgets -> their static figure / final text)

REPO = Path(__file__).resolve().parents[2]
README = REPO / "tutorials" / "README.md"
START, END = "<!-- runtimes:start -->", "<!-- runtimes:end -->"
ROW = re.compile(r"^\| \[(?P<name>[^\]]+)\]\([^)]*\) \| (?P<seconds>[\d.]+) s \|$", re.MULTILINE)
CURRENT_ENV_KERNEL = "sadyn-current-env"


@dataclass(frozen=True)
class RunResult:
    """One notebook's run: ``seconds`` from kernel start to the end of the last cell; ``error`` is None
    on success, else the error nbclient reported (the failing cell and its traceback)."""

    path: Path
    seconds: float
    error: str | None


def _kernel_manager():  # -> jupyter_client.KernelManager
    """A kernel manager whose kernel is ipykernel in the Python running this script."""
    from ipykernel.kernelspec import RESOURCES, get_kernel_dict
    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
    from jupyter_client.manager import KernelManager

    class CurrentEnvSpecs(KernelSpecManager):
        def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
            return KernelSpec(resource_dir=RESOURCES, **get_kernel_dict())

    return KernelManager(kernel_name=CURRENT_ENV_KERNEL, kernel_spec_manager=CurrentEnvSpecs())


def execute(path: Path, *, timeout: float) -> tuple[nbformat.NotebookNode, RunResult]:
    """Run ``path`` in a fresh kernel (working directory: the notebook's folder); outputs replace the old."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    nb = nbformat.read(path, as_version=4)
    km = _kernel_manager()
    client = NotebookClient(
        nb, km=km, timeout=timeout, record_timing=False, resources={"metadata": {"path": str(path.parent)}}
    )
    start = time.perf_counter()
    error = None
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as exc:
        error = f"{type(exc).__name__}: {exc}"
    finally:
        seconds = time.perf_counter() - start
        if km.has_kernel:  # nbclient leaves a kernel manager it was given running
            km.shutdown_kernel(now=True)
    return nb, RunResult(path, seconds, error)


def machine_line(threads: int) -> str:
    """Where the times were measured, in one sentence."""
    return (
        f"Measured by `python scripts/maintenance/run_notebooks.py` (fresh kernel, first cell to last) on "
        f"{os.cpu_count()} CPU cores, Python {platform.python_version()}, torch {metadata.version('torch')}, "
        f"OMP_NUM_THREADS={threads}."
    )


def runtime_table(text: str, results: list[RunResult], *, folder: Path, threads: int) -> str:
    """``text`` (the README in ``folder``) with the table between the markers rebuilt: the rows of
    ``results`` replace or join the existing rows; rows of notebooks that no longer exist are dropped."""
    if START not in text or END not in text:
        raise ValueError(f"README has no run-time table markers; add a line {START!r} and a line {END!r}.")
    head, rest = text.split(START, 1)
    old, tail = rest.split(END, 1)
    seconds = {m["name"]: float(m["seconds"]) for m in ROW.finditer(old) if (folder / m["name"]).exists()}
    seconds.update({os.path.relpath(r.path, folder): r.seconds for r in results})
    rows = "\n".join(f"| [{name}]({name}) | {seconds[name]:.1f} s |" for name in sorted(seconds))
    table = f"\n| notebook | run time |\n|---|---|\n{rows}\n\n{machine_line(threads)}\n"
    return f"{head}{START}{table}{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: tutorials/*.ipynb")
    parser.add_argument("--check", action="store_true", help="execute only; write nothing")
    parser.add_argument("--timeout", type=float, default=600, help="seconds allowed per cell (default 600)")
    parser.add_argument("--threads", type=int, default=1, help="OMP_NUM_THREADS for the kernels (default 1)")
    parser.add_argument("--readme", type=Path, default=README, help="README holding the run-time table")
    args = parser.parse_args(argv)
    paths = [p.resolve() for p in args.notebooks] or default_notebooks()
    if not paths:
        print("run_notebooks: no notebooks found (tutorials/*.ipynb is empty); nothing ran", file=sys.stderr)
        return 1
    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    results = []
    for path in paths:
        nb, result = execute(path, timeout=args.timeout)
        results.append(result)
        status = "ok" if result.error is None else "FAILED"
        print(f"{path.name}: {result.seconds:.1f} s {status}", flush=True)
        if result.error is not None:
            print(result.error, file=sys.stderr)
        elif not args.check:
            nbformat.write(clean_notebook(static_outputs(nb)), path)
    failed = [r for r in results if r.error is not None]
    if not args.check and not failed:
        readme = args.readme.resolve()
        text = runtime_table(readme.read_text(), results, folder=readme.parent, threads=args.threads)
        readme.write_text(text)
    print(f"run_notebooks: {len(results) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
