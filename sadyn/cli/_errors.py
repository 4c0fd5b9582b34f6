"""The one exception the subcommands raise for a message without a traceback, the checks of output paths, and
the argparse type of counted flags (``--jobs``, ``--threads``, ``--limit``).

Output locations are checked before any computation (``check_output_folder``, ``check_output_file``), so a
typo in ``--out`` or ``--json`` costs nothing: the answer is ``sadyn <command>: error: ...`` at once, not a
``PermissionError`` after an hour of training or evaluation. The checks create nothing: writability is probed
with a temporary file in the nearest existing folder, removed at once.
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable
from pathlib import Path

__all__ = ["CommandError", "check_output_folder", "check_output_file", "integer_at_least"]


class CommandError(Exception):
    """A failure to report as ``sadyn <command>: error: <message>`` with exit status 2, no traceback."""


def integer_at_least(minimum: int) -> Callable[[str], int]:
    """An argparse ``type`` for an integer flag >= ``minimum``; argparse reports a bad value as
    ``argument --jobs: must be an integer >= 1, got 0`` (the flag named, exit status 2)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer >= {minimum}, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be an integer >= {minimum}, got {value}")
        return value

    parse.__name__ = "int"
    return parse


def _nearest_existing(path: Path) -> Path:
    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    return probe


def _probe_write(folder: Path, flag: str, path: Path) -> None:
    try:
        with tempfile.TemporaryFile(dir=folder, prefix=".sadyn-write-probe-"):
            pass
    except OSError as error:
        raise CommandError(
            f"{flag} {path} is not writable: no file can be created in {folder} ({error.strerror or error}); "
            f"pass a location you can write to."
        ) from None


def _check_parent(path: Path, flag: str, what: str) -> None:
    base = _nearest_existing(path.parent if what == "file" else path)
    if not base.is_dir():
        raise CommandError(f"{flag} {path} cannot be created: {base} is a file, not a folder; pass another {what}.")
    _probe_write(base, flag, path)


def check_output_folder(path: str | Path, flag: str = "--out") -> Path:
    """``path`` if it is, or can be created as, a folder this process can write in; else :class:`CommandError`."""
    path = Path(path).expanduser()
    if path.exists() and not path.is_dir():
        raise CommandError(f"{flag} {path} is a file; pass a folder (it is created if missing).")
    _check_parent(path, flag, "folder")
    return path


def check_output_file(path: str | Path, flag: str) -> Path:
    """``path`` if a file can be written there (missing parent folders are created on writing); else
    :class:`CommandError`."""
    path = Path(path).expanduser()
    if path.is_dir():
        raise CommandError(f"{flag} {path} is a folder; pass a file name, e.g. {flag} {path / 'results.json'}.")
    if path.exists():
        try:
            with open(path, "a"):
                pass
        except OSError as error:
            raise CommandError(f"{flag} {path} cannot be overwritten ({error.strerror or error}).") from None
        return path
    _check_parent(path, flag, "file")
    return path
