"""Deprecated path, kept for one release: use :mod:`sadyn.solver.evaluate` (the same objects)."""

import warnings

from ..solver.evaluate import evaluate as evaluate
from ..solver.evaluate import format_table as format_table

warnings.warn(
    "sadyn.training.evaluate is deprecated and will be removed; import from sadyn.solver.evaluate instead.",
    DeprecationWarning,
    stacklevel=2,
)
