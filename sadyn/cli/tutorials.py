"""``sadyn tutorials [DIR]``: copy the shipped tutorials into a folder (the work is in :mod:`sadyn._bundle`)."""

from __future__ import annotations

import argparse
from pathlib import Path

from ._errors import CommandError

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``sadyn tutorials`` arguments."""
    parser.add_argument(
        "dir", nargs="?", type=Path, default=Path("sadyn-tutorials"), help="target folder (default: sadyn-tutorials)"
    )


def run(args: argparse.Namespace) -> int:
    """Copy; edited copies are kept, unedited old ones updated; prints what happened."""
    from .._bundle import copy_tutorials

    try:
        report = copy_tutorials(args.dir)
    except (TypeError, NotADirectoryError, FileNotFoundError) as error:
        raise CommandError(str(error)) from None
    except OSError as error:
        raise CommandError(f"cannot write the tutorials into {str(args.dir)!r} ({error.strerror}).") from None
    print(report.summary())
    return 0
