"""The training loop: Adam, cross-entropy over cells, gradient clipping, EMA, checkpoints, exact resume.

Determinism: epoch e shuffles with a generator seeded from (seed, e) and draws the initial-state noise from
another generator seeded from (seed, e); a checkpoint stores the epoch, the batch reached and the noise
generator's state (:class:`Progress`), so a run killed anywhere and resumed from its last checkpoint makes exactly
the updates an uninterrupted run makes (same machine, same thread count; ``tests/test_training.py`` checks it bit
for bit).

Stopping: Ctrl-C or SIGTERM finishes the batch in progress, saves ``last.pt`` and returns
``TrainResult(stopped="interrupted", signal=N)`` (:mod:`sadyn.solver.stopping`); ``sadyn train`` then exits with
128 + N (130, 143). One trainer per folder: ``out_dir/.lock`` (:mod:`sadyn.solver.lock`). Resuming with another
thread count or device than the checkpoint records warns that the run will not be bit-identical.
"""

from __future__ import annotations

import copy
import json
import math
import shlex
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.nn.utils import parametrize

from .._validate import check_device
from .checkpoint import CheckpointError, data_record, hardware, load_checkpoint, save_checkpoint
from .config import RESUMABLE_KEYS, TrainConfig, optional_count, real
from .data import TrainData, load_train_data, validate
from .lock import RunLock
from .model import SudokuSolver
from .progress import EpochStats, Progress
from .recipe import augment_batch, init_from_checkpoint, learning_rate
from .regularizers import REGULARIZERS
from .stopping import Clock, Interrupts

__all__ = ["train", "TrainResult", "train_command", "Progress", "EpochStats"]


@dataclass
class TrainResult:
    """What :func:`train` did: the output folder, per-epoch ``history``, why it stopped, and the checkpoints."""

    out_dir: Path
    history: list[dict[str, Any]]
    stopped: str  # "done", "time budget", "max_batches", "interrupted"
    last: Path
    best: Path | None
    best_val: dict[str, Any] = field(default_factory=dict)
    signal: int | None = None  # the signal that interrupted the run (signal.SIGINT, signal.SIGTERM), else None

    def __repr__(self) -> str:
        last = self.history[-1] if self.history else {}
        return (
            f"TrainResult(out_dir={str(self.out_dir)!r}, epochs={len(self.history)}, stopped={self.stopped!r}, "
            f"last_val_board={last.get('val_board')}, best_val={self.best_val})"
        )


def train_command(config: TrainConfig, out: str | Path) -> str:
    """The `sadyn train` line that reproduces ``config`` (every option explicit)."""
    return shlex.join(["sadyn", "train", "--out", str(out), *config.to_argv()])


def _generator(seed: int, epoch: int, stream: int) -> torch.Generator:
    return torch.Generator().manual_seed(int(seed) * 1_000_003 + int(epoch) * 7919 + stream)


def _loss(model: SudokuSolver, config: TrainConfig, digits: Tensor, targets: Tensor, g) -> tuple[Tensor, float]:
    """Cross-entropy over cells (+ lambda R), and the fraction of blank cells right."""
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


def _ema_update(ema: nn.Module, model: nn.Module, decay: float) -> None:
    with torch.no_grad():
        for pe, p in zip(ema.parameters(), model.parameters(), strict=True):
            pe.lerp_(p, 1 - decay)


@dataclass
class _Run:
    """The state of one run: what a checkpoint stores, and how to write it."""

    config: TrainConfig
    command: str
    model: SudokuSolver
    ema: SudokuSolver
    optimizer: torch.optim.Optimizer
    progress: Progress
    history: list[dict[str, Any]]
    best_val: dict[str, Any]
    last_path: Path
    best_path: Path
    init_from: dict[str, Any] | None = None  # path and sha256 of the checkpoint that initialized the weights
    total_updates: int = 0  # epochs x batches: the span of the learning-rate schedule

    def payload(self) -> dict[str, Any]:
        c = self.config
        return {
            "config": c.to_dict(),
            "model_config": self.model.config(),
            "data": {"train": data_record(c.dataset), "ood": data_record(c.ood_dataset)},
            "command": self.command,
            "model": self.model.state_dict(),
            "ema": self.ema.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "progress": self.progress.to_dict(),
            "init_from": self.init_from,
            "history": self.history,
            "hardware": {**hardware(), "device": str(next(self.model.parameters()).device)},
            "metrics": {"best_val": self.best_val},
        }

    def save(self, best: bool = False) -> None:
        save_checkpoint(self.best_path if best else self.last_path, self.payload())


