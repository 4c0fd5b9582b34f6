"""``sadyn train`` and ``sadyn eval``: the command-line faces of :func:`sadyn.solver.train` and
:func:`sadyn.solver.evaluate`.

The config flags are generated from :class:`~sadyn.solver.ModelConfig` and :class:`~sadyn.solver.TrainConfig`
(:meth:`TrainConfig.to_argv` writes them back); this module adds the run options, checks ``--out``, ``--json`` and
``--device`` before any computation, and turns library errors into ``sadyn train: error: ...`` messages that name
the flag (``--group``, not the field ``group``).

Ctrl-C or SIGTERM during ``sadyn train`` saves a resumable checkpoint and exits with 130 or 143 (128 + the signal).
Resuming without ``--threads`` uses the thread count the run recorded, so that it stays bit-identical; an explicit
other ``--threads`` is honoured with a warning that the run will no longer be bit-identical.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import signal
from dataclasses import fields
from pathlib import Path

from ..solver._flags import add_config_arguments
from ..solver._flags import config_from_args as _config_from_flags
from ._errors import CommandError, check_output_file, check_output_folder, integer_at_least

__all__ = ["add_train_arguments", "run_train", "add_eval_arguments", "run_eval", "config_from_args", "config_to_argv"]


def _minutes(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of minutes > 0, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a finite number of minutes > 0, got {text}")
    return value


def add_train_arguments(parser: argparse.ArgumentParser) -> None:
    """Every config flag (generated, defaults shown) plus the run options, which are not part of the config."""
    parser.add_argument("--out", type=Path, required=True, help="run folder (last.pt, best.pt, log.txt)")
    parser.add_argument("--config", type=Path, default=None, help="a JSON TrainConfig; the config flags are ignored")
    add_config_arguments(parser)
    r = parser.add_argument_group("run (not part of the config)")
    r.add_argument("--device", default="cpu", help="cpu or cuda")
    r.add_argument("--minutes", type=_minutes, default=None, help="time budget: save and stop after this many minutes")
    r.add_argument(
        "--threads", type=integer_at_least(1), default=None, help="torch threads (default: $OMP_NUM_THREADS or 1)"
    )
    r.add_argument("--no-resume", action="store_true", help="refuse to continue an existing run in --out")
    r.add_argument("--quiet", action="store_true", help="no progress bar")


def config_from_args(args: argparse.Namespace):
    """A :class:`~sadyn.solver.TrainConfig` from parsed ``sadyn train`` flags (or from ``--config FILE``)."""
    from ..solver import TrainConfig

    if args.config is not None:
        try:
            data = json.loads(Path(args.config).read_text())
        except (OSError, ValueError) as error:
            reason = getattr(error, "strerror", None) or error
            raise CommandError(f"--config {args.config} cannot be read as JSON ({reason}); pass a JSON file.") from None
        if not isinstance(data, dict):
            raise CommandError(f"--config {args.config} must hold a JSON object of TrainConfig fields.")
        try:
            return TrainConfig.from_dict(data)
        except (ValueError, TypeError) as error:
            raise CommandError(f"--config {args.config}: {error}") from None
    try:
        return _config_from_flags(args)
    except (ValueError, TypeError) as error:
        raise CommandError(_as_flags(str(error))) from None


def _field_names() -> list[str]:
    from ..solver import ModelConfig, TrainConfig

    return sorted({f.name for cls in (ModelConfig, TrainConfig) for f in fields(cls)} - {"model"}, key=len)[::-1]


def _as_flags(message: str) -> str:
    """A library message in flag words: `` `group` `` -> ``--group``, ``heads=2`` -> ``--heads 2``."""
    for name in _field_names():
        flag = "--" + name.replace("_", "-")
        message = message.replace(f"`{name}`", flag)
        message = re.sub(rf"(?<![\w.'\[-]){name}=(?!=)", f"{flag} ", message)
    return message.replace(" or None,", " or none,")


def config_to_argv(config, out: str | Path) -> list[str]:
    """Flags that rebuild ``config`` exactly with ``sadyn train`` (inverse of :func:`config_from_args`)."""
    return ["--out", str(out), *config.to_argv()]


def _threads(n: int | None) -> None:
    import torch

    n = n or int(os.environ.get("OMP_NUM_THREADS", "1") or 1)
    torch.set_num_threads(max(1, n))


def _recorded_threads(out: Path) -> int | None:
    """The torch thread count that ``out/last.pt`` was written with (None if there is no readable one)."""
    import torch

    try:
        ckpt = torch.load(out / "last.pt", map_location="cpu", weights_only=True)
        threads = (ckpt.get("hardware") or {}).get("torch_threads")
    except Exception:  # noqa: BLE001 - no usable checkpoint: train() reports it properly
        return None
    return threads if isinstance(threads, int) and threads >= 1 else None


def _device(text: str, flag: str = "--device"):
    from .._validate import check_device

    try:
        return check_device(text)
    except ValueError as error:
        message = str(error).replace("`device`=", "`device` ").replace("device='cpu'", "--device cpu")
        raise CommandError(message.replace("`device`", flag)) from None


def run_train(args: argparse.Namespace) -> int:
    from ..solver import CheckpointError, train
    from ..solver.lock import RunLocked

    config = config_from_args(args)
    device = _device(args.device)
    out = check_output_folder(args.out, "--out")
    threads = args.threads
    if threads is None and (out / "last.pt").is_file():
        threads = _recorded_threads(out)
    _threads(threads)
    command = shlex.join(["sadyn", "train", *config_to_argv(config, args.out)])
    print(command, flush=True)
    try:
        result = train(
            config,
            out,
            device=device,
            minutes=args.minutes,
            resume=not args.no_resume,
            show_progress=not args.quiet,
            command=command,
        )
    except RunLocked as error:
        raise CommandError(f"--out {error}") from None
    except (CheckpointError, ValueError, TypeError) as error:
        raise CommandError(_as_flags(str(error))) from None
    except OSError as error:
        raise CommandError(f"writing the run in --out {out} failed: {error}") from None
    if result.signal is not None:
        name = signal.Signals(result.signal).name
        print(f"sadyn train: stopped by {name}; resumable checkpoint {result.last} (run the same command to continue).")
        return 128 + int(result.signal)
    print(f"stopped: {result.stopped}; best validation {result.best_val}; checkpoints in {result.out_dir}")
    return 0


def add_eval_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.ArgumentDefaultsHelpFormatter
    parser.add_argument("checkpoint", type=Path, help="a .pt file written by `sadyn train` (or a pretrained name)")
    parser.add_argument("--steps", type=integer_at_least(0), nargs="+", default=[16, 32, 64, 128], help="loop counts T")
    parser.add_argument(
        "--restarts",
        type=integer_at_least(1),
        nargs="+",
        default=[1, 4],
        help="K values; K > 1 votes by --vote (pass 1 alone to save time)",
    )
    parser.add_argument(
        "--vote",
        choices=("energy", "confidence"),
        default="energy",
        help="how K > 1 restarts pick one: lowest pseudo-energy (AKOrN) or the readout's most probable board",
    )
    parser.add_argument("--datasets", nargs="+", default=None, help="default: the checkpoint's ID and OOD sets")
    parser.add_argument("--limit", type=integer_at_least(1), default=None, help="first N puzzles of each test set")
    parser.add_argument("--seed", type=integer_at_least(0), default=0, help="seed of the initial-state noise")
    parser.add_argument("--raw", action="store_true", help="evaluate the raw weights instead of the EMA")
    parser.add_argument("--json", type=Path, default=None, help="also write the rows as JSON to this file")
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument("--threads", type=integer_at_least(1), default=None, help="torch threads")


def run_eval(args: argparse.Namespace) -> int:
    from ..solver import CheckpointError, evaluate, format_table, load_checkpoint, load_model, pretrained_path

    device = _device(args.device)
    if args.json is not None:
        check_output_file(args.json, "--json")
    _threads(args.threads)
    path = args.checkpoint
    if not path.exists():
        try:
            path = pretrained_path(str(args.checkpoint))
        except ValueError as error:
            raise CommandError(f"{args.checkpoint} is neither a file nor a pretrained model name ({error})") from None
    try:
        ckpt = load_checkpoint(path)
        model = load_model(ckpt, ema=not args.raw, device=device)
    except (CheckpointError, OSError) as error:
        raise CommandError(str(error)) from None
    datasets = args.datasets or [d for d in (ckpt["config"]["dataset"], ckpt["config"]["ood_dataset"]) if d]
    print(f"{path}: {ckpt['command']}")
    try:
        rows = evaluate(
            model,
            datasets,
            steps=args.steps,
            restarts=args.restarts,
            limit=args.limit,
            seed=args.seed,
            vote=args.vote,
        )
    except ValueError as error:
        raise CommandError(str(error).replace("`datasets`", "--datasets")) from None
    print(format_table(rows))
    text = json.dumps({"checkpoint": str(path), "command": ckpt["command"], "rows": rows}, indent=1)
    if args.json is not None:
        try:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(text)
        except OSError as error:  # checked before; the folder changed meanwhile: keep the rows on stdout
            print(text)
            raise CommandError(
                f"--json {args.json} could not be written ({error}); the rows are printed above."
            ) from None
    else:
        print(text)
    return 0
