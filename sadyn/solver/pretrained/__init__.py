"""Small trained Sudoku solvers shipped with sadyn, so that tutorials never wait for training.

``manifest.json`` (next to this file, written by ``scripts/maintenance/make_pretrained.py``) lists each checkpoint with the
command that trained it, its training time and hardware, and its measured accuracies; ``README.md`` shows the
same as tables. Every entry can be re-checked with ``sadyn eval NAME``.

A training stage may ship as its record alone (``"file": null``: command, curve, training time, the digest of its
EMA weights and, for a fine-tune, the ``init_from`` record of its own start, :func:`shipped_start`) to keep the
package small: a fine-tune names it as its start (:func:`shipped_parent`) and ``sadyn reproduce --full`` retrains
it from its command, but it cannot be loaded (:func:`pretrained_models` lists the loadable checkpoints only;
:func:`pretrained_records` lists both).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

__all__ = [
    "pretrained_models",
    "pretrained_records",
    "load_pretrained",
    "pretrained_path",
    "pretrained_info",
    "shipped_parent",
    "shipped_start",
]

_HERE = Path(__file__).resolve().parent


@lru_cache(maxsize=1)
def _manifest() -> dict[str, Any]:
    path = _HERE / "manifest.json"
    if not path.is_file():
        return {"models": {}}
    return json.loads(path.read_text())


def pretrained_models() -> list[str]:
    """Names of the shipped checkpoints that can be loaded, e.g. ``["akorn4", "itrsa4-rms", ...]`` (sorted)."""
    return sorted(name for name, entry in _manifest()["models"].items() if entry.get("file"))


def pretrained_records() -> list[str]:
    """Names of every manifest entry: the loadable checkpoints and the training stages shipped as records alone."""
    return sorted(_manifest()["models"])


def pretrained_info(name: str) -> dict[str, Any]:
    """The manifest entry of ``name``: description, command, training time, hardware, accuracies."""
    models = _manifest()["models"]
    if name not in models:
        raise ValueError(
            f"`name` must be one of the shipped models {sorted(models)}, got {name!r}; see sadyn.pretrained_models()."
        )
    return dict(models[name])


def pretrained_path(name: str) -> Path:
    """The file of a shipped checkpoint (a stage shipped as its record alone has none: ValueError)."""
    file = pretrained_info(name)["file"]
    if not file:
        raise ValueError(
            f"`name`={name!r} is a training stage shipped as its record alone (its weights are left out of the "
            f"package to keep it small): retrain it with its command, pretrained_info({name!r})['command'], or let "
            f"`sadyn reproduce --full` do it."
        )
    return _HERE / file


def shipped_start(name: str) -> dict[str, Any] | None:
    """The ``init_from`` record (path, ``sha256``, ``weights_sha256``) of the start shipped entry ``name`` was
    fine-tuned from: its checkpoint's, or the manifest's for a stage shipped as its record alone; None for a run
    trained from scratch. :func:`shipped_parent` turns it into the start's name."""
    from ..checkpoint import load_checkpoint

    info = pretrained_info(name)
    if not info.get("file"):
        return info.get("init_from")
    return load_checkpoint(pretrained_path(name), check_versions=False).get("init_from")


def shipped_parent(init_from: dict[str, Any] | None) -> str | None:
    """The shipped checkpoint a fine-tune started from, given the ``init_from`` record it stored: the one whose file
    has the recorded ``sha256``, or whose EMA weights have the recorded ``weights_sha256`` (a stage shipped after the
    fine-tune started, so re-saved without its optimizer state), or a stage shipped as its record alone whose
    recorded ``weights_sha256`` matches. None when nothing matches."""
    import hashlib

    from ..checkpoint import load_checkpoint
    from ..integrity import weights_digest

    if not init_from:
        return None
    for name in pretrained_models():
        path = pretrained_path(name)
        if hashlib.sha256(path.read_bytes()).hexdigest() == init_from.get("sha256"):
            return name
    wanted = init_from.get("weights_sha256")
    if wanted is None:
        return None
    for name in sorted(set(pretrained_records()) - set(pretrained_models())):
        if pretrained_info(name).get("weights_sha256") == wanted:
            return name
    for name in pretrained_models():
        ckpt = load_checkpoint(pretrained_path(name), check_versions=False)
        if weights_digest(ckpt.get("ema") or ckpt["model"]) == wanted:
            return name
    return None


def load_pretrained(name: str, *, ema: bool = True, device: str = "cpu"):
    """Load a shipped :class:`~sadyn.solver.SudokuSolver` (EMA weights, eval mode).

    >>> model = load_pretrained("itrsa4-rms")
    >>> model.solve(puzzles, steps=16)
    """
    from ..checkpoint import load_model

    return load_model(pretrained_path(name), ema=ema, device=device)
