"""Named Sudoku datasets: generated on first use, cached as .npz files, verified on every load.

SATNet's 9x9 set (31-42 givens, 9,000 train / 1,000 test) and RRN's hard set are downloads; sadyn makes
offline equivalents with :func:`generate`. A dataset is fully described by a :class:`DatasetSpec`; the file
name carries a hash of that spec (and of the generator version), so a changed spec never reads a stale file.

Cache location: ``$SADYN_CACHE`` if set, else the platform's user cache folder for ``sadyn`` (platformdirs:
``$XDG_CACHE_HOME/sadyn`` or ``~/.cache/sadyn`` on Linux, ``~/Library/Caches/sadyn`` on macOS,
``%LOCALAPPDATA%\\sadyn\\Cache`` on Windows); files live in its ``sudoku/`` folder and may be deleted at any time
(they are rebuilt on the next load).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import platformdirs

from ._generate import GENERATOR_VERSION, check_givens, generate_range
from ._grid import board_tokens, check_size
from ._metrics import count_givens, givens_histogram
from ._solver import is_valid_solution

__all__ = ["DatasetSpec", "SudokuDataset", "DATASETS", "load_dataset", "cache_dir", "dataset_path"]


@dataclass(frozen=True)
class DatasetSpec:
    """Everything that determines a dataset: board ``size``, ``givens`` range, ``splits`` and ``seed``.

    ``splits`` is a tuple of ``(name, count)`` pairs; the puzzles of all splits are distinct (a later split
    never repeats a puzzle of an earlier one). ``description`` is for people and is not hashed.
    """

    name: str
    size: int
    givens: tuple[int, int]
    splits: tuple[tuple[str, int], ...]
    seed: int
    description: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.replace("-", "").replace("_", "").isalnum():
            raise ValueError(f"`name` must be letters, digits, '-' or '_' (it names a file), got {self.name!r}.")
        object.__setattr__(self, "givens", check_givens(self.givens, check_size(self.size)))
        try:
            splits = tuple((split, count) for split, count in self.splits)
        except (TypeError, ValueError):
            splits = ()
        ok = all(isinstance(s, str) and isinstance(c, int) and not isinstance(c, bool) and c >= 1 for s, c in splits)
        if not splits or not ok or len({s for s, _ in splits}) != len(splits):
            raise ValueError(
                f"`splits` must be distinct (name, count >= 1) pairs such as (('train', 9000), ('test', 1000)), "
                f"got splits={self.splits!r}."
            )
        object.__setattr__(self, "splits", splits)
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"`seed` must be an int >= 0, got seed={self.seed!r}.")

    def to_dict(self) -> dict:
        """The hashed content: plain JSON values, including the generator version."""
        return {
            "name": self.name,
            "size": self.size,
            "givens": list(self.givens),
            "splits": [[s, n] for s, n in self.splits],
            "seed": self.seed,
            "generator_version": GENERATOR_VERSION,
        }

    @property
    def digest(self) -> str:
        """First 16 hex digits of the SHA-256 of :meth:`to_dict` as canonical JSON."""
        text = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    @property
    def filename(self) -> str:
        return f"{self.name}-{self.digest}.npz"


DATASETS: MappingProxyType[str, DatasetSpec] = MappingProxyType(
    {
        spec.name: spec
        for spec in (
            DatasetSpec(
                "sudoku9-id",
                9,
                (31, 42),
                (("train", 9000), ("test", 1000)),
                seed=20250501,
                description="In-distribution 9x9, like SATNet: 31-42 givens, 9,000 train / 1,000 test.",
            ),
            DatasetSpec(
                "sudoku9-ood",
                9,
                (24, 30),
                (("test", 1000),),
                seed=20250502,
                description="Out-of-distribution 9x9: 24-30 givens (removal reaches 22-28 at its minimum).",
            ),
            DatasetSpec(
                "sudoku4-id",
                4,
                (6, 9),
                (("train", 5000), ("test", 1000)),
                seed=20250503,
                description="Toy 4x4 (2x2 boxes): 6-9 givens of 16, for models that train in seconds.",
            ),
            DatasetSpec(
                "sudoku4-ood",
                4,
                (4, 5),
                (("test", 1000),),
                seed=20250504,
                description="Harder 4x4: 4-5 givens (4 is the fewest any unique 4x4 puzzle has).",
            ),
        )
    }
)


@dataclass(frozen=True, repr=False, eq=False)
class SudokuDataset:
    """One split of a dataset: ``puzzles`` and ``solutions``, int8 arrays of shape ``(n, size, size)``.

    Indexing gives ``(puzzles[i], solutions[i])`` and ``len`` the number of puzzles, so it can be handed to
    a torch ``DataLoader`` as it is. :meth:`tokens` and :meth:`targets` give model inputs and class labels.
    """

    spec: DatasetSpec
    split: str
    puzzles: np.ndarray
    solutions: np.ndarray
    path: Path | None = None

    def __len__(self) -> int:
        return len(self.puzzles)

    def __getitem__(self, index: int | slice | np.ndarray | list[int]) -> tuple[np.ndarray, np.ndarray]:
        return self.puzzles[index], self.solutions[index]

    def __repr__(self) -> str:
        lo, hi = self.spec.givens
        return (
            f"SudokuDataset({self.spec.name!r}, split={self.split!r}, n={len(self)}, "
            f"size={self.size}, givens={lo}-{hi})"
        )

    @property
    def size(self) -> int:
        return int(self.puzzles.shape[-1])

    @property
    def givens(self) -> np.ndarray:
        """Number of givens of each puzzle, shape ``(n,)``."""
        return count_givens(self.puzzles)

    def histogram(self) -> dict[int, int]:
        """``{givens: count}`` over this split."""
        return givens_histogram(self.puzzles)

    def tokens(self) -> tuple[np.ndarray, np.ndarray]:
        """``(digits, is_given)`` of the puzzles, shape ``(n, size * size)``: see :func:`board_tokens`."""
        return board_tokens(self.puzzles)

    def targets(self) -> np.ndarray:
        """Solution digits as class indices ``0 .. size-1``, int64 of shape ``(n, size * size)``."""
        return self.solutions.reshape(len(self), -1).astype(np.int64) - 1


def cache_dir() -> Path:
    """Where sadyn caches data: ``$SADYN_CACHE``, else the platform's user cache folder (platformdirs)."""
    if os.environ.get("SADYN_CACHE"):
        return Path(os.environ["SADYN_CACHE"]).expanduser()
    return Path(platformdirs.user_cache_dir("sadyn", appauthor=False))


