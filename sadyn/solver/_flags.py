"""Command-line flags generated from :class:`ModelConfig` and :class:`TrainConfig` fields, and back.

Each field ``name`` becomes ``--name-with-dashes`` with its type, its allowed values and its help text
(default shown); optional fields read ``none`` as None; booleans are ``--flag`` / ``--no-flag``. The CLI
(:mod:`sadyn.cli.train`) only adds the run options (``--out``, ``--device``, ...) around these.
"""

from __future__ import annotations

import argparse
import types
import typing
from collections.abc import Sequence
from dataclasses import MISSING, fields
from typing import Any

from .config import ModelConfig, TrainConfig

__all__ = [
    "add_config_arguments",
    "config_from_args",
    "config_from_argv",
    "config_to_argv",
    "glue_negative_numbers",
    "NONE",
]

NONE = "none"
# TrainConfig fields whose defaults follow the board size (resolved in config_from_args)
_SIZED_DEFAULTS = {"dataset": None, "ood_dataset": "default"}


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _negative_number(text: str) -> bool:
    """``-inf``, ``-1e-3``, ``-.5``: a value argparse would mistake for an option (it only knows ``-1``, ``-0.5``)."""
    if not text.startswith("-") or text.startswith("--"):
        return False
    try:
        float(text)
    except ValueError:
        return False
    return True


def glue_negative_numbers(argv: Sequence[str]) -> list[str]:
    """``["--omega", "-inf"]`` -> ``["--omega=-inf"]``, so that argparse reads every negative number as a value."""
    out: list[str] = []
    for arg in argv:
        if out and out[-1].startswith("--") and "=" not in out[-1] and _negative_number(arg):
            out[-1] = f"{out[-1]}={arg}"
        else:
            out.append(arg)
    return out


_KIND = {int: "an integer", float: "a number", str: "a string"}


def _parser_for(base: type, optional: bool):
    def parse(text: str):
        if optional and text.lower() == NONE:
            return None
        try:
            return base(text)
        except ValueError:
            alternative = f" or '{NONE}'" if optional else ""
            raise argparse.ArgumentTypeError(
                f"expected {_KIND.get(base, base.__name__)}{alternative}, got {text!r}"
            ) from None

    parse.__name__ = base.__name__  # argparse names the type in its error messages
    return parse


def _add_fields(group: argparse._ArgumentGroup, cls: type, skip: tuple[str, ...]) -> None:
    hints = typing.get_type_hints(cls)
    for f in fields(cls):
        if f.name in skip:
            continue
        kind = hints[f.name]
        args = typing.get_args(kind)
        optional = typing.get_origin(kind) in (typing.Union, types.UnionType) and type(None) in args
        inner = next((a for a in args if a is not type(None)), kind) if optional else kind
        choices = f.metadata.get("choices")
        choices = tuple(choices()) if callable(choices) else choices
        if typing.get_origin(inner) is typing.Literal:
            choices, inner = choices or typing.get_args(inner), str
        default = _SIZED_DEFAULTS.get(f.name, f.default if f.default is not MISSING else None)
        shown = NONE if default is None else default
        help_ = f"{f.metadata.get('help', '')} (default: {shown})"
        if inner is bool:
            group.add_argument(_flag(f.name), action=argparse.BooleanOptionalAction, default=default, help=help_)
            continue
        if choices is not None:  # argparse checks the parsed value, so None stands for "none"
            choices = tuple(choices) + ((None,) if optional and None not in choices else ())
            help_ += f"; one of {', '.join(_text(c) for c in choices)}"
        group.add_argument(
            _flag(f.name),
            type=_parser_for(inner, optional),
            default=default,
            choices=choices,
            help=help_,
            metavar=f.name.upper(),
        )


def add_config_arguments(parser: argparse.ArgumentParser) -> None:
    """Add one flag per :class:`ModelConfig` field (but ``seed``) and per :class:`TrainConfig` field."""
    _add_fields(parser.add_argument_group("model (ModelConfig)"), ModelConfig, skip=("seed",))
    _add_fields(parser.add_argument_group("training (TrainConfig)"), TrainConfig, skip=("model",))


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    """The :class:`TrainConfig` of parsed flags (the inverse of :func:`config_to_argv`)."""
    model = {f.name: getattr(args, f.name) for f in fields(ModelConfig) if f.name != "seed"}
    train = {f.name: getattr(args, f.name) for f in fields(TrainConfig) if f.name != "model"}
    size = model["size"]
    if train["dataset"] is None:
        train["dataset"] = f"sudoku{size}-id"
    if train["ood_dataset"] == "default":
        train["ood_dataset"] = f"sudoku{size}-ood"
    return TrainConfig(model=model, **train)


def config_from_argv(argv: Sequence[str]) -> TrainConfig:
    """Parse ``sadyn train`` flags (a leading ``sadyn train`` and any ``--out DIR`` are allowed and ignored)."""
    argv = list(argv)
    if argv[:2] == ["sadyn", "train"]:
        argv = argv[2:]
    parser = argparse.ArgumentParser(prog="sadyn train", exit_on_error=False)
    parser.add_argument("--out", default=None, help=argparse.SUPPRESS)
    add_config_arguments(parser)
    try:
        args = parser.parse_args(glue_negative_numbers(argv))
    except (argparse.ArgumentError, SystemExit) as error:
        raise ValueError(f"not a valid `sadyn train` command line {argv!r}: {error}") from None
    return config_from_args(args)


def _text(value: Any) -> str:
    return NONE if value is None else str(value)


def config_to_argv(config: TrainConfig) -> list[str]:
    """Flags that rebuild ``config`` exactly with ``sadyn train`` (every field explicit)."""
    argv: list[str] = []
    items = [(k, v) for k, v in config.model.items()] + [
        (f.name, getattr(config, f.name)) for f in fields(TrainConfig) if f.name != "model"
    ]
    for name, value in items:
        if isinstance(value, bool):
            argv.append(_flag(name) if value else "--no-" + name.replace("_", "-"))
        elif _negative_number(_text(value)):
            argv.append(f"{_flag(name)}={_text(value)}")  # `--omega -inf` would read as two options
        else:
            argv += [_flag(name), _text(value)]
    return argv
