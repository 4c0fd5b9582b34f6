#!/usr/bin/env bash
# Install what the real-browser tests (tests/browser/) need, and nothing that downloads a browser build:
#   - Chromium from Debian's packages (/usr/bin/chromium), when it is missing (needs root, as on CI);
#   - the Playwright Python package from PyPI into the given interpreter's environment.
# Never runs `playwright install`: it downloads browser builds, which these machines cannot reach; the tests
# drive Debian's Chromium through executable_path instead.
# Usage: bash scripts/ci/install_browser.sh [PYTHON]   (default: .venv/bin/python if present, else python3)
# Variables: PLAYWRIGHT_SPEC (pip requirement, default "playwright>=1.45"), CONSTRAINTS (a pip constraints
# file, default constraints.txt when present).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

python="${1:-}"
if [[ -z "$python" ]]; then
    if [[ -x .venv/bin/python ]]; then python=.venv/bin/python; else python=python3; fi
fi
spec="${PLAYWRIGHT_SPEC:-playwright>=1.45}"
constraints="${CONSTRAINTS-constraints.txt}"

if [[ -x /usr/bin/chromium ]]; then
    echo "install_browser: chromium already installed: $(/usr/bin/chromium --version 2>/dev/null || echo '?')"
else
    if [[ "$(id -u)" != 0 ]]; then
        echo "install_browser: /usr/bin/chromium is missing and this is not root;" \
            "run: sudo apt-get install -y chromium" >&2
        exit 1
    fi
    echo "install_browser: installing chromium from Debian's packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
    echo "install_browser: $(/usr/bin/chromium --version)"
fi

constraint_flag=()
if [[ -n "$constraints" && -f "$constraints" ]]; then constraint_flag=(-c "$constraints"); fi
if "$python" -c 'import playwright' 2>/dev/null; then
    echo "install_browser: playwright already installed in $python"
else
    echo "install_browser: pip install $spec into $python"
    "$python" -m pip install --disable-pip-version-check -q "${constraint_flag[@]}" "$spec"
fi
"$python" -c 'from importlib.metadata import version; print("install_browser: playwright", version("playwright"))'
