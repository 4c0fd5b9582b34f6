"""The data of a training run (train split minus the held-out validation puzzles) and the validation pass."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor
from torch.nn.utils import parametrize

from .config import TrainConfig
from .model import SudokuSolver

__all__ = ["TrainData", "load_train_data", "validate"]


@dataclass
class TrainData:
    """Training boards and targets, and the held-out validation pair."""

    train_digits: Tensor
    train_targets: Tensor
    val: tuple[Tensor, Tensor]


def load_train_data(config: TrainConfig) -> TrainData:
    """``config.dataset``'s train split: its last ``val_size`` puzzles (at most a fifth) held out for validation."""
    from ..sudoku import load_dataset

    ds = load_dataset(config.dataset, "train", show_progress=False)
    digits, _ = ds.tokens()
    targets = ds.targets()
    n_val = min(config.val_size, len(ds) // 5)
    cut = len(ds) - n_val
    d_tr, t_tr = torch.as_tensor(digits[:cut]), torch.as_tensor(targets[:cut])
    if config.train_size is not None:
        d_tr, t_tr = d_tr[: config.train_size], t_tr[: config.train_size]
    return TrainData(d_tr, t_tr, (torch.as_tensor(digits[cut:]), torch.as_tensor(targets[cut:])))


@torch.no_grad()
def validate(model: SudokuSolver, val: tuple[Tensor, Tensor], steps: int, device) -> dict[str, float]:
    """Board and blank-cell accuracy of ``model`` on ``val`` (fixed noise seed, batches of 250)."""
    digits, targets = val
    if len(digits) == 0:
        return {}
    g = torch.Generator().manual_seed(12345)
    right, n_boards, n_cells, n_right_cells = 0, 0, 0, 0
    for s in range(0, len(digits), 250):
        d, t = digits[s : s + 250].to(device), targets[s : s + 250].to(device)
        with parametrize.cached():
            pred = model(d, steps=steps, generator=g).argmax(-1)
        pred = torch.where(d > 0, d - 1, pred)
        ok = pred == t
        right += int(ok.all(-1).sum())
        n_boards += len(d)
        n_right_cells += int((ok & (d == 0)).sum())
        n_cells += int((d == 0).sum())
    return {"val_board": right / n_boards, "val_cell": n_right_cells / max(n_cells, 1)}
