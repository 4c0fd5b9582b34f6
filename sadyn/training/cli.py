"""Deprecated path, kept for one release: use :mod:`sadyn.cli.train` (the same objects)."""

import warnings

from ..cli.train import add_eval_arguments as add_eval_arguments
from ..cli.train import add_train_arguments as add_train_arguments
from ..cli.train import config_from_args as config_from_args
from ..cli.train import config_to_argv as config_to_argv
from ..cli.train import run_eval as run_eval
from ..cli.train import run_train as run_train

warnings.warn(
    "sadyn.training.cli is deprecated and will be removed; import from sadyn.cli.train instead.",
    DeprecationWarning,
    stacklevel=2,
)
