"""Checkpoint I/O: data, never code (``torch.load(weights_only=True)``), with everything needed to rebuild a run.

A checkpoint is a dict of tensors and plain values:

    format, format_version, sadyn_version, torch_version
    config        TrainConfig.to_dict()           model_config   SudokuSolver.config() (complete, defaults filled)
    data          {"train": spec dict + digest, "ood": ...}
    command       the `sadyn train ...` line that makes it (every flag explicit)
    model, ema    state dicts (evaluation uses ``ema``)      optimizer   Adam state
                  (``model`` may be None in shipped checkpoints: EMA weights only, half the size)
    progress      {"epoch", "batch", "update", "elapsed_s", "noise_rng"}
    history       one dict per epoch (loss, accuracies, time)     metrics    best validation, evaluations
    hardware      where it was trained
    digest        sha256 of the weights, the resume state and the config (:mod:`sadyn.solver.integrity`)

Loading refuses what it cannot trust, with a message that says what differs and what to do: another format, a
digest that no longer matches (a changed byte), a ``model_config`` that contradicts ``config``, non-finite weights,
a dataset defined differently now. A file written by another sadyn or torch version loads with a ``UserWarning``
naming both versions (its numbers may differ in the last digits; a resumed run is not bit-identical).
Format 2 (this sadyn) adds ``digest``; format 1 files (sadyn 0.1) have none and still load, unchecked.
"""

from __future__ import annotations

import os
import platform
import warnings
from pathlib import Path
from typing import Any

import torch

from .integrity import check_consistent, check_finite, digests, verify

__all__ = [
    "CheckpointError",
    "save_checkpoint",
    "load_checkpoint",
    "load_model",
    "data_record",
    "FORMAT",
    "FORMAT_VERSION",
    "READABLE_VERSIONS",
]

FORMAT = "sadyn-sudoku-checkpoint"
FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)  # format 1: no digest (sadyn 0.1)


class CheckpointError(ValueError):
    """A checkpoint that cannot be used as asked (wrong file, other format, config or data mismatch)."""


def data_record(name: str | None) -> dict[str, Any] | None:
    """The dataset's spec as stored in checkpoints: its hashed content plus the digest."""
    if name is None:
        return None
    from ..sudoku import DATASETS

    spec = DATASETS[name]
    return {**spec.to_dict(), "digest": spec.digest}


def hardware() -> dict[str, Any]:
    """A short description of the machine: platform, CPU count, torch threads, CUDA device if any."""
    info = {"platform": platform.platform(), "cpus": os.cpu_count(), "torch_threads": torch.get_num_threads()}
    if torch.cuda.is_available():
        info["cuda"] = torch.cuda.get_device_name(0)
    return info


def save_checkpoint(path: str | Path, payload: dict[str, Any]) -> Path:
    """Write ``payload`` (the dict above, without the format fields) atomically: temp file, then rename.

    The format fields and ``digest`` are added here (a ``digest`` in ``payload`` is replaced by a fresh one)."""
    from .. import __version__

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    full = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "sadyn_version": __version__,
        "torch_version": torch.__version__.split("+")[0],
        **{k: v for k, v in payload.items() if k != "digest"},
    }
    full["digest"] = digests(full)
    tmp = path.with_suffix(path.suffix + ".tmp")
    torch.save(full, tmp)
    os.replace(tmp, path)
    return path


