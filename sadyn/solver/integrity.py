"""Checkpoint integrity: sha256 digests of the weights, the resume state and the config, and the checks on load.

:func:`digests` hashes every tensor's dtype, shape and raw bytes (and every plain value's ``repr``) in a fixed
order, so a digest names the content, not the file: the same weights saved twice, or loaded onto another device,
hash alike, and one changed byte inside any weight changes it. :func:`save_checkpoint` stores
``digest = {"algorithm": "sha256", "weights": ..., "resume": ..., "config": ...}``;
:func:`~sadyn.solver.load_checkpoint` recomputes and compares them (:func:`verify`).

Checkpoints of format 1 (sadyn 0.1) carry no digest and still load, unchecked. Every shipped file in
``sadyn/solver/pretrained/`` has format 2 and its own digest (``tests/test_checkpoint_integrity.py`` checks it).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch

__all__ = [
    "digests",
    "weights_digest",
    "verify",
    "check_finite",
    "check_consistent",
    "SHIPPED_DIR",
]

SHIPPED_DIR = Path(__file__).resolve().parent / "pretrained"
_PARTS = {"weights": ("model", "ema"), "resume": ("optimizer", "progress"), "config": ("config", "model_config")}


def _feed(h: Any, obj: Any) -> None:
    """Hash ``obj``: tensors by dtype, shape and bytes; mappings in sorted key order; other values by repr."""
    if isinstance(obj, torch.Tensor):
        t = obj.detach().to("cpu").contiguous().reshape(-1)
        h.update(f"T{t.dtype}{tuple(obj.shape)}:".encode())
        h.update(t.view(torch.uint8).numpy().tobytes())
    elif isinstance(obj, Mapping):
        h.update(b"{")
        for key in sorted(obj, key=repr):
            h.update(repr(key).encode() + b":")
            _feed(h, obj[key])
        h.update(b"}")
    elif isinstance(obj, (list, tuple)):
        h.update(b"[")
        for item in obj:
            _feed(h, item)
        h.update(b"]")
    else:
        h.update(repr(obj).encode() + b";")


def digests(ckpt: Mapping[str, Any]) -> dict[str, str]:
    """``{"algorithm": "sha256", "weights", "resume", "config"}``: hex sha256 of (model, ema), (optimizer, progress)
    and (config, model_config) as stored in ``ckpt``."""
    out = {"algorithm": "sha256"}
    for part, keys in _PARTS.items():
        h = hashlib.sha256()
        _feed(h, {k: ckpt.get(k) for k in keys})
        out[part] = h.hexdigest()
    return out


def weights_digest(state: Mapping[str, Any]) -> str:
    """Hex sha256 of one state dict (tensor dtypes, shapes and bytes, in sorted key order): names the weights
    themselves, so a fine-tune's start is recognised in any file that holds them (with or without optimizer state)."""
    h = hashlib.sha256()
    _feed(h, state)
    return h.hexdigest()


_WHAT = {
    "weights": "the weights (model, ema)",
    "resume": "the resume state (optimizer, progress)",
    "config": "the config (config, model_config)",
}


def verify(ckpt: Mapping[str, Any], stored: Mapping[str, Any], path: Path) -> str | None:
    """None if every digest in ``stored`` matches ``ckpt``, else a message saying which part differs and what to do."""
    if stored.get("algorithm") != "sha256":
        return f"{path} names digest algorithm {stored.get('algorithm')!r}; this sadyn checks 'sha256'."
    now = digests(ckpt)
    bad = [part for part in _PARTS if part in stored and stored[part] != now[part]]
    if not bad:
        return None
    return (
        f"{path} is damaged: {' and '.join(_WHAT[p] for p in bad)} no longer match the sha256 digest stored when "
        f"sadyn wrote it (a changed byte, or an edit by hand). Restore the file from a copy, or retrain with "
        f"`{ckpt.get('command')}`."
    )


def check_finite(ckpt: Mapping[str, Any], path: Path) -> str | None:
    """None if every floating weight of ``model`` and ``ema`` is finite, else a message naming the tensor."""
    for role in ("model", "ema"):
        for name, t in (ckpt.get(role) or {}).items():
            if isinstance(t, torch.Tensor) and t.is_floating_point() and not bool(torch.isfinite(t).all()):
                n = int((~torch.isfinite(t)).sum())
                return (
                    f"{path}: {role} weight {name!r} has {n} non-finite value(s) (NaN or inf); such a model cannot "
                    f"be evaluated or resumed. Use an earlier checkpoint or retrain with `{ckpt.get('command')}`."
                )
    return None


def check_consistent(ckpt: Mapping[str, Any], path: Path) -> str | None:
    """None if ``model_config`` (what :func:`load_model` builds) is the model that ``config`` trained, else a message."""
    from .config import ModelConfig

    config, model_config = ckpt.get("config"), ckpt.get("model_config")
    if not isinstance(config, Mapping) or not isinstance(model_config, Mapping):
        return None if model_config is not None else f"{path} has no `model_config`; it cannot be rebuilt."
    try:
        built = ModelConfig.from_dict(model_config).resolved().to_dict()
        trained = ModelConfig(**config["model"], seed=config["seed"]).resolved().to_dict()
    except (KeyError, TypeError, ValueError) as error:
        return f"{path} has an unusable model config ({error}); the file was not written by this sadyn."
    diff = [f"{k}: {built[k]!r} (model_config) != {trained[k]!r} (config)" for k in built if built[k] != trained[k]]
    if not diff:
        return None
    return (
        f"{path}: its `model_config` contradicts the `config` it was trained with ({'; '.join(diff)}); the model "
        f"would be rebuilt with the wrong settings. The file was edited; restore it or retrain with "
        f"`{ckpt.get('command')}`."
    )
