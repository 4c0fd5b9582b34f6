"""The Sudoku solver stack (paper Sec. 6): model, configs, regularizers, training, evaluation, checkpoints.

Data flows one way: ``config`` (defaults) -> ``model`` -> ``train`` / ``evaluate`` -> ``checkpoint`` files;
``pretrained/`` holds the shipped checkpoints. The command line (:mod:`sadyn.cli`) calls these, never the reverse.

>>> config = TrainConfig(model={"dim": 32, "heads": 4, "size": 4}, dataset="sudoku4-id", ood_dataset="sudoku4-ood",
...                      steps=8, lr=3e-3, epochs=2)
>>> result = train(config, "runs/demo", minutes=1)
>>> rows = evaluate(load_model(result.best), steps=(8, 16, 32))
"""

from .checkpoint import CheckpointError as CheckpointError
from .checkpoint import load_checkpoint as load_checkpoint
from .checkpoint import load_model as load_model
from .checkpoint import save_checkpoint as save_checkpoint
from .config import ModelConfig as ModelConfig
from .config import TrainConfig as TrainConfig
from .evaluate import evaluate as evaluate
from .evaluate import format_table as format_table
from .model import AmplitudeReadout as AmplitudeReadout
from .model import Snapshot as Snapshot
from .model import SudokuSolver as SudokuSolver
from .pretrained import load_pretrained as load_pretrained
from .pretrained import pretrained_info as pretrained_info
from .pretrained import pretrained_models as pretrained_models
from .pretrained import pretrained_path as pretrained_path
from .progress import EpochStats as EpochStats
from .progress import Progress as Progress
from .regularizers import REGULARIZERS as REGULARIZERS
from .regularizers import Regularizer as Regularizer
from .regularizers import energy_multi_regularizer as energy_multi_regularizer
from .regularizers import energy_single_regularizer as energy_single_regularizer
from .regularizers import register_regularizer as register_regularizer
from .regularizers import spectral_regularizer as spectral_regularizer
from .train import TrainResult as TrainResult
from .train import train as train
from .train import train_command as train_command