def load_checkpoint(
    path: str | Path, *, map_location: str | torch.device = "cpu", check_versions: bool = True
) -> dict[str, Any]:
    """Read a checkpoint with ``weights_only=True`` and check that it can be trusted.

    Raises :class:`CheckpointError` if the file is not a sadyn checkpoint, has a newer format, fails its digest
    (a changed byte in a weight, the config or the resume state), has a ``model_config`` that contradicts its
    ``config``, holds NaN/inf weights, or was trained on a dataset whose spec (or generator version) differs from
    this package's dataset of the same name. Warns (``UserWarning``) when another sadyn or torch version wrote it
    (``check_versions=False`` skips that; shipped checkpoints that match their committed digests never warn).
    """
    from ..sudoku import DATASETS

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}; pass the path of a .pt file written by `sadyn train`.")
    try:
        ckpt = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as error:  # noqa: BLE001 - report any unpickling failure the same way
        first = (str(error).strip().splitlines() or [""])[0].split(". ")[0][:200]  # torch's advice does not apply
        raise CheckpointError(
            f"{path} could not be read as a weights-only checkpoint ({type(error).__name__}: {first}); the "
            f"file is damaged or not a checkpoint. sadyn only loads data, never code: use a file written by "
            f"`sadyn train`."
        ) from None
    if not isinstance(ckpt, dict) or ckpt.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a sadyn Sudoku checkpoint (no format={FORMAT!r} field).")
    version = ckpt.get("format_version")
    if version not in READABLE_VERSIONS:
        raise CheckpointError(
            f"{path} has checkpoint format {version}, this sadyn reads formats {READABLE_VERSIONS[0]} to {READABLE_VERSIONS[-1]}; use "
            f"the sadyn version that wrote it ({ckpt.get('sadyn_version')}) or retrain with `{ckpt.get('command')}`."
        )
    stored = ckpt.get("digest")
    if stored is None and version >= 2:
        raise CheckpointError(
            f"{path} has format {version} but no `digest`: it was edited after sadyn wrote it. Restore the file or "
            f"retrain with `{ckpt.get('command')}`."
        )
    for problem in (
        None if stored is None else verify(ckpt, stored, path),
        check_consistent(ckpt, path),
        check_finite(ckpt, path),
    ):
        if problem is not None:
            raise CheckpointError(problem)
    for role, record in (ckpt.get("data") or {}).items():
        if record is None:
            continue
        spec = DATASETS.get(record.get("name"))
        if spec is None or spec.digest != record.get("digest"):
            now = None if spec is None else spec.to_dict()
            raise CheckpointError(
                f"{path} was trained/evaluated with {role} dataset {record.get('name')!r} = {record}, but this sadyn "
                f"defines it as {now}: the numbers would not be comparable. Retrain with `{ckpt.get('command')}`."
            )
    if check_versions:
        _warn_versions(ckpt, path)
    return ckpt


def _warn_versions(ckpt: dict[str, Any], path: Path) -> None:
    """A ``UserWarning`` naming both versions when another sadyn or torch wrote ``ckpt``."""
    from .. import __version__

    here = {"sadyn": __version__, "torch": torch.__version__.split("+")[0]}
    there = {"sadyn": ckpt.get("sadyn_version"), "torch": ckpt.get("torch_version")}
    other = [f"{k} {there[k]} (this is {k} {here[k]})" for k in here if there[k] != here[k]]
    if other:
        warnings.warn(
            f"{path} was written by {' and '.join(other)}: it loads, but its numbers may differ in the last digits "
            f"and a resumed run is not bit-identical to one run with a single version.",
            UserWarning,
            stacklevel=3,
        )


def load_model(
    path_or_checkpoint: str | Path | dict[str, Any], *, ema: bool = True, device: str | torch.device = "cpu"
):
    """The trained :class:`~sadyn.solver.SudokuSolver` of a checkpoint (EMA weights by default), in eval mode."""
    from .model import SudokuSolver

    ckpt = path_or_checkpoint if isinstance(path_or_checkpoint, dict) else load_checkpoint(path_or_checkpoint)
    model = SudokuSolver.from_config(ckpt["model_config"])
    state = ckpt["ema"] if ema and ckpt.get("ema") is not None else ckpt.get("model")
    if state is None:
        raise CheckpointError(
            f"this checkpoint holds only its EMA weights (shipped files drop the raw training weights to halve their "
            f"size), so `ema=False` has nothing to load; use ema=True, or retrain with `{ckpt.get('command')}` for "
            f"the raw weights."
        )
    try:
        model.load_state_dict(state)
    except RuntimeError as error:
        raise CheckpointError(
            f"the weights do not fit the model built from the checkpoint's own config ({error}); the file is damaged "
            f"or was written by an incompatible sadyn ({ckpt.get('sadyn_version')})."
        ) from None
    return model.to(device).eval()
