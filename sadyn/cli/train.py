"""``sadyn train`` and ``sadyn eval``: the command-line faces of :func:`sadyn.solver.train` and
:func:`sadyn.solver.evaluate`.

The config flags are generated from :class:`~sadyn.solver.ModelConfig` and :class:`~sadyn.solver.TrainConfig`
(:meth:`TrainConfig.to_argv` writes them back); this module adds the run options and turns library errors into
``sadyn train: error: ...`` messages.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
from pathlib import Path

from ..solver._flags import add_config_arguments
from ..solver._flags import config_from_args as _config_from_flags
from ._errors import CommandError

__all__ = ["add_train_arguments", "run_train", "add_eval_arguments", "run_eval", "config_from_args", "config_to_argv"]


def _count(minimum: int):
    def parse(text: str) -> int:
        value = int(text)
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be an integer >= {minimum}, got {text}")
        return value

    parse.__name__ = "int"
    return parse


def add_train_arguments(parser: argparse.ArgumentParser) -> None:
    """Every config flag (generated, defaults shown) plus the run options, which are not part of the config."""
    parser.add_argument("--out", type=Path, required=True, help="run folder (last.pt, best.pt, log.txt)")
    parser.add_argument("--config", type=Path, default=None, help="a JSON TrainConfig; the config flags are ignored")
    add_config_arguments(parser)
    r = parser.add_argument_group("run (not part of the config)")
    r.add_argument("--device", default="cpu", help="cpu or cuda")
    r.add_argument("--minutes", type=float, default=None, help="time budget: save and stop after this many minutes")
    r.add_argument("--threads", type=_count(1), default=None, help="torch threads (default: $OMP_NUM_THREADS or 1)")
    r.add_argument("--no-resume", action="store_true", help="refuse to continue an existing run in --out")
    r.add_argument("--quiet", action="store_true", help="no progress bar")


def config_from_args(args: argparse.Namespace):
    """A :class:`~sadyn.solver.TrainConfig` from parsed ``sadyn train`` flags (or from ``--config FILE``)."""
    from ..solver import TrainConfig

    if args.config is not None:
        return TrainConfig.from_dict(json.loads(Path(args.config).read_text()))
    return _config_from_flags(args)


def config_to_argv(config, out: str | Path) -> list[str]:
    """Flags that rebuild ``config`` exactly with ``sadyn train`` (inverse of :func:`config_from_args`)."""
    return ["--out", str(out), *config.to_argv()]


def _threads(n: int | None) -> None:
    import torch

    n = n or int(os.environ.get("OMP_NUM_THREADS", "1") or 1)
    torch.set_num_threads(max(1, n))


def run_train(args: argparse.Namespace) -> int:
    from ..solver import CheckpointError, train

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
    except (CheckpointError, ValueError) as error:
        raise CommandError(str(error)) from None
    print(f"stopped: {result.stopped}; best validation {result.best_val}; checkpoints in {result.out_dir}")
    return 0


def add_eval_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.ArgumentDefaultsHelpFormatter
    parser.add_argument("checkpoint", type=Path, help="a .pt file written by `sadyn train` (or a pretrained name)")
    parser.add_argument("--steps", type=_count(0), nargs="+", default=[16, 32, 64, 128], help="loop counts T")
    parser.add_argument(
        "--restarts",
        type=_count(1),
        nargs="+",
        default=[1, 4],
        help="K values; K > 1 votes by lowest pseudo-energy (pass 1 alone to save time)",
    )
    parser.add_argument("--datasets", nargs="+", default=None, help="default: the checkpoint's ID and OOD sets")
    parser.add_argument("--limit", type=_count(1), default=None, help="first N puzzles of each test set")
    parser.add_argument("--seed", type=_count(0), default=0, help="seed of the initial-state noise")
    parser.add_argument("--raw", action="store_true", help="evaluate the raw weights instead of the EMA")
    parser.add_argument("--json", type=Path, default=None, help="also write the rows as JSON to this file")
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument("--threads", type=_count(1), default=None, help="torch threads")


def run_eval(args: argparse.Namespace) -> int:
    from ..solver import CheckpointError, evaluate, format_table, load_checkpoint, load_model, pretrained_path

    _threads(args.threads)
    path = args.checkpoint
    if not path.exists():
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
