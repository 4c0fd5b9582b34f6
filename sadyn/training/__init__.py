"""Training and evaluating Sudoku solvers: config, loop, checkpoints, evaluation, and the CLI subcommands.

>>> config = TrainConfig(model={"dim": 32, "heads": 4, "size": 4}, dataset="sudoku4-id", ood_dataset="sudoku4-ood",
...                      steps=8, lr=3e-3, epochs=2)
>>> result = train(config, "runs/demo", minutes=1)
>>> rows = evaluate(load_model(result.best), steps=(8, 16, 32))
"""

from .checkpoint import CheckpointError as CheckpointError
from .checkpoint import load_checkpoint as load_checkpoint
from .checkpoint import load_model as load_model
from .checkpoint import save_checkpoint as save_checkpoint
from .config import TrainConfig as TrainConfig
from .evaluate import evaluate as evaluate
from .evaluate import format_table as format_table
from .loop import TrainResult as TrainResult
from .loop import train as train
from .loop import train_command as train_command
