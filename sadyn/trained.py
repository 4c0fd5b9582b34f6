"""Deprecated: moved to :mod:`sadyn.experiments.sudoku` and :mod:`sadyn.experiments.sudoku_energy` (one release)."""

import warnings

from .experiments.sudoku import *  # noqa: F403
from .experiments.sudoku import __all__ as _a
from .experiments.sudoku import _named as _named  # noqa: F401
from .experiments.sudoku import _solver as _solver  # noqa: F401
from .experiments.sudoku_energy import *  # noqa: F403
from .experiments.sudoku_energy import __all__ as _b

__all__ = [*_a, *_b]

warnings.warn(
    "sadyn.trained is deprecated; use sadyn.experiments (sadyn.experiments.sudoku, .sudoku_energy).",
    DeprecationWarning,
    stacklevel=2,
)