def _start(config: TrainConfig, model: SudokuSolver, out_dir: Path, device: torch.device, resume: bool, command: str):
    """A fresh run of ``model`` (just built), or the one in ``out_dir/last.pt`` (its config must match but for
    ``epochs``)."""
    model = model.to(device)
    run = _Run(
        config,
        command,
        model,
        copy.deepcopy(model),
        torch.optim.Adam(model.parameters(), lr=config.lr),
        Progress(),
        [],
        {},
        out_dir / "last.pt",
        out_dir / "best.pt",
    )
    if not run.last_path.exists():
        if config.init_from is not None:
            run.init_from = init_from_checkpoint(config, run.model, run.ema)
        return run
    if not resume:
        raise CheckpointError(
            f"{run.last_path} exists; resume it (resume=True / omit --no-resume) or choose another folder."
        )
    ckpt = load_checkpoint(run.last_path, map_location=device)
    diff = TrainConfig.from_dict(ckpt["config"]).differences(config, ignore=RESUMABLE_KEYS)
    if diff:
        raise CheckpointError(
            f"cannot resume {run.last_path}: its config differs from the one given ({'; '.join(diff)}); "
            f"resume with the recorded command `{ckpt['command']}` or choose another folder."
        )
    run.model.load_state_dict(ckpt["model"])
    run.ema.load_state_dict(ckpt["ema"])
    run.optimizer.load_state_dict(ckpt["optimizer"])
    run.progress = Progress.from_dict(ckpt["progress"])
    run.history = list(ckpt["history"])
    run.best_val = dict((ckpt.get("metrics") or {}).get("best_val") or {})
    run.init_from = ckpt.get("init_from")
    _warn_if_not_exact(ckpt.get("hardware") or {}, next(run.model.parameters()).device, run.last_path)
    return run


def _warn_if_not_exact(recorded: dict[str, Any], device: torch.device, path: Path) -> None:
    """Warn when this process resumes with another thread count or device than the checkpoint was written with."""
    now = {"torch_threads": torch.get_num_threads(), "device": str(device)}
    differ = [f"{k} {recorded[k]} -> {now[k]}" for k in now if recorded.get(k) is not None and recorded[k] != now[k]]
    if differ:
        threads = recorded.get("torch_threads")
        warnings.warn(
            f"resuming {path} with {', '.join(differ)}: the run goes on, but it will not be bit-identical to an "
            f"uninterrupted run (reductions add in another order). For an exact continuation resume with "
            f"torch.set_num_threads({threads}) (`sadyn train --threads {threads}`) on the recorded device.",
            UserWarning,
            stacklevel=3,
        )


def _update(run: _Run, digits: Tensor, targets: Tensor, noise: torch.Generator) -> tuple[float, float, bool]:
    """One optimizer step (skipped when the loss or the gradient is not finite): (loss, cell accuracy, finite)."""
    config, p = run.config, run.progress
    for group in run.optimizer.param_groups:
        group["lr"] = learning_rate(config, p.update, run.total_updates)
    with parametrize.cached():
        loss, cell = _loss(run.model, config, digits, targets, noise)
    run.optimizer.zero_grad(set_to_none=True)
    finite = bool(torch.isfinite(loss))
    if finite:
        loss.backward()
        gnorm = nn.utils.clip_grad_norm_(run.model.parameters(), config.grad_clip)
        finite = bool(torch.isfinite(gnorm))
        if finite:
            run.optimizer.step()
            _ema_update(run.ema, run.model, config.ema)
    return float(loss.detach()), cell, finite


def _train_epoch(
    run: _Run, data: TrainData, clock: Clock, device: torch.device, show_progress: bool
) -> tuple[str | None, bool]:
    """Train from ``progress.batch`` on: (why it stopped or None, whether the epoch is complete).

    An incomplete epoch is saved here (``last.pt``); a complete one is closed by :func:`_end_epoch`."""
    from tqdm.auto import tqdm

    config, p = run.config, run.progress
    n = len(data.train_digits)
    batches = math.ceil(n / config.batch_size)
    perm = torch.randperm(n, generator=_generator(config.seed, p.epoch, 0))
    noise = _generator(config.seed, p.epoch, 1)
    if p.batch > 0 and p.noise_rng is not None:
        noise.set_state(p.noise_rng)
    else:
        p.stats = EpochStats()
    bar = tqdm(
        range(p.batch, batches),
        total=batches,
        initial=p.batch,
        desc=f"epoch {p.epoch + 1}/{config.epochs}",
        disable=not show_progress,
        leave=False,
    )
    run.model.train()
    stopped = None
    for b in bar:
        if clock.interrupted():  # a signal that came during loading or validation: stop before the next batch
            stopped = "interrupted"
            break
        idx = perm[b * config.batch_size : (b + 1) * config.batch_size]
        digits, targets = data.train_digits[idx], data.train_targets[idx]
        if config.augment:
            digits, targets = augment_batch(config, digits, targets, p.epoch, b)
        loss, cell, finite = _update(run, digits.to(device), targets.to(device), noise)
        p.stats.add(loss, cell, finite)
        p.batch, p.update, p.noise_rng, p.elapsed_s = b + 1, p.update + 1, noise.get_state(), clock.elapsed()
        clock.done_batches += 1
        bar.set_postfix(loss=f"{loss:.3f}", cell=f"{cell:.3f}")
        now = time.perf_counter()
        stopped = clock.stop_reason(now)
        if stopped is not None:
            break
        if now - clock.last_save >= 60 * clock.save_every_minutes and p.batch < batches:
            run.save()
            clock.last_save = now
    bar.close()
    if p.batch < batches:
        run.save()
        return stopped, False
    return stopped, True


