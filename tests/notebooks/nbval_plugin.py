"""nbval set-up for the tutorials: a pytest plugin, loaded by ``-p tests.notebooks.nbval_plugin`` in the
``addopts`` of ``pyproject.toml`` (it lives here, not in ``tutorials/``, so that the learners' folder holds
only notebooks). It only acts on notebooks that nbval collects.

``pytest`` (configured in ``pyproject.toml`` with ``--nbval --nbval-current-env``) runs every
``tutorials/*.ipynb`` top to bottom in a fresh kernel of the current environment and compares each cell's
text outputs with the committed ones. Before comparing, both sides are sanitized:

1. the regex rules of ``nbval_sanitize.cfg`` (memory addresses, timings, progress bars), then
2. every remaining float is rounded to ``SIGNIFICANT_DIGITS`` significant digits, and a float whose magnitude
   is below ``ZERO_BELOW`` becomes ``0`` (round-off such as ``2.2e-16`` versus ``-4.4e-16``).

So ``0.123456`` and ``0.123449`` compare equal, ``0.1235`` and ``0.1245`` do not. Notebooks should still print
rounded numbers; the rounding here absorbs BLAS and platform noise, not real changes. Cells whose output
cannot be stable (widgets, progress bars) carry ``# NBVAL_IGNORE_OUTPUT`` on a line of their own.

The kernels get ``OMP_NUM_THREADS=1`` unless it is already set: small torch ops on a busy 2-core machine
are much slower with two threads (``numerics.md``, pitfall 8), and one thread keeps run times predictable.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest

os.environ.setdefault("OMP_NUM_THREADS", "1")

SANITIZE_FILE = Path(__file__).with_name("nbval_sanitize.cfg")
SIGNIFICANT_DIGITS = 3
ZERO_BELOW = 1e-9

# A decimal float (``1.5``, ``.5``, ``2.``, ``1e-3``, ``-2.5E+04``) that is not part of a word, a version
# string such as ``2.13.0`` or a hexadecimal address. A trailing full stop is allowed.
FLOAT_PATTERN = r"(?<![\w.])[-+]?(?:\d+\.\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|\d+[eE][-+]?\d+)(?!\w|\.\d)"

Replacement = str | Callable[["re.Match[str]"], str]


def round_float(match: re.Match[str]) -> str:
    """Replacement for ``FLOAT_PATTERN``: the float rounded to ``SIGNIFICANT_DIGITS`` significant digits."""
    text = match.group(0)
    value = float(text)
    if abs(value) < ZERO_BELOW:
        return "0"
    return f"{value:.{SIGNIFICANT_DIGITS}g}"


def read_sanitize_file(path: Path = SANITIZE_FILE) -> list[tuple[str, str]]:
    """The ``(regex, replacement)`` pairs of an nbval sanitizer file, in order, parsed as nbval parses them."""
    from nbval.plugin import get_sanitize_patterns

    return list(get_sanitize_patterns(path.read_text(encoding="utf-8")))


def sanitize_rules() -> dict[str, Replacement]:
    """All rules in the order nbval applies them: the file's regex rules, then float rounding."""
    rules: dict[str, Replacement] = dict(read_sanitize_file())
    rules[FLOAT_PATTERN] = round_float
    return rules


def sanitize(text: str) -> str:
    """Apply ``sanitize_rules()`` to ``text`` exactly as nbval does (``re.sub`` per rule, in order)."""
    for regex, replacement in sanitize_rules().items():
        text = re.sub(regex, replacement, text)
    return text


def pytest_itemcollected(item: pytest.Item) -> None:
    """Give each collected notebook our rules (nbval calls ``re.sub(regex, replacement, text)``, so a
    callable replacement works); patterns from ``--nbval-sanitize-with`` are applied after them."""
    notebook = item.parent
    patterns = getattr(notebook, "sanitize_patterns", None)
    if patterns is None or FLOAT_PATTERN in patterns:
        return
    patterns.update(sanitize_rules())
