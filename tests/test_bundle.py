"""sadyn/_bundle.py: the shipped tutorials are found, copied whole, and an edited copy is never overwritten."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from sadyn import _bundle

REPO = Path(__file__).resolve().parents[1]


def test_source_is_the_checkouts_tutorials_with_the_nine_notebooks_and_nothing_for_instructors() -> None:
    files = _bundle.shipped_files()
    notebooks = [rel for rel in files if rel.endswith(".ipynb")]
    assert notebooks == sorted(p.name for p in (REPO / "tutorials").glob("*.ipynb")) and len(notebooks) == 9
    assert set(files) == {*notebooks, "README.md"}  # no solutions, no conftest.py, no sanitizer file


def test_the_learners_folder_holds_only_notebooks_and_the_readme() -> None:
    names = {p.name for p in (REPO / "tutorials").iterdir() if p.name != ".ipynb_checkpoints"}
    assert {n for n in names if not n.endswith(".ipynb")} == {"README.md"}, names


def test_copy_then_recopy_is_a_no_op(tmp_path: Path) -> None:
    first = _bundle.copy_tutorials(tmp_path / "t")
    assert sorted(first.copied) == sorted(_bundle.shipped_files()) and not first.kept
    for rel in first.copied:
        assert (tmp_path / "t" / rel).read_bytes() == (REPO / "tutorials" / rel).read_bytes()
    second = _bundle.copy_tutorials(tmp_path / "t")
    assert second.copied == second.updated == second.kept == [] and len(second.unchanged) == len(first.copied)
    assert "nothing" not in second.summary() and "unchanged" in second.summary()


def _fake_source(tmp_path: Path, text: str) -> Path:
    source = tmp_path / "src"
    source.mkdir(parents=True, exist_ok=True)
    (source / "01_a.ipynb").write_text(text)
    (source / "README.md").write_text("read me\n")
    return source


def test_an_edited_copy_is_kept_and_an_unedited_one_updated(tmp_path: Path) -> None:
    target = tmp_path / "mine"
    _bundle.copy_tutorials(target, source=_fake_source(tmp_path, '{"v": 1}'))
    (target / "README.md").write_text("my notes\n")
    report = _bundle.copy_tutorials(target, source=_fake_source(tmp_path, '{"v": 2}'))  # a new release
    assert report.updated == ["01_a.ipynb"] and (target / "01_a.ipynb").read_text() == '{"v": 2}'
    assert report.kept == ["README.md"]
    assert (target / "README.md").read_text() == "my notes\n"
    assert "README.md" in report.summary() and "not overwritten" in report.summary()
    manifest = json.loads((target / _bundle.MANIFEST).read_text())
    assert set(manifest["files"]) == {"01_a.ipynb", "README.md"}


def test_a_foreign_file_of_the_same_name_is_kept(tmp_path: Path) -> None:
    target = tmp_path / "mine"
    target.mkdir()
    (target / "01_a.ipynb").write_text("my own notebook")
    report = _bundle.copy_tutorials(target, source=_fake_source(tmp_path, "{}"))
    assert report.kept == ["01_a.ipynb"] and (target / "01_a.ipynb").read_text() == "my own notebook"
    assert report.copied == ["README.md"]


def test_bad_directories_are_reported(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(NotADirectoryError, match="is a file"):
        _bundle.copy_tutorials(tmp_path / "file")
    with pytest.raises(TypeError, match="`directory` must be a folder path"):
        _bundle.copy_tutorials(3)  # type: ignore[arg-type]


def test_lab_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _bundle.lab_directory() == ((REPO / "tutorials").resolve(), None)  # a checkout opens its own
    folder, report = _bundle.lab_directory(tmp_path / "new")
    assert folder == (tmp_path / "new").resolve() and report is not None and len(report.copied) > 9
    assert _bundle.lab_directory(tmp_path / "new") == (folder, None)  # holds notebooks: opened as it is
    # an installed wheel: no tutorials/ next to the package -> ./sadyn-tutorials, copied from sadyn/_tutorials
    fake_pkg = tmp_path / "site" / "sadyn"
    fake_pkg.mkdir(parents=True)
    monkeypatch.setattr(_bundle, "__file__", str(fake_pkg / "_bundle.py"))
    shutil.copytree(REPO / "tutorials", tmp_path / "site" / "sadyn" / "_tutorials")
    monkeypatch.setattr(_bundle, "tutorials_source", lambda: fake_pkg / "_tutorials")
    folder, report = _bundle.lab_directory(cwd=tmp_path / "work")
    assert folder == (tmp_path / "work" / "sadyn-tutorials").resolve() and report is not None
    assert sorted(p.name for p in folder.glob("*.ipynb")) == sorted(
        p.name for p in (REPO / "tutorials").glob("*.ipynb")
    )
