"""Deprecated path, kept for one release: use :mod:`sadyn.solver` (the same objects)."""

import warnings

from ..solver import CheckpointError as CheckpointError
from ..solver import TrainConfig as TrainConfig
from ..solver import TrainResult as TrainResult
from ..solver import evaluate as evaluate
from ..solver import format_table as format_table
from ..solver import load_checkpoint as load_checkpoint
from ..solver import load_model as load_model
from ..solver import save_checkpoint as save_checkpoint
from ..solver import train as train
from ..solver import train_command as train_command

warnings.warn(
    "sadyn.training is deprecated and will be removed; import from sadyn.solver instead.",
    DeprecationWarning,
    stacklevel=2,
)
