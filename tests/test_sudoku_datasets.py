"""Named datasets: spec hashing, the cache (location, reuse, verification, repair) and the dataset object."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import sadyn.sudoku._datasets as datasets_module
from sadyn.sudoku import DATASETS, DatasetSpec, SudokuDataset, cache_dir, dataset_path, is_valid_solution, load_dataset

SMALL = DatasetSpec("tiny4", 4, (5, 7), (("train", 60), ("test", 30)), seed=3)


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets an empty cache of its own; the user's is never touched."""
    monkeypatch.setenv("SADYN_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _no_generation(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args, **kwargs):
        raise AssertionError("generated although the cache should have been used")

    monkeypatch.setattr(datasets_module, "generate_range", fail)


def test_cache_dir_prefers_sadyn_cache_then_xdg_then_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert cache_dir() == tmp_path / "cache"
    monkeypatch.delenv("SADYN_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "sadyn"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir() == tmp_path / "home" / ".cache" / "sadyn"


def test_the_named_datasets() -> None:
    assert set(DATASETS) == {"sudoku9-id", "sudoku9-ood", "sudoku4-id", "sudoku4-ood"}
    id9, ood9 = DATASETS["sudoku9-id"], DATASETS["sudoku9-ood"]
    assert (id9.size, id9.givens, id9.splits) == (9, (31, 42), (("train", 9000), ("test", 1000)))
    assert ood9.givens[1] < id9.givens[0] and ood9.splits == (("test", 1000),)
    assert len({s.digest for s in DATASETS.values()}) == 4
    assert dataset_path("sudoku9-id").name == f"sudoku9-id-{id9.digest}.npz"


def test_the_digest_hashes_content_not_description() -> None:
    same = DatasetSpec("tiny4", 4, [5, 7], [["train", 60], ["test", 30]], seed=3, description="words")
    assert same == SMALL and same.digest == SMALL.digest and hash(same) == hash(SMALL)
    assert DatasetSpec("tiny4", 4, (5, 7), (("train", 60), ("test", 30)), seed=4).digest != SMALL.digest
    assert DatasetSpec("tiny4", 4, (5, 8), (("train", 60), ("test", 30)), seed=3).digest != SMALL.digest
    assert len(SMALL.digest) == 16 and int(SMALL.digest, 16) >= 0


def test_first_load_generates_and_caches_then_loads_from_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    test = load_dataset(SMALL, "test", show_progress=False)
    assert test.path == dataset_path(SMALL) and test.path.exists()
    assert isinstance(test, SudokuDataset) and len(test) == 30 and test.size == 4
    assert test.puzzles.dtype == np.int8 and is_valid_solution(test.solutions, test.puzzles).all()
    assert test.givens.min() >= 5 and test.givens.max() <= 7
    _no_generation(monkeypatch)
    again = load_dataset(SMALL, "test")
    np.testing.assert_array_equal(again.puzzles, test.puzzles)
    train = load_dataset(SMALL, "train")
    assert len(train) == 60
    assert not {p.tobytes() for p in train.puzzles} & {p.tobytes() for p in test.puzzles}  # disjoint splits


def test_repeated_puzzles_are_skipped_so_every_puzzle_is_distinct() -> None:
    # 4x4 puzzles with 4 givens are few: 150 draws repeat some, the dataset must not.
    spec = DatasetSpec("few4", 4, (4, 4), (("a", 100), ("b", 50)), seed=0)
    a, b = (load_dataset(spec, s, show_progress=False) for s in ("a", "b"))
    keys = [p.tobytes() for p in np.concatenate([a.puzzles, b.puzzles])]
    assert len(keys) == 150 == len(set(keys))


def test_a_damaged_cache_file_is_detected_and_rebuilt(monkeypatch: pytest.MonkeyPatch) -> None:
    first = load_dataset(SMALL, "test", show_progress=False)
    data = dict(np.load(first.path))
    data["test_solutions"] = data["test_solutions"].copy()
    data["test_solutions"][0, 0, 0] = data["test_solutions"][0, 0, 0] % 4 + 1
    np.savez(first.path, **data)  # same spec and checksum, edited array
    with pytest.warns(UserWarning, match="failed verification: its checksum does not match"):
        rebuilt = load_dataset(SMALL, "test", show_progress=False)
    np.testing.assert_array_equal(rebuilt.solutions, first.solutions)
    first.path.write_bytes(first.path.read_bytes()[:100])  # truncated
    with pytest.warns(UserWarning, match="could not read the cached dataset"):
        load_dataset(SMALL, "test", show_progress=False)
    _no_generation(monkeypatch)
    load_dataset(SMALL, "test")  # the repaired file verifies


def test_cache_false_writes_nothing_and_an_unwritable_cache_only_warns(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, _cache: Path
) -> None:
    data = load_dataset(SMALL, "test", cache=False, show_progress=False)
    assert data.path is None and not _cache.exists()
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("SADYN_CACHE", str(blocker))
    with pytest.warns(UserWarning, match=r"could not cache dataset 'tiny4' .* Set SADYN_CACHE to a writable folder"):
        again = load_dataset(SMALL, "test", show_progress=False)
    assert again.path is None
    np.testing.assert_array_equal(again.puzzles, data.puzzles)


def test_dataset_object_gives_model_inputs_and_targets() -> None:
    ds = load_dataset(SMALL, "test", show_progress=False)
    assert repr(ds) == "SudokuDataset('tiny4', split='test', n=30, size=4, givens=5-7)"
    puzzle, solution = ds[3]
    np.testing.assert_array_equal(puzzle, ds.puzzles[3])
    digits, given = ds.tokens()
    assert digits.shape == (30, 16) and (given == (ds.puzzles.reshape(30, 16) > 0)).all()
    targets = ds.targets()
    assert targets.dtype == np.int64 and targets.min() == 0 and targets.max() == 3
    np.testing.assert_array_equal(targets + 1, ds.solutions.reshape(30, 16))
    assert sum(ds.histogram().values()) == 30


def test_bad_names_splits_and_specs_are_explained() -> None:
    with pytest.raises(ValueError, match=r"`name` must be one of \('sudoku9-id', .* or a DatasetSpec, got 'satnet'"):
        load_dataset("satnet")
    with pytest.raises(ValueError, match=r"`split` must be one of \('test',\) for dataset 'sudoku9-ood', got 'train'"):
        load_dataset("sudoku9-ood", "train")
    with pytest.raises(ValueError, match=r"`splits` must be distinct \(name, count >= 1\) pairs"):
        DatasetSpec("x", 4, (5, 7), (("a", 1), ("a", 2)), seed=0)
    with pytest.raises(ValueError, match=r"`splits` must be distinct"):
        DatasetSpec("x", 4, (5, 7), (("a", 0),), seed=0)
    with pytest.raises(ValueError, match=r"`name` must be letters, digits, '-' or '_' \(it names a file\), got 'a/b'"):
        DatasetSpec("a/b", 4, (5, 7), (("a", 1),), seed=0)
    with pytest.raises(ValueError, match=r"`seed` must be an int >= 0, got seed=-1"):
        DatasetSpec("x", 4, (5, 7), (("a", 1),), seed=-1)
    with pytest.raises(ValueError, match=r"`givens` must satisfy 4 <= low"):
        DatasetSpec("x", 4, (31, 42), (("a", 1),), seed=0)
