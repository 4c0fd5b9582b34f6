#!/usr/bin/env bash
# make test-oldest: a fresh venv with the OLDEST version of every runtime dependency that pyproject.toml allows
# (each `name>=X` installed as `name==X`), then the fast unit suite in it. This is what makes the lower bounds
# honest. torch: its lower bound from PyPI (the CUDA build: pip also fetches the nvidia-* libraries, ~3 GB);
# where that cannot be installed (offline), the torch of constraints.txt, and the script says so.
# The test tools (pytest, nbval, ...) are the pinned ones of constraints.txt. Prints the versions used, the
# time taken, and pytest's summary line last.
#   PYTHON=python3.11 OLDEST_VENV=/tmp/oldest bash scripts/ci/test_oldest.sh [PYTEST ARGS]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
start=$(date +%s)
PYTHON="${PYTHON:-python3}"
work="$(mktemp -d "${TMPDIR:-/tmp}/sadyn-oldest.XXXXXX")"
venv="${OLDEST_VENV:-$work/venv}"
trap 'rm -rf "$work"' EXIT

# pins: runtime lower bounds (name==X), then constraints.txt's pins of everything else (the dev tools)
"$PYTHON" - "$work/oldest.txt" <<'PY'
import re, sys
try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib
from pathlib import Path
deps = tomllib.loads(Path("pyproject.toml").read_text())["project"]["dependencies"]
pins = {}
for dep in deps:
    m = re.fullmatch(r"\s*([A-Za-z0-9_.-]+)\s*>=\s*([0-9][0-9.]*)\s*", dep)
    if not m:
        sys.exit(f"test_oldest: {dep!r} has no plain lower bound `>=X`; give it one (pyproject.toml)")
    pins[m[1].lower()] = m[2]
lines = [f"{n}=={v}" for n, v in pins.items()]
for line in Path("constraints.txt").read_text().splitlines():
    name = re.split(r"[=<>!~ ]", line.strip(), maxsplit=1)[0].lower()
    if line.strip() and not line.startswith("#") and name not in pins:
        lines.append(line.strip())
Path(sys.argv[1]).write_text("\n".join(lines) + "\n")
PY
torch_floor="$(grep '^torch==' "$work/oldest.txt" | cut -d= -f3)"
"$PYTHON" -m venv "$venv"
pip=("$venv/bin/python" -m pip --disable-pip-version-check -q)
if "${pip[@]}" install "torch==$torch_floor" "numpy==$(grep '^numpy==' "$work/oldest.txt" | cut -d= -f3)"; then
    torch_note="torch at its lower bound"
else
    torch_note="torch==$torch_floor could NOT be installed here; tested with constraints.txt's torch instead"
    sed -i '/^torch==/d' "$work/oldest.txt"
    "${pip[@]}" install -c constraints.txt torch
fi
sed -i '/^torch==/d' "$work/oldest.txt"  # torch is installed; its pin must not fight the dev tools' resolution
"${pip[@]}" install -c "$work/oldest.txt" -e ".[dev]"
echo "test_oldest: installed in $(( $(date +%s) - start )) s ($torch_note):"
"$venv/bin/python" - <<'PY'
from importlib import metadata
print("test_oldest:", ", ".join(f"{n} {metadata.version(n)}" for n in
      ("torch", "numpy", "scipy", "matplotlib", "ipywidgets", "tqdm", "platformdirs")))
PY
status=0
OMP_NUM_THREADS=1 "$venv/bin/python" -m pytest tests -m "not slow" -q -p no:cacheprovider --ignore=tests/browser "$@" \
    || status=$?
echo "test_oldest: $(( $(date +%s) - start )) s in all ($torch_note)"
exit "$status"
