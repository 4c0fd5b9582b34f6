"""Deprecated path, kept for one release: use :mod:`sadyn.solver.train` (the same objects)."""

import warnings

from ..solver.train import TrainResult as TrainResult
from ..solver.train import train as train
from ..solver.train import train_command as train_command

warnings.warn(
    "sadyn.training.loop is deprecated and will be removed; import from sadyn.solver.train instead.",
    DeprecationWarning,
    stacklevel=2,
)