def _spec(name: object) -> DatasetSpec:
    if isinstance(name, DatasetSpec):
        return name
    if not isinstance(name, str) or name not in DATASETS:
        raise ValueError(f"`name` must be one of {tuple(DATASETS)} or a DatasetSpec, got {name!r}.")
    return DATASETS[name]


def dataset_path(name: str | DatasetSpec) -> Path:
    """The cache file of a dataset (it may not exist yet)."""
    return cache_dir() / "sudoku" / _spec(name).filename


def _checksum(arrays: dict[str, np.ndarray]) -> str:
    h = hashlib.sha256()
    for key in sorted(arrays):
        a = np.ascontiguousarray(arrays[key])
        h.update(f"{key}:{a.dtype.str}:{a.shape}".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def _build(spec: DatasetSpec, workers: int | None, show_progress: bool) -> dict[str, np.ndarray]:
    """Generate all splits from one stream of puzzles, skipping repeats (only likely on 4x4)."""
    total = sum(n for _, n in spec.splits)
    seen: set[bytes] = set()
    puzzles: list[np.ndarray] = []
    solutions: list[np.ndarray] = []
    start = 0
    while len(puzzles) < total:
        if start > 20 * total:
            raise RuntimeError(
                f"dataset {spec.name!r} wants {total} distinct puzzles but {start} draws gave only {len(puzzles)}; "
                f"widen `givens` or lower the split counts."
            )
        stop = start + total - len(puzzles)
        p, s = generate_range(
            start,
            stop,
            givens=spec.givens,
            seed=spec.seed,
            size=spec.size,
            workers=workers,
            show_progress=show_progress,
        )
        for a, b in zip(p, s, strict=True):
            key = a.tobytes()
            if key not in seen:
                seen.add(key)
                puzzles.append(a)
                solutions.append(b)
        start = stop
    shape = (-1, spec.size, spec.size)
    p_all, s_all = np.stack(puzzles).reshape(shape), np.stack(solutions).reshape(shape)
    out: dict[str, np.ndarray] = {}
    first = 0
    for split, count in spec.splits:
        out[f"{split}_puzzles"] = p_all[first : first + count]
        out[f"{split}_solutions"] = s_all[first : first + count]
        first += count
    return out


def _verify(spec: DatasetSpec, data: dict[str, np.ndarray], stored: dict[str, str]) -> str | None:
    """Return why a loaded file is unusable, or None."""
    if stored.get("spec") != json.dumps(spec.to_dict(), sort_keys=True):
        return "its spec differs from the requested one"
    if stored.get("checksum") != _checksum(data):
        return "its checksum does not match its arrays (truncated or edited file)"
    for split, count in spec.splits:
        p, s = data.get(f"{split}_puzzles"), data.get(f"{split}_solutions")
        if p is None or s is None or p.shape != (count, spec.size, spec.size) or p.dtype != np.int8:
            return f"split {split!r} is missing or has the wrong shape or dtype"
        if not np.all(is_valid_solution(s, p)):
            return f"split {split!r} holds an invalid solution"
        counts = count_givens(p)
        if counts.min() < spec.givens[0] or counts.max() > spec.givens[1]:
            return f"split {split!r} has puzzles outside givens={spec.givens}"
    return None


def _read(path: Path, spec: DatasetSpec) -> dict[str, np.ndarray] | None:
    try:
        # our own handle: np.load leaves the file it opened unclosed when the archive is truncated
        with open(path, "rb") as fh, np.load(fh, allow_pickle=False) as f:
            stored = {k: str(f[k]) for k in ("spec", "checksum") if k in f.files}
            data = {k: f[k] for k in f.files if k not in ("spec", "checksum")}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as err:  # truncated files raise several kinds
        warnings.warn(f"could not read the cached dataset {path} ({err}); regenerating it.", stacklevel=3)
        return None
    problem = _verify(spec, data, stored)
    if problem is not None:
        warnings.warn(f"the cached dataset {path} failed verification: {problem}; regenerating it.", stacklevel=3)
        return None
    return data


def _write(path: Path, spec: DatasetSpec, data: dict[str, np.ndarray]) -> Path | None:
    """Save atomically (temporary file, then rename); warn and return None where the cache is not writable."""
    buf = io.BytesIO()
    arrays: dict[str, Any] = {  # Any: numpy's stub types savez's **kwds as its keyword-only flags
        "spec": np.array(json.dumps(spec.to_dict(), sort_keys=True)),
        "checksum": np.array(_checksum(data)),
        **data,
    }
    np.savez_compressed(buf, **arrays)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(buf.getvalue())
        os.replace(tmp, path)
    except OSError as err:
        warnings.warn(
            f"could not cache dataset {spec.name!r} at {path} ({err}); it will be regenerated next time. "
            f"Set SADYN_CACHE to a writable folder.",
            stacklevel=3,
        )
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        return None
    return path


def load_dataset(
    name: str | DatasetSpec = "sudoku9-id",
    split: str = "test",
    *,
    cache: bool = True,
    workers: int | None = None,
    show_progress: bool = True,
) -> SudokuDataset:
    """Load one split of a named dataset, generating and caching it on first use.

    **Arguments:** ``name``, one of ``DATASETS`` (``"sudoku9-id"``, ``"sudoku9-ood"``, ``"sudoku4-id"``,
    ``"sudoku4-ood"``) or your own :class:`DatasetSpec`; ``split``, one of its splits (``"train"``,
    ``"test"``).

    **Other arguments:** ``cache``, read and write the cache file (``False`` always regenerates and writes
    nothing); ``workers``, processes for generation (see :func:`generate`); ``show_progress``, a tqdm bar
    while generating (nothing is shown when the cache is hit).

    **Returns:** a :class:`SudokuDataset`. Generating ``"sudoku9-id"`` takes about 10-20 s on 2 cores, once.

    **Raises:** ``ValueError`` for an unknown name or split.
    """
    spec = _spec(name)
    names = tuple(s for s, _ in spec.splits)
    if split not in names:
        raise ValueError(f"`split` must be one of {names} for dataset {spec.name!r}, got {split!r}.")
    target = dataset_path(spec)
    data = _read(target, spec) if cache and target.exists() else None
    path: Path | None = target
    if data is None:
        data = _build(spec, workers, show_progress)
        path = _write(target, spec, data) if cache else None
    return SudokuDataset(spec, split, data[f"{split}_puzzles"], data[f"{split}_solutions"], path)
