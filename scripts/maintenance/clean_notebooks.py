"""Strip what changes from run to run or machine to machine out of notebooks, keeping their outputs.

Removed: saved widget state (``metadata.widgets``; large, and random model ids), the Python version in
``language_info``, any other notebook-level metadata, and per-cell timing and view state (``execution``,
``ExecuteTime``, ``collapsed``, ``scrolled``). Kept: outputs, execution counts, cell ids, cell tags.
The kernel spec is normalized to the standard ``python3`` kernel.

Usage::

    python scripts/maintenance/clean_notebooks.py [NOTEBOOK ...]          # clean in place (default: tutorials/*.ipynb)
    python scripts/maintenance/clean_notebooks.py --check [NOTEBOOK ...]  # exit 1 and list what is not clean
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[2]
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
KEPT_NOTEBOOK_METADATA = ("kernelspec", "language_info")
DROPPED_LANGUAGE_INFO = ("version",)
DROPPED_CELL_METADATA = ("execution", "ExecuteTime", "collapsed", "scrolled")


def default_notebooks() -> list[Path]:
    """``tutorials/*.ipynb`` of this checkout, sorted by name."""
    return sorted((REPO / "tutorials").glob("*.ipynb"))


def problems(nb: nbformat.NotebookNode) -> list[str]:
    """What ``clean_notebook`` would change, one line per item; empty when the notebook is clean."""
    found = [f"notebook metadata {key!r}" for key in nb.metadata if key not in KEPT_NOTEBOOK_METADATA]
    if "kernelspec" in nb.metadata and dict(nb.metadata.kernelspec) != KERNELSPEC:
        found.append(f"kernelspec {dict(nb.metadata.kernelspec)} (expected {KERNELSPEC})")
    language_info = nb.metadata.get("language_info", {})
    found += [f"language_info {key!r}" for key in DROPPED_LANGUAGE_INFO if key in language_info]
    for index, cell in enumerate(nb.cells):
        found += [f"cell {index} metadata {key!r}" for key in DROPPED_CELL_METADATA if key in cell.metadata]
    return found


def clean_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Remove the volatile metadata listed in the module docstring from ``nb`` (in place) and return it."""
    for key in [key for key in nb.metadata if key not in KEPT_NOTEBOOK_METADATA]:
        del nb.metadata[key]
    if "kernelspec" in nb.metadata:
        nb.metadata.kernelspec = nbformat.from_dict(KERNELSPEC)
    for key in DROPPED_LANGUAGE_INFO:
        nb.metadata.get("language_info", {}).pop(key, None)
    for cell in nb.cells:
        for key in DROPPED_CELL_METADATA:
            cell.metadata.pop(key, None)
    return nb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: tutorials/*.ipynb")
    parser.add_argument("--check", action="store_true", help="report, do not write; exit 1 if any is dirty")
    args = parser.parse_args(argv)
    dirty = 0
    for path in args.notebooks or default_notebooks():
        nb = nbformat.read(path, as_version=4)
        found = problems(nb)
        if not found:
            continue
        dirty += 1
        if args.check:
            print(f"{path}: not clean: " + "; ".join(found))
        else:
            nbformat.write(clean_notebook(nb), path)
            print(f"{path}: cleaned ({len(found)} items)")
    return 1 if args.check and dirty else 0


if __name__ == "__main__":
    sys.exit(main())
