"""Deprecated path, kept for one release: use :mod:`sadyn.solver.model` (the same objects)."""

import warnings

from .solver.model import DYNAMICS as DYNAMICS
from .solver.model import POSITIONS as POSITIONS
from .solver.model import AmplitudeReadout as AmplitudeReadout
from .solver.model import Snapshot as Snapshot
from .solver.model import SudokuSolver as SudokuSolver

warnings.warn(
    "sadyn.models is deprecated and will be removed; import from sadyn.solver.model instead.",
    DeprecationWarning,
    stacklevel=2,
)
