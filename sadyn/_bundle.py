"""The shipped tutorials: find them, and copy them into a folder of the user's choice without losing edits.

The wheel carries ``tutorials/`` as the package ``sadyn._tutorials`` (``setup.py``); in a source checkout the
notebooks sit in ``tutorials/`` next to the package. :func:`copy_tutorials` (``sadyn tutorials DIR``) copies the
notebooks and their README (the instructors' solutions stay in ``sadyn/teaching/solutions/``), and writes a
manifest ``.sadyn-tutorials.json`` with the SHA-256 of every file it wrote. A later copy (say after ``pip install -U sadyn``) then tells three cases apart
for a file that is already there:

- same bytes as the shipped file: nothing to do;
- same bytes as recorded in the manifest (copied earlier, never edited): replaced by the new shipped version;
- anything else (the learner edited it, or it was not written by sadyn): **kept**, and reported.

:func:`lab_directory` is what ``sadyn lab`` opens: an explicit folder (filled first if it holds no notebook),
else the checkout's ``tutorials/`` (editable installs), else ``./sadyn-tutorials`` (copied on first use).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["CopyReport", "MANIFEST", "copy_tutorials", "lab_directory", "shipped_files", "tutorials_source"]

MANIFEST = ".sadyn-tutorials.json"
DEFAULT_FOLDER = "sadyn-tutorials"
_PATTERNS = ("*.ipynb", "README.md")  # what a learner needs (solutions: sadyn/teaching/solutions/)


def tutorials_source() -> Path:
    """The folder of the shipped tutorials: ``sadyn/_tutorials`` of an installed wheel, else the checkout's."""
    spec = importlib.util.find_spec("sadyn._tutorials")
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    checkout = Path(__file__).resolve().parent.parent / "tutorials"
    for candidate in [*map(Path, locations), checkout]:
        if any(candidate.glob("*.ipynb")):
            return candidate
    raise FileNotFoundError(
        f"no tutorials found: neither an installed sadyn._tutorials package nor {checkout}. Reinstall sadyn "
        f"(`pip install --force-reinstall sadyn`) or, in a checkout, restore tutorials/ with git."
    )


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def shipped_files(source: Path | None = None) -> dict[str, str]:
    """``{relative path: sha256}`` of the files :func:`copy_tutorials` copies, sorted by path."""
    source = tutorials_source() if source is None else Path(source)
    found = {p for pattern in _PATTERNS for p in source.glob(pattern) if p.is_file()}
    return {p.relative_to(source).as_posix(): _sha256(p) for p in sorted(found)}


@dataclass
class CopyReport:
    """What :func:`copy_tutorials` did, by relative path: ``copied`` (new), ``updated`` (an unedited older copy
    replaced), ``unchanged`` (already the shipped version) and ``kept`` (edited copies left alone)."""

    directory: Path
    copied: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One paragraph for the terminal."""
        counts = ", ".join(
            f"{len(getattr(self, name))} {name}"
            for name in ("copied", "updated", "unchanged", "kept")
            if getattr(self, name)
        )
        text = f"tutorials in {self.directory}: {counts or 'nothing to do'}."
        if self.kept:
            text += (
                f" Kept your edited {', '.join(self.kept)} (not overwritten); delete or rename a file and run "
                f"`sadyn tutorials {self.directory}` again to get the shipped version."
            )
        return text


def _read_manifest(directory: Path) -> dict[str, str]:
    try:
        data = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
        files = data["files"]
        return {str(k): str(v) for k, v in files.items()} if isinstance(files, dict) else {}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def copy_tutorials(directory: str | Path, *, source: Path | None = None) -> CopyReport:
    """Copy the shipped tutorials into ``directory`` (created if missing), never overwriting an edited copy.

    **Arguments:** ``directory``, the target folder; ``source``, the tutorials to copy (default
    :func:`tutorials_source`). **Returns:** a :class:`CopyReport`. **Raises:** ``TypeError`` for a
    ``directory`` that is not a path, ``NotADirectoryError`` when it names an existing file.
    """
    if not isinstance(directory, (str, Path)) or str(directory) == "":
        raise TypeError(f"`directory` must be a folder path such as 'sadyn-tutorials', got {directory!r}.")
    source = tutorials_source() if source is None else Path(source)
    target = Path(directory).expanduser().resolve()
    if target.exists() and not target.is_dir():
        raise NotADirectoryError(f"`directory` {target} is a file; pass a folder (it is created if missing).")
    shipped = shipped_files(source)
    recorded = _read_manifest(target)
    report = CopyReport(target)
    written = dict(recorded)
    for rel, digest in shipped.items():
        dest = target / rel
        if not dest.exists():
            bucket = report.copied
        else:
            current = _sha256(dest)
            if current == digest:
                report.unchanged.append(rel)
                written[rel] = digest
                continue
            if recorded.get(rel) != current:
                report.kept.append(rel)
                continue
            bucket = report.updated
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / rel, dest)
        written[rel] = digest
        bucket.append(rel)
    from . import __version__

    manifest = {"sadyn": __version__, "files": dict(sorted(written.items()))}
    (target / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return report


def lab_directory(directory: str | Path | None = None, *, cwd: Path | None = None) -> tuple[Path, CopyReport | None]:
    """The folder ``sadyn lab`` opens, and the copy made for it (None when nothing was copied).

    An explicit ``directory`` is filled with the tutorials first when it holds no notebook; without one, the
    checkout's ``tutorials/`` is used where it exists (editable install), else ``./sadyn-tutorials`` under
    ``cwd`` (default: the current folder), which is created or brought up to date (edited files are kept).
    """
    if directory is not None:
        folder = Path(directory).expanduser().resolve()
        if folder.is_dir() and any(folder.glob("*.ipynb")):
            return folder, None
        return folder, copy_tutorials(folder)
    checkout = Path(__file__).resolve().parent.parent / "tutorials"
    if any(checkout.glob("*.ipynb")):
        return checkout, None
    folder = (Path.cwd() if cwd is None else Path(cwd)) / DEFAULT_FOLDER
    return folder.resolve(), copy_tutorials(folder)
