"""Deprecated path, kept for one release: use :mod:`sadyn.solver.checkpoint` (the same objects)."""

import warnings

from ..solver.checkpoint import FORMAT as FORMAT
from ..solver.checkpoint import FORMAT_VERSION as FORMAT_VERSION
from ..solver.checkpoint import CheckpointError as CheckpointError
from ..solver.checkpoint import data_record as data_record
from ..solver.checkpoint import hardware as hardware
from ..solver.checkpoint import load_checkpoint as load_checkpoint
from ..solver.checkpoint import load_model as load_model
from ..solver.checkpoint import save_checkpoint as save_checkpoint

warnings.warn(
    "sadyn.training.checkpoint is deprecated and will be removed; import from sadyn.solver.checkpoint instead.",
    DeprecationWarning,
    stacklevel=2,
)
