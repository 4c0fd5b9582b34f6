"""``sadyn reproduce``: regenerate a paper figure and judge its claims (the work is in :mod:`sadyn.reproduce`)."""

from __future__ import annotations

import argparse

from ._errors import check_output_folder

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``sadyn reproduce`` flags (defined next to the figures, in :func:`sadyn.reproduce.add_arguments`)."""
    from ..reproduce import add_arguments as add

    add(parser)


def run(args: argparse.Namespace) -> int:
    """Check ``--out`` first, then run the chosen figures; their failures come back as exit statuses
    (:func:`sadyn.reproduce.run`)."""
    from ..reproduce import run as run_figures

    check_output_folder(args.out, "--out")
    return int(run_figures(args))
