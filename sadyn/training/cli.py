"""``sadyn train`` and ``sadyn eval``: the command-line faces of :func:`train` and :func:`evaluate`.

Every training option is a flag; :func:`config_to_argv` writes a config back as flags, so the command stored in a
checkpoint names every option explicitly and still means the same run when defaults change.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
from pathlib import Path

__all__ = ["add_train_arguments", "run_train", "add_eval_arguments", "run_eval", "config_to_argv", "config_from_args"]

_NONE = "none"


def _opt(value: str) -> str | None:
    return None if value.lower() == _NONE else value


def _opt_int(value: str) -> int | None:
    return None if value.lower() == _NONE else int(value)


def add_train_arguments(parser: argparse.ArgumentParser) -> None:
    m = parser.add_argument_group("model")
    m.add_argument("--size", type=int, default=9, choices=(4, 9), help="board side (default 9)")
    m.add_argument("--dynamics", default="itrsa", choices=("itrsa", "akorn", "energy"))
    m.add_argument("--dim", type=int, default=128, help="D, token dimension (default 128)")
    m.add_argument("--heads", type=int, default=8, help="H, attention heads (default 8; 1 for energy)")
    m.add_argument(
        "--norm", default="default", help="rms | sphere | layer | none | default (rms for itrsa, sphere for akorn)"
    )
    m.add_argument("--oscillator-dim", type=int, default=4, help="N (AKOrN oscillators, readout amplitudes)")
    m.add_argument("--group", type=_opt_int, default=None, help="ItrSA: normalize chunks of this many channels")
    m.add_argument("--gamma", type=float, default=None, help="initial RMS gain (default sqrt(D) token-wise, else 1)")
    m.add_argument("--positions", default="units", choices=("units", "cells", "none"))
    m.add_argument("--omega", type=float, default=0.5)
    m.add_argument("--eta", type=float, default=1.0)
    m.add_argument("--dt", type=float, default=0.5, help="EnergySA Euler step")
    m.add_argument("--orthogonal-values", action="store_true", help="orthogonal W^V, W^O (E-multi setup)")
    m.add_argument("--readout-features", type=_opt_int, default=None)
    t = parser.add_argument_group("training")
    t.add_argument("--out", type=Path, required=True, help="run folder (last.pt, best.pt, log.txt)")
    t.add_argument("--config", type=Path, default=None, help="a JSON TrainConfig; other flags are then ignored")
    t.add_argument("--dataset", default=None, help="training set (default sudoku{size}-id)")
    t.add_argument(
        "--ood-dataset", type=_opt, default="default", help="OOD test set (default sudoku{size}-ood; 'none')"
    )
    t.add_argument("--steps", type=int, default=16, help="T, loops during training")
    t.add_argument("--epochs", type=int, default=100)
    t.add_argument("--batch-size", type=int, default=50)
    t.add_argument("--lr", type=float, default=1e-3)
    t.add_argument("--warmup-steps", type=int, default=0)
    t.add_argument("--grad-clip", type=float, default=1.0)
    t.add_argument("--ema", type=float, default=0.995)
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--regularizer", type=_opt, default=None, choices=(None, "spectral", "e_single", "e_multi"))
    t.add_argument("--reg-weight", type=float, default=0.0)
    t.add_argument("--loss-on", default="all", choices=("all", "blanks"))
    t.add_argument("--train-size", type=_opt_int, default=None)
    t.add_argument("--val-size", type=int, default=500)
    r = parser.add_argument_group("run (not part of the config)")
    r.add_argument("--device", default="cpu", help="cpu (default) or cuda")
    r.add_argument("--minutes", type=float, default=None, help="time budget: save and stop after this many minutes")
    r.add_argument("--threads", type=int, default=None, help="torch threads (default: $OMP_NUM_THREADS or 1)")
    r.add_argument("--no-resume", action="store_true", help="refuse to continue an existing run in --out")
    r.add_argument("--quiet", action="store_true", help="no progress bar")


def config_from_args(args: argparse.Namespace):
    """A :class:`TrainConfig` from parsed ``sadyn train`` flags (or from ``--config FILE``)."""
    from .config import TrainConfig

    if args.config is not None:
        return TrainConfig.from_dict(json.loads(Path(args.config).read_text()))
    model = {
        "dim": args.dim,
        "heads": args.heads,
        "size": args.size,
        "dynamics": args.dynamics,
        "norm": None if args.norm.lower() == _NONE else args.norm,
        "oscillator_dim": args.oscillator_dim,
        "group": args.group,
        "gamma": args.gamma,
        "positions": args.positions,
        "omega": args.omega,
        "eta": args.eta,
        "dt": args.dt,
        "orthogonal_values": args.orthogonal_values,
        "readout_features": args.readout_features,
    }
    ood = f"sudoku{args.size}-ood" if args.ood_dataset == "default" else args.ood_dataset
    return TrainConfig(
        model=model,
        dataset=args.dataset or f"sudoku{args.size}-id",
        ood_dataset=ood,
        steps=args.steps,
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        warmup_steps=args.warmup_steps,
        grad_clip=args.grad_clip,
        ema=args.ema,
        seed=args.seed,
        regularizer=args.regularizer,
        reg_weight=args.reg_weight,
        loss_on=args.loss_on,
        train_size=args.train_size,
        val_size=args.val_size,
    )


def config_to_argv(config, out: str | Path) -> list[str]:
    """Flags that rebuild ``config`` exactly with ``sadyn train`` (inverse of :func:`config_from_args`)."""
    m = dict(config.model)
    s = lambda v: _NONE if v is None else str(v)  # noqa: E731
    argv = [
        "--out",
        str(out),
        "--size",
        str(m.get("size", 9)),
        "--dynamics",
        m.get("dynamics", "itrsa"),
        "--dim",
        str(m["dim"]),
        "--heads",
        str(m["heads"]),
        "--norm",
        s(m.get("norm", "default")),
        "--oscillator-dim",
        str(m.get("oscillator_dim", 4)),
        "--group",
        s(m.get("group")),
        "--positions",
        m.get("positions", "units"),
        "--omega",
        str(m.get("omega", 0.5)),
        "--eta",
        str(m.get("eta", 1.0)),
        "--dt",
        str(m.get("dt", 0.5)),
        "--readout-features",
        s(m.get("readout_features")),
    ]
    if m.get("gamma") is not None:
        argv += ["--gamma", str(m["gamma"])]
    if m.get("orthogonal_values"):
        argv.append("--orthogonal-values")
    argv += [
        "--dataset",
        config.dataset,
        "--ood-dataset",
        s(config.ood_dataset),
        "--steps",
        str(config.steps),
        "--epochs",
        str(config.epochs),
        "--batch-size",
        str(config.batch_size),
        "--lr",
        str(config.lr),
        "--warmup-steps",
        str(config.warmup_steps),
        "--grad-clip",
        str(config.grad_clip),
        "--ema",
        str(config.ema),
        "--seed",
        str(config.seed),
        "--regularizer",
        s(config.regularizer),
        "--reg-weight",
        str(config.reg_weight),
        "--loss-on",
        config.loss_on,
        "--train-size",
        s(config.train_size),
        "--val-size",
        str(config.val_size),
    ]
    return argv


def _threads(n: int | None) -> None:
    import torch

    n = n or int(os.environ.get("OMP_NUM_THREADS", "1") or 1)
    torch.set_num_threads(max(1, n))


def run_train(args: argparse.Namespace) -> int:
    from ..cli import CommandError
    from .checkpoint import CheckpointError
    from .loop import train

    try:
        config = config_from_args(args)
    except (ValueError, TypeError, OSError) as error:
        raise CommandError(str(error)) from None
    _threads(args.threads)
    command = shlex.join(["sadyn", "train", *config_to_argv(config, args.out)])
    print(command, flush=True)
    try:
        result = train(
            config,
            args.out,
            device=args.device,
            minutes=args.minutes,
            resume=not args.no_resume,
            show_progress=not args.quiet,
            command=command,
        )
    except CheckpointError as error:
        raise CommandError(str(error)) from None
    print(f"stopped: {result.stopped}; best validation {result.best_val}; checkpoints in {result.out_dir}")
    return 0


def add_eval_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("checkpoint", type=Path, help="a .pt file written by `sadyn train` (or a pretrained name)")
    parser.add_argument("--steps", type=int, nargs="+", default=[16, 32, 64, 128], help="loop counts T")
    parser.add_argument(
        "--restarts",
        type=int,
        nargs="+",
        default=[1, 4],
        help="K values; K > 1 votes by lowest pseudo-energy (default: 1 4; pass 1 alone to save time)",
    )
    parser.add_argument("--datasets", nargs="+", default=None, help="default: the checkpoint's ID and OOD sets")
    parser.add_argument("--limit", type=int, default=None, help="first N puzzles of each test set")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--raw", action="store_true", help="evaluate the raw weights instead of the EMA")
    parser.add_argument("--json", type=Path, default=None, help="also write the rows as JSON to this file")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=None)


def run_eval(args: argparse.Namespace) -> int:
    from ..cli import CommandError
    from .checkpoint import CheckpointError, load_checkpoint, load_model
    from .evaluate import evaluate, format_table

    _threads(args.threads)
    path = args.checkpoint
    if not path.exists():
        from ..pretrained import pretrained_path

        try:
            path = pretrained_path(str(args.checkpoint))
        except ValueError as error:
            raise CommandError(f"{args.checkpoint} is neither a file nor a pretrained model name ({error})") from None
    try:
        ckpt = load_checkpoint(path)
        model = load_model(ckpt, ema=not args.raw, device=args.device)
    except (CheckpointError, FileNotFoundError) as error:
        raise CommandError(str(error)) from None
    datasets = args.datasets or [d for d in (ckpt["config"]["dataset"], ckpt["config"]["ood_dataset"]) if d]
    print(f"{path}: {ckpt['command']}")
    try:
        rows = evaluate(model, datasets, steps=args.steps, restarts=args.restarts, limit=args.limit, seed=args.seed)
    except ValueError as error:
        raise CommandError(str(error)) from None
    print(format_table(rows))
    text = json.dumps({"checkpoint": str(path), "command": ckpt["command"], "rows": rows}, indent=1)
    if args.json is not None:
        args.json.write_text(text)
    else:
        print(text)
    return 0
