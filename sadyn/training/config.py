"""Deprecated path, kept for one release: use :mod:`sadyn.solver.config` (the same objects)."""

import warnings

from ..solver.config import LOSSES as LOSSES
from ..solver.config import RESUMABLE_KEYS as RESUMABLE_KEYS
from ..solver.config import ModelConfig as ModelConfig
from ..solver.config import TrainConfig as TrainConfig

warnings.warn(
    "sadyn.training.config is deprecated and will be removed; import from sadyn.solver.config instead.",
    DeprecationWarning,
    stacklevel=2,
)
