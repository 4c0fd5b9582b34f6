"""The training loop: Adam, cross-entropy over cells, gradient clipping, EMA, checkpoints, exact resume.

Determinism: epoch e shuffles with a generator seeded from (seed, e) and draws the initial-state noise from
another generator seeded from (seed, e); a checkpoint stores the epoch, the batch reached and the noise
generator's state, so a run killed anywhere and resumed from its last checkpoint makes exactly the updates an
uninterrupted run makes (same machine, same thread count; ``tests/test_training.py`` checks it bit for bit).
"""

from __future__ import annotations

import copy
import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import parametrize

from ..models import SudokuSolver
from ..regularizers import REGULARIZERS
from .checkpoint import CheckpointError, data_record, hardware, load_checkpoint, save_checkpoint
from .config import RESUMABLE_KEYS, TrainConfig

__all__ = ["train", "TrainResult", "train_command"]


@dataclass
class TrainResult:
    """What :func:`train` did: the output folder, per-epoch ``history``, why it stopped, and the checkpoints."""

    out_dir: Path
    history: list[dict[str, Any]]
    stopped: str  # "done", "time budget", "max_batches"
    last: Path
    best: Path | None
    best_val: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        last = self.history[-1] if self.history else {}
        return (
            f"TrainResult(out_dir={str(self.out_dir)!r}, epochs={len(self.history)}, stopped={self.stopped!r}, "
            f"last_val_board={last.get('val_board')}, best_val={self.best_val})"
        )


def _generator(seed: int, epoch: int, stream: int) -> torch.Generator:
    return torch.Generator().manual_seed(int(seed) * 1_000_003 + int(epoch) * 7919 + stream)


