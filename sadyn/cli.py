"""The ``sadyn`` command line: ``sadyn lab``, ``train``, ``eval`` and, later, ``reproduce``.

Each subcommand is one entry of ``SUBCOMMANDS``: a help line, a function that adds its arguments to an
``argparse`` parser, and a function ``run(args) -> int`` that does the work and returns the exit status.
Both functions may be given as ``"module:function"`` strings; they are imported only when that subcommand
is used, so ``sadyn --help`` imports nothing heavy and one broken subcommand cannot break the others.
To add a subcommand, write its two functions in its own module and add one line to ``SUBCOMMANDS``::

    "reproduce": Subcommand("reproduce a paper figure", "sadyn.reproduce:add_arguments", "sadyn.reproduce:run"),
"""

from __future__ import annotations

import argparse
import importlib
import os
import shlex
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

AddArguments = Callable[[argparse.ArgumentParser], None]
_REPLACE_PROCESS = os.name == "posix"  # `sadyn lab` execs JupyterLab where the OS can
Run = Callable[[argparse.Namespace], int]


@dataclass(frozen=True)
class Subcommand:
    """One ``sadyn`` subcommand: ``help`` is shown by ``sadyn --help``; ``add_arguments(parser)`` and
    ``run(args) -> int`` are callables or ``"module:function"`` strings resolved on first use."""

    help: str
    add_arguments: AddArguments | str
    run: Run | str


class CommandError(Exception):
    """A failure to report as ``sadyn <command>: error: <message>`` with exit status 2, no traceback."""


def _resolve(target: Callable | str) -> Callable:
    """``"package.module:function"`` -> the function (imported now); a callable is returned as is."""
    if callable(target):
        return target
    module_name, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module_name), attribute)


# ----------------------------------------------------------------------------------------------------------
# sadyn lab


def find_tutorials(start: Path | None = None) -> Path:
    """The ``tutorials/`` folder of the source checkout that holds this package.

    ``sadyn`` installed editable (``pip install -e .``, as ``make lab`` does) imports from the checkout, so
    the folder sits next to the ``sadyn`` package. Raises ``CommandError`` when it is not there (for
    example after a non-editable ``pip install``).
    """
    package_dir = Path(__file__).resolve().parent if start is None else Path(start).resolve()
    candidate = package_dir.parent / "tutorials"
    if not candidate.is_dir():
        raise CommandError(
            f"no tutorials folder next to the sadyn package: looked for {candidate}. The tutorials ship "
            f"with the source, not the installed package; clone the repository and run `make lab` there, "
            f"or pass the folder explicitly with `sadyn lab --dir PATH`."
        )
    return candidate


def _add_lab_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dir",
        type=Path,
        default=None,
        metavar="PATH",
        help="folder to open (default: the tutorials/ folder of this checkout)",
    )
    parser.add_argument(
        "--port", type=int, default=None, help="port for the server (default: 8888 or the next free one)"
    )
    parser.add_argument("--no-browser", action="store_true", help="start the server without opening a browser")
    parser.add_argument("--dry-run", action="store_true", help="print the command that would run, and exit")


def lab_command(directory: Path, *, port: int | None = None, no_browser: bool = False) -> list[str]:
    """The command line that starts JupyterLab in this Python with ``directory`` as its root.

    The first notebook of ``directory`` (by name) opens at start; as root (these machines, containers),
    ``--allow-root`` is added, without which Jupyter refuses to start.
    """
    if port is not None and not 0 < port < 65536:
        raise CommandError(f"--port must be in 1..65535, got --port {port}; omit it to let JupyterLab choose.")
    command = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={directory}"]
    notebooks = sorted(directory.glob("*.ipynb"))
    if notebooks:
        command.append(f"--LabApp.default_url=/lab/tree/{quote(notebooks[0].name)}")
    if port is not None:
        command.append(f"--ServerApp.port={port}")
    if no_browser:
        command.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    return command


def _run_lab(args: argparse.Namespace) -> int:
    if args.dir is None:
        directory = find_tutorials()
    else:
        directory = args.dir.expanduser().resolve()
        if not directory.is_dir():
            raise CommandError(f"--dir must be an existing folder, got --dir {args.dir}.")
    command = lab_command(directory, port=args.port, no_browser=args.no_browser)
    if args.dry_run:
        print(shlex.join(command))
        return 0
    import importlib.util

    if importlib.util.find_spec("jupyterlab") is None:
        raise CommandError(
            "JupyterLab is not installed in this environment; install the development extra with "
            "`pip install -e '.[dev]'` (or run `make lab`, which does it)."
        )
    return _launch(command, directory)


def _launch(command: list[str], cwd: Path) -> int:
    """Run ``command`` in ``cwd``. On POSIX this process *becomes* JupyterLab (``os.execv``), so Ctrl-C and
    a terminating parent reach the server itself and no orphaned server is left behind."""
    if _REPLACE_PROCESS:
        os.chdir(cwd)
        os.execv(command[0], command)  # does not return
    try:
        return subprocess.call(command, cwd=cwd)
    except KeyboardInterrupt:
        return 130


# ----------------------------------------------------------------------------------------------------------
# the registry and the entry point

SUBCOMMANDS: dict[str, Subcommand] = {
    "lab": Subcommand("open the tutorials in JupyterLab", _add_lab_arguments, _run_lab),
    "train": Subcommand(
        "train a Sudoku solver", "sadyn.training.cli:add_train_arguments", "sadyn.training.cli:run_train"
    ),
    "eval": Subcommand(
        "evaluate a Sudoku checkpoint", "sadyn.training.cli:add_eval_arguments", "sadyn.training.cli:run_eval"
    ),
    "reproduce": Subcommand(
        "reproduce a paper figure and judge its claims", "sadyn.reproduce:add_arguments", "sadyn.reproduce:run"
    ),
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The ``sadyn`` parser; only ``command``'s arguments are added (and its module imported)."""
    parser = argparse.ArgumentParser(
        prog="sadyn",
        description="Recurrent self-attention dynamics: tutorials and tools.",
        epilog="Run `sadyn COMMAND --help` for the options of one command.",
    )
    from . import __version__

    parser.add_argument("--version", action="version", version=f"sadyn {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for name, subcommand in SUBCOMMANDS.items():
        sub = subparsers.add_parser(name, help=subcommand.help, description=subcommand.help)
        if name == command:
            _resolve(subcommand.add_arguments)(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` (default ``sys.argv[1:]``), run the chosen subcommand, return its exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    chosen = next((arg for arg in argv if not arg.startswith("-")), None)
    parser = build_parser(chosen if chosen in SUBCOMMANDS else None)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return int(_resolve(SUBCOMMANDS[args.command].run)(args))
    except CommandError as error:
        print(f"sadyn {args.command}: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
