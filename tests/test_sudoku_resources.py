"""Where the Sudoku datasets are cached (platformdirs, SADYN_CACHE) and how many CPUs the generator may use
(affinity and the cgroup v2 quota, as in Binder's containers)."""

from __future__ import annotations

from pathlib import Path

import platformdirs
import pytest

import sadyn.sudoku._generate as gen
from sadyn.sudoku import cache_dir


def test_cache_is_sadyn_cache_else_the_platforms_user_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SADYN_CACHE", str(tmp_path / "mine"))
    assert cache_dir() == tmp_path / "mine"
    monkeypatch.delenv("SADYN_CACHE")
    assert cache_dir() == Path(platformdirs.user_cache_dir("sadyn", appauthor=False))
    assert cache_dir().name in ("sadyn", "Cache")


@pytest.mark.parametrize(
    ("text", "expected"), [("max 100000\n", None), ("100000 100000\n", 1), ("150000 100000", 2), ("50000 100000", 1)]
)
def test_cgroup_quota_is_read_and_rounded_up(tmp_path: Path, text: str, expected: int | None) -> None:
    (tmp_path / "cpu.max").write_text(text)
    assert gen._cgroup_cpu_limit(str(tmp_path / "cpu.max")) == expected


def test_cgroup_quota_missing_or_garbled_means_no_limit(tmp_path: Path) -> None:
    assert gen._cgroup_cpu_limit(str(tmp_path / "absent")) is None
    (tmp_path / "cpu.max").write_text("garbage")
    assert gen._cgroup_cpu_limit(str(tmp_path / "cpu.max")) is None


def test_available_cpus_takes_the_smaller_of_affinity_and_quota(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gen.os, "sched_getaffinity", lambda pid: set(range(64)), raising=False)
    monkeypatch.setattr(gen, "_cgroup_cpu_limit", lambda: 2)
    assert gen.available_cpus() == 2
    assert gen.check_workers(None, 10_000, 9) == 2  # a Binder-like container: 2 workers, not 8 of 64 host cores
    monkeypatch.setattr(gen, "_cgroup_cpu_limit", lambda: None)
    assert gen.available_cpus() == 64
    monkeypatch.setattr(gen.os, "sched_getaffinity", lambda pid: {0, 1, 2}, raising=False)
    monkeypatch.setattr(gen, "_cgroup_cpu_limit", lambda: 16)
    assert gen.available_cpus() == 3