def _load_data(config: TrainConfig):
    from ..sudoku import load_dataset

    ds = load_dataset(config.dataset, "train", show_progress=False)
    digits, _ = ds.tokens()
    targets = ds.targets()
    n_val = min(config.val_size, len(ds) // 5)
    train_idx = slice(0, len(ds) - n_val)
    val = (torch.as_tensor(digits[len(ds) - n_val :]), torch.as_tensor(targets[len(ds) - n_val :]))
    d_tr, t_tr = torch.as_tensor(digits[train_idx]), torch.as_tensor(targets[train_idx])
    if config.train_size is not None:
        d_tr, t_tr = d_tr[: config.train_size], t_tr[: config.train_size]
    return (d_tr, t_tr), val


def _loss(model: SudokuSolver, config: TrainConfig, digits: torch.Tensor, targets: torch.Tensor, g) -> tuple:
    logits = model(digits, steps=config.steps, generator=g)
    ce = F.cross_entropy(logits.flatten(0, 1), targets.flatten(), reduction="none").view_as(targets)
    blanks = digits == 0
    loss = ce.mean() if config.loss_on == "all" else (ce * blanks).sum() / blanks.sum().clamp_min(1)
    if config.regularizer is not None and config.reg_weight > 0:
        loss = loss + config.reg_weight * REGULARIZERS[config.regularizer](model)
    with torch.no_grad():
        right = logits.argmax(-1) == targets
        cell = float((right & blanks).sum() / blanks.sum().clamp_min(1))
    return loss, cell


@torch.no_grad()
def _validate(model: SudokuSolver, val, steps: int, device) -> dict[str, float]:
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


def _ema_update(ema: nn.Module, model: nn.Module, decay: float) -> None:
    with torch.no_grad():
        for pe, p in zip(ema.parameters(), model.parameters()):
            pe.lerp_(p, 1 - decay)


def train_command(config: TrainConfig, out: str | Path) -> str:
    """The `sadyn train` line that reproduces ``config`` (every option explicit)."""
    import shlex

    from .cli import config_to_argv

    return shlex.join(["sadyn", "train", *config_to_argv(config, out)])


def train(
    config: TrainConfig,
    out_dir: str | Path,
    *,
    device: str | torch.device = "cpu",
    minutes: float | None = None,
    resume: bool = True,
    show_progress: bool = True,
    command: str | None = None,
    save_every_minutes: float = 10.0,
    max_batches: int | None = None,
) -> TrainResult:
    """Train a :class:`~sadyn.models.SudokuSolver` as ``config`` says, writing ``out_dir/last.pt`` (every epoch,
    every ``save_every_minutes`` and when stopping), ``out_dir/best.pt`` (best EMA validation board accuracy)
    and ``out_dir/log.txt`` (one JSON line per epoch).

    Arguments:
        config: a :class:`TrainConfig`.
        out_dir: folder of the run.

    Other arguments:
        device: "cpu" (default) or "cuda". minutes: stop (after saving) once this much wall time has passed in
            this call. resume: continue from ``out_dir/last.pt`` if present (its config must match, except
            ``epochs``); with ``resume=False`` an existing run is an error. command: recorded in the checkpoint
            (default: :func:`train_command`). max_batches: stop after this many updates in this call (tests, demos).

    Returns a :class:`TrainResult`. Non-finite losses (the unnormalized model diverging) skip the update and are
    counted in the history as ``nonfinite``: a result, not a crash.
    """
    if not isinstance(config, TrainConfig):
        raise TypeError(
            f"`config` must be a TrainConfig, got {type(config).__name__}; build one with TrainConfig(model={{...}})."
        )
    out_dir = Path(out_dir)
    device = torch.device(device)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError("`device` is 'cuda' but no CUDA device is available; use device='cpu'.")
    last_path, best_path = out_dir / "last.pt", out_dir / "best.pt"
    command = command or train_command(config, out_dir)

    model_cfg = {**config.model, "seed": config.seed}
    model = SudokuSolver.from_config(model_cfg).to(device)
    ema = copy.deepcopy(model)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    progress = {"epoch": 0, "batch": 0, "update": 0, "elapsed_s": 0.0, "noise_rng": None}
    history: list[dict[str, Any]] = []
    best_val: dict[str, Any] = {}

    if last_path.exists():
        if not resume:
            raise CheckpointError(
                f"{last_path} exists; resume it (resume=True / omit --no-resume) or choose another folder."
            )
        ckpt = load_checkpoint(last_path, map_location=device)
        diff = TrainConfig.from_dict(ckpt["config"]).differences(config, ignore=RESUMABLE_KEYS)
        if diff:
            raise CheckpointError(
                f"cannot resume {last_path}: its config differs from the one given ({'; '.join(diff)}); "
                f"resume with the recorded command `{ckpt['command']}` or choose another folder."
            )
        model.load_state_dict(ckpt["model"])
        ema.load_state_dict(ckpt["ema"])
        optimizer.load_state_dict(ckpt["optimizer"])
        progress, history = dict(ckpt["progress"]), list(ckpt["history"])
        best_val = dict((ckpt.get("metrics") or {}).get("best_val") or {})
    model_cfg = model.config()

    (train_d, train_t), val = _load_data(config)
    n = len(train_d)
    batches = math.ceil(n / config.batch_size)
    reg = config.regularizer if config.reg_weight > 0 else None
    data = {"train": data_record(config.dataset), "ood": data_record(config.ood_dataset)}

    def payload(metrics_extra: dict | None = None) -> dict[str, Any]:
        return {
            "config": config.to_dict(),
            "model_config": model_cfg,
            "data": data,
            "command": command,
            "model": model.state_dict(),
            "ema": ema.state_dict(),
            "optimizer": optimizer.state_dict(),
            "progress": progress,
            "history": history,
            "hardware": hardware(),
            "metrics": {"best_val": best_val, **(metrics_extra or {})},
        }

    start = time.perf_counter()
    last_save = start
    elapsed0 = float(progress["elapsed_s"])
    stopped, done_batches = "done", 0
    out_dir.mkdir(parents=True, exist_ok=True)
    log = open(out_dir / "log.txt", "a")
    try:
        from tqdm.auto import tqdm

        while progress["epoch"] < config.epochs and stopped == "done":
            e = progress["epoch"]
            perm = torch.randperm(n, generator=_generator(config.seed, e, 0))
            noise = _generator(config.seed, e, 1)
            if progress["batch"] > 0 and progress["noise_rng"] is not None:
                noise.set_state(progress["noise_rng"])
            else:
                progress["sums"] = [0.0, 0.0, 0, 0]
            sums = progress.setdefault("sums", [0.0, 0.0, 0, 0])  # loss, cell acc, batches, nonfinite
            bar = tqdm(
                range(progress["batch"], batches),
                total=batches,
                initial=progress["batch"],
                desc=f"epoch {e + 1}/{config.epochs}",
                disable=not show_progress,
                leave=False,
            )
            model.train()
            for b in bar:
                idx = perm[b * config.batch_size : (b + 1) * config.batch_size]
                digits, targets = train_d[idx].to(device), train_t[idx].to(device)
                for group in optimizer.param_groups:
                    group["lr"] = config.lr * min(1.0, (progress["update"] + 1) / max(config.warmup_steps, 1))
                with parametrize.cached():
                    loss, cell = _loss(model, config, digits, targets, noise)
                optimizer.zero_grad(set_to_none=True)
                if torch.isfinite(loss):
                    loss.backward()
                    gnorm = nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
                    if torch.isfinite(gnorm):
                        optimizer.step()
                        _ema_update(ema, model, config.ema)
                    else:
                        sums[3] += 1
                else:
                    sums[3] += 1
                lv = float(loss.detach())
                sums[0] += lv if math.isfinite(lv) else 0.0
                sums[1] += cell
                sums[2] += 1
                progress["batch"] = b + 1
                progress["update"] += 1
                progress["noise_rng"] = noise.get_state()
                progress["elapsed_s"] = elapsed0 + time.perf_counter() - start
                done_batches += 1
                bar.set_postfix(loss=f"{lv:.3f}", cell=f"{cell:.3f}")
                now = time.perf_counter()
                if minutes is not None and now - start >= 60 * minutes:
                    stopped = "time budget"
                elif max_batches is not None and done_batches >= max_batches:
                    stopped = "max_batches"
                if stopped != "done":
                    break
                if now - last_save >= 60 * save_every_minutes and progress["batch"] < batches:
                    save_checkpoint(last_path, payload())
                    last_save = now
            bar.close()
            if progress["batch"] < batches:
                save_checkpoint(last_path, payload())
                break
            # end of epoch: validate the EMA weights, log, save
            val_metrics = _validate(ema if config.ema > 0 else model, val, config.steps, device)
            row = {
                "epoch": e + 1,
                "update": progress["update"],
                "elapsed_s": round(progress["elapsed_s"], 1),
                "loss": sums[0] / max(sums[2] - sums[3], 1),
                "train_cell": sums[1] / max(sums[2], 1),
                "nonfinite": sums[3],
                "lr": config.lr,
                "regularizer": reg,
                **val_metrics,
            }
            history.append(row)
            log.write(json.dumps(row) + "\n")
            log.flush()
            if show_progress:
                print(
                    f"epoch {e + 1}: loss {row['loss']:.4f}, train cells {row['train_cell']:.3f}, "
                    f"val boards {row.get('val_board', float('nan')):.3f}, val cells {row.get('val_cell', float('nan')):.3f}, "
                    f"{row['elapsed_s']:.0f} s" + (f", {sums[3]} non-finite steps" if sums[3] else ""),
                    flush=True,
                )
            progress.update(epoch=e + 1, batch=0, noise_rng=None)
            progress.pop("sums", None)
            key = (row.get("val_board", 0.0), row.get("val_cell", 0.0))
            improved = not best_val or key > (best_val.get("val_board", 0.0), best_val.get("val_cell", 0.0))
            if improved:
                best_val = {"epoch": e + 1, "val_board": row.get("val_board"), "val_cell": row.get("val_cell")}
            save_checkpoint(last_path, payload())
            last_save = time.perf_counter()
            if improved:
                save_checkpoint(best_path, payload())
    finally:
        log.close()
    return TrainResult(out_dir, history, stopped, last_path, best_path if best_path.exists() else None, best_val)
