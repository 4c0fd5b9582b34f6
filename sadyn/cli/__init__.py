"""The ``sadyn`` command line: ``sadyn lab``, ``train``, ``eval``, ``reproduce`` and ``sweep``.

The CLI only parses arguments, calls library functions and turns their errors into messages: ``lab.py``,
``train.py`` (train and eval) and ``reproduce.py`` hold one subcommand each; nothing in the library imports it.

Each subcommand is one entry of ``SUBCOMMANDS``: a help line, a function that adds its arguments to an
``argparse`` parser, and a function ``run(args) -> int`` that does the work and returns the exit status.
Both functions may be given as ``"module:function"`` strings; they are imported only when that subcommand
is used, so ``sadyn --help`` imports nothing heavy and one broken subcommand cannot break the others.
To add a subcommand, write its two functions in its own module and add one line to ``SUBCOMMANDS``::

    "reproduce": Subcommand("reproduce a paper figure", "sadyn.cli.reproduce:add_arguments", "sadyn.cli.reproduce:run"),

The contract of every subcommand (``tests/test_cli_errors.py`` checks it case by case, in subprocesses):

- a bad argument, a bad output location or a failure the user can fix is one line on stderr,
  ``sadyn <command>: error: <what and how to fix>``, and exit status 2 (argparse's own errors read the same);
  subcommands raise :class:`CommandError` for it. Output locations are checked before any computation.
- warnings print as ``sadyn <command>: warning: <message>`` (no file and line of the library).
- Ctrl-C ends with one line and status 130 (``sadyn train`` first saves a resumable checkpoint; SIGTERM: 143).
- an unexpected exception (a bug) prints ``sadyn <command>: error: unexpected <type>: <message>`` and a request to
  report it, with exit status 1; ``SADYN_DEBUG=1`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ._errors import CommandError as CommandError

__all__ = ["main", "build_parser", "SUBCOMMANDS", "Subcommand", "CommandError"]

AddArguments = Callable[[argparse.ArgumentParser], None]
Run = Callable[[argparse.Namespace], int]


@dataclass(frozen=True)
class Subcommand:
    """One ``sadyn`` subcommand: ``help`` is shown by ``sadyn --help``; ``add_arguments(parser)`` and
    ``run(args) -> int`` are callables or ``"module:function"`` strings resolved on first use."""

    help: str
    add_arguments: AddArguments | str
    run: Run | str


def _resolve(target: Callable | str) -> Callable:
    """``"package.module:function"`` -> the function (imported now); a callable is returned as is."""
    if callable(target):
        return target
    module_name, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module_name), attribute)


# ----------------------------------------------------------------------------------------------------------
# the registry and the entry point

SUBCOMMANDS: dict[str, Subcommand] = {
    "lab": Subcommand("open the tutorials in JupyterLab", "sadyn.cli.lab:add_arguments", "sadyn.cli.lab:run"),
    "train": Subcommand("train a Sudoku solver", "sadyn.cli.train:add_train_arguments", "sadyn.cli.train:run_train"),
    "eval": Subcommand(
        "evaluate a Sudoku checkpoint", "sadyn.cli.train:add_eval_arguments", "sadyn.cli.train:run_eval"
    ),
    "reproduce": Subcommand(
        "reproduce a paper figure and judge its claims", "sadyn.cli.reproduce:add_arguments", "sadyn.cli.reproduce:run"
    ),
    "tutorials": Subcommand(
        "copy the tutorials into a folder", "sadyn.cli.tutorials:add_arguments", "sadyn.cli.tutorials:run"
    ),
    "sweep": Subcommand(
        "run a grid of training runs from a TOML spec", "sadyn.cli.sweep:add_arguments", "sadyn.cli.sweep:run"
    ),
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The ``sadyn`` parser; only ``command``'s arguments are added (and its module imported)."""
    parser = argparse.ArgumentParser(
        prog="sadyn",
        description="Recurrent self-attention dynamics: tutorials and tools.",
        epilog="Run `sadyn COMMAND --help` for the options of one command.",
    )
    from .. import __version__

    parser.add_argument("--version", action="version", version=f"sadyn {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for name, subcommand in SUBCOMMANDS.items():
        sub = subparsers.add_parser(name, help=subcommand.help, description=subcommand.help)
        sub.set_defaults(_subparser=sub)  # so that unknown arguments are reported as `sadyn NAME: error: ...`
        if name == command:
            _resolve(subcommand.add_arguments)(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` (default ``sys.argv[1:]``), run the chosen subcommand, return its exit status."""
    from ..solver._flags import glue_negative_numbers  # `--omega -inf` is a value, not an option

    argv = glue_negative_numbers(sys.argv[1:] if argv is None else argv)
    chosen = next((arg for arg in argv if not arg.startswith("-")), None)
    parser = build_parser(chosen if chosen in SUBCOMMANDS else None)
    args, extra = parser.parse_known_args(argv)
    if args.command is None:
        if extra:
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
        parser.print_help()
        return 2
    if extra:
        args._subparser.error(f"unrecognized arguments: {' '.join(extra)}")
    prog = f"sadyn {args.command}"
    with warnings.catch_warnings():
        warnings.showwarning = _show_warning(prog)
        try:
            return int(_resolve(SUBCOMMANDS[args.command].run)(args))
        except CommandError as error:
            print(f"{prog}: error: {error}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            print(f"\n{prog}: interrupted (Ctrl-C).", file=sys.stderr)
            return 130
        except Exception as error:  # noqa: BLE001 - a bug: one clear line, the traceback on request
            if os.environ.get("SADYN_DEBUG"):
                raise
            print(
                f"{prog}: error: unexpected {type(error).__name__}: {error}. This is a bug in sadyn: please report "
                f"it with the command line (run with SADYN_DEBUG=1 to see the traceback).",
                file=sys.stderr,
            )
            return 1


def _show_warning(prog: str):
    """A ``warnings.showwarning`` that prints ``<prog>: warning: <message>`` (no source file and line)."""

    def show(message, category, filename, lineno, file=None, line=None) -> None:  # noqa: ANN001 - warnings' API
        print(f"{prog}: warning: {message}", file=file or sys.stderr)

    return show


if __name__ == "__main__":
    sys.exit(main())