def _end_epoch(run: _Run, data: TrainData, clock: Clock, log: TextIO, device: torch.device, show: bool) -> None:
    """Validate the EMA weights, log the epoch's row, keep the best, save."""
    config, p = run.config, run.progress
    val = validate(run.ema if config.ema > 0 else run.model, data.val, config.steps, device)
    row = {
        "epoch": p.epoch + 1,
        "update": p.update,
        "elapsed_s": round(p.elapsed_s, 1),
        **p.stats.row(),
        "lr": learning_rate(config, max(p.update - 1, 0), run.total_updates),
        "regularizer": config.regularizer if config.reg_weight > 0 else None,
        **val,
    }
    run.history.append(row)
    log.write(json.dumps(row) + "\n")
    log.flush()
    if show:
        bad = row["nonfinite"]
        print(
            f"epoch {row['epoch']}: loss {row['loss']:.4f}, train cells {row['train_cell']:.3f}, "
            f"val boards {row.get('val_board', float('nan')):.3f}, val cells {row.get('val_cell', float('nan')):.3f}, "
            f"{row['elapsed_s']:.0f} s" + (f", {bad} non-finite steps" if bad else ""),
            flush=True,
        )
    p.end_epoch()
    key = (row.get("val_board", 0.0), row.get("val_cell", 0.0))
    improved = not run.best_val or key > (run.best_val.get("val_board", 0.0), run.best_val.get("val_cell", 0.0))
    if improved:
        run.best_val = {"epoch": row["epoch"], "val_board": row.get("val_board"), "val_cell": row.get("val_cell")}
    run.save()
    clock.last_save = time.perf_counter()
    if improved:
        run.save(best=True)


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
    """Train a :class:`~sadyn.solver.SudokuSolver` as ``config`` says, writing ``out_dir/last.pt`` (every epoch,
    every ``save_every_minutes`` and when stopping), ``out_dir/best.pt`` (best EMA validation board accuracy)
    and ``out_dir/log.txt`` (one JSON line per epoch).

    Arguments:
        config: a :class:`~sadyn.solver.TrainConfig`.
        out_dir: folder of the run.

    Other arguments:
        device: "cpu" (default) or "cuda". minutes: stop (after saving) once this much wall time has passed in
            this call. resume: continue from ``out_dir/last.pt`` if present (its config must match, except
            ``epochs``); with ``resume=False`` an existing run is an error. command: recorded in the checkpoint
            (default: :func:`train_command`). max_batches: stop after this many updates in this call (tests, demos).

    Ctrl-C (SIGINT) or SIGTERM stops the run after the batch in progress, saves ``last.pt`` and returns
    ``TrainResult(stopped="interrupted", signal=N)`` instead of raising (a caller that should end too checks
    ``result.signal``); the run then resumes bit-identically. While it runs, ``out_dir/.lock`` refuses a second
    trainer on the folder (:class:`~sadyn.solver.lock.RunLocked`).

    Returns a :class:`TrainResult`. Non-finite losses or gradients (the unnormalized model diverging) skip the
    update and are counted in the history as ``nonfinite``: a result, not a crash.
    """
    if not isinstance(config, TrainConfig):
        raise TypeError(
            f"`config` must be a TrainConfig, got {type(config).__name__}; build one with TrainConfig(model={{...}})."
        )
    optional_count(max_batches, "max_batches")
    real(minutes, "minutes", positive=True, optional=True)
    real(save_every_minutes, "save_every_minutes", positive=True)
    placed = check_device(device) or torch.device("cpu")
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise ValueError(f"`out_dir` {str(out_dir)!r} is a file; pass a folder for the run (it is created if missing).")
    model = SudokuSolver.from_config(config.model_config)  # a config the model refuses fails before any file is made
    command = command or train_command(config, out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ValueError(f"cannot create the run folder `out_dir`={str(out_dir)!r} ({error.strerror}).") from None
    with RunLock(out_dir, command=command), Interrupts() as interrupts:
        run = _start(config, model, out_dir, placed, resume, command)
        data = load_train_data(config)
        run.total_updates = config.epochs * math.ceil(len(data.train_digits) / config.batch_size)
        clock = Clock(minutes, max_batches, save_every_minutes, interrupts, elapsed0=run.progress.elapsed_s)
        stopped = "done"
        with open(out_dir / "log.txt", "a") as log:
            while run.progress.epoch < config.epochs:
                reason, complete = _train_epoch(run, data, clock, placed, show_progress)
                if complete:
                    _end_epoch(run, data, clock, log, placed, show_progress)
                    reason = reason or ("interrupted" if clock.interrupted() else None)
                if reason is not None or not complete:
                    stopped = reason or stopped
                    break
    best = run.best_path if run.best_path.exists() else None
    return TrainResult(out_dir, run.history, stopped, run.last_path, best, run.best_val, interrupts.signal)
