"""Peak memory of each tutorial's kernel, for Binder's guaranteed 1 GB (run: python scripts/maintenance/measure_memory.py).

Each notebook runs in a fresh `jupyter nbconvert --execute` process; the peak resident set size of that process
tree (the kernel dominates) is read with getrusage(RUSAGE_CHILDREN) in a separate wrapper process per notebook,
so the numbers do not mix. Writes the table between the memory markers of tutorials/README.md.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "tutorials" / "README.md"
WRAPPER = (
    "import resource, subprocess, sys;"
    "subprocess.run([sys.executable, '-m', 'jupyter', 'nbconvert', '--to', 'notebook', '--execute', '--stdout',"
    " sys.argv[1]], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL);"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def peak_mib(notebook: Path) -> float:
    out = subprocess.run(
        [sys.executable, "-c", WRAPPER, str(notebook)],
        check=True,
        capture_output=True,
        text=True,
        env={"OMP_NUM_THREADS": "1", **__import__("os").environ},
    )
    return int(out.stdout.strip()) / 1024  # ru_maxrss is in KiB on Linux


def main() -> int:
    rows = []
    for nb in sorted((ROOT / "tutorials").glob("[0-9][0-9]_*.ipynb")):
        mib = peak_mib(nb)
        rows.append(f"| {nb.name} | {mib:.0f} MiB |")
        print(rows[-1], flush=True)
    table = "\n".join(
        [
            "<!-- memory:start -->",
            "| notebook | peak memory (kernel) |",
            "|---|---|",
            *rows,
            "",
            "Measured by `python scripts/maintenance/measure_memory.py` (peak resident set size of a fresh kernel).",
            "<!-- memory:end -->",
        ]
    )
    text = README.read_text()
    if "<!-- memory:start -->" in text:
        text = re.sub(r"<!-- memory:start -->.*?<!-- memory:end -->", table, text, flags=re.S)
    else:
        text = text.replace(
            "## How the notebooks are tested",
            f"## Memory (Binder guarantees 1 GB)\n\n{table}\n\n## How the notebooks are tested",
        )
    README.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
