"""Small trained Sudoku solvers shipped with sadyn, so that tutorials never wait for training.

``manifest.json`` (next to this file, written by ``scripts/maintenance/make_pretrained.py``) lists each checkpoint with the
command that trained it, its training time and hardware, and its measured accuracies; ``README.md`` shows the
same as tables. Every entry can be re-checked with ``sadyn eval NAME``.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

__all__ = ["pretrained_models", "load_pretrained", "pretrained_path", "pretrained_info", "shipped_parent"]

_HERE = Path(__file__).resolve().parent


@lru_cache(maxsize=1)
def _manifest() -> dict[str, Any]:
    path = _HERE / "manifest.json"
    if not path.is_file():
        return {"models": {}}
    return json.loads(path.read_text())


def pretrained_models() -> list[str]:
    """Names of the shipped checkpoints, e.g. ``["akorn4", "itrsa4-rms", ...]`` (sorted)."""
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
    """The file of a shipped checkpoint."""
    return _HERE / pretrained_info(name)["file"]


def shipped_parent(init_from: dict[str, Any] | None) -> str | None:
    """The shipped checkpoint a fine-tune started from, given the ``init_from`` record it stored: the one whose file
    has the recorded ``sha256``, or whose EMA weights have the recorded ``weights_sha256`` (a stage shipped after the
    fine-tune started, so re-saved without its optimizer state). None when no shipped file matches."""
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
