"""``sadyn lab``: open the tutorials in JupyterLab (argparse and error translation; the launch itself)."""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

from ._errors import CommandError

__all__ = ["add_arguments", "run", "find_tutorials", "lab_command"]

_REPLACE_PROCESS = os.name == "posix"  # `sadyn lab` execs JupyterLab where the OS can


def find_tutorials(start: Path | None = None) -> Path:
    """The ``tutorials/`` folder of the source checkout that holds this package.

    ``sadyn`` installed editable (``pip install -e .``, as ``make lab`` does) imports from the checkout, so
    the folder sits next to the ``sadyn`` package. Raises ``CommandError`` when it is not there (for
    example after a non-editable ``pip install``).
    """
    package_dir = Path(__file__).resolve().parent.parent if start is None else Path(start).resolve()
    candidate = package_dir.parent / "tutorials"
    if not candidate.is_dir():
        raise CommandError(
            f"no tutorials folder next to the sadyn package: looked for {candidate}. The tutorials ship "
            f"with the source, not the installed package; clone the repository and run `make lab` there, "
            f"or pass the folder explicitly with `sadyn lab --dir PATH`."
        )
    return candidate


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dir",
        type=Path,
        default=None,
        metavar="PATH",
        help="folder to open, filled with the tutorials if it holds no notebook (default: the checkout's "
        "tutorials/, or ./sadyn-tutorials for an installed package)",
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


def run(args: argparse.Namespace) -> int:
    """Open ``--dir`` (filled with the tutorials when it holds no notebook), else the checkout's ``tutorials/``,
    else ``./sadyn-tutorials`` (copied from the installed package: :func:`sadyn._bundle.lab_directory`)."""
    from .._bundle import lab_directory

    if args.dir is not None and args.dir.expanduser().exists() and not args.dir.expanduser().is_dir():
        raise CommandError(f"--dir must be a folder, got the file --dir {args.dir}.")
    if args.dry_run:  # say what would open; copy nothing
        directory = args.dir.expanduser().resolve() if args.dir is not None else find_tutorials_or_default()
        print(shlex.join(lab_command(directory, port=args.port, no_browser=args.no_browser)))
        return 0
    import importlib.util

    if importlib.util.find_spec("jupyterlab") is None:
        raise CommandError(
            "JupyterLab is not installed in this environment; `pip install 'sadyn[lab]'` "
            "(in a checkout of the repository: `make lab`)."
        )
    try:
        directory, report = lab_directory(args.dir)
    except (TypeError, NotADirectoryError, FileNotFoundError, OSError) as error:
        raise CommandError(str(error)) from None
    if report is not None:
        print(report.summary(), flush=True)
    return _launch(lab_command(directory, port=args.port, no_browser=args.no_browser), directory)


def find_tutorials_or_default() -> Path:
    """The checkout's ``tutorials/`` where it exists, else the ``./sadyn-tutorials`` folder ``sadyn lab`` fills."""
    try:
        return find_tutorials()
    except CommandError:
        from .._bundle import DEFAULT_FOLDER

        return (Path.cwd() / DEFAULT_FOLDER).resolve()


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
