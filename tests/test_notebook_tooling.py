"""Tests for the notebook tooling: the nbval sanitizer (tests/notebooks/nbval_plugin.py, nbval_sanitize.cfg) and
scripts/maintenance/clean_notebooks.py and scripts/maintenance/run_notebooks.py, on small notebooks made in a temporary folder."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts" / "maintenance"))

import clean_notebooks  # noqa: E402
import run_notebooks  # noqa: E402


def _load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


NBVAL_SETUP = REPO / "tests" / "notebooks"
nbval_setup = _load(NBVAL_SETUP / "nbval_plugin.py", "tutorials_nbval_setup")


# ------------------------------------------------------------------------------------------------ sanitizer


@pytest.mark.parametrize(
    ("stored", "computed"),
    [
        ("energy 1.0471975511965976", "energy 1.0471999"),
        ("tensor([0.3333, 0.6667])", "tensor([0.33331, 0.66672])"),
        ("sphere error 2.2e-16", "sphere error -4.4e-16"),
        ("-0.0", "0.0"),
        ("x = 1.5.", "x = 1.5000001."),
        ("<matplotlib.lines.Line2D at 0x7f3a2b1c9d50>", "<matplotlib.lines.Line2D at 0x7f00deadbeef>"),
        ("Wall time: 1.2 s", "Wall time: 850 ms"),
        ("done in 1.23 s", "done in 4.56 s"),
        ("100%|##| 50/50 [00:01<00:00, 45.20it/s]", "100%|##| 50/50 [00:03<00:00, 15.10it/s]"),
    ],
)
def test_sanitizer_absorbs_noise(stored: str, computed: str) -> None:
    assert nbval_setup.sanitize(stored) == nbval_setup.sanitize(computed)


@pytest.mark.parametrize(
    ("stored", "computed"),
    [
        ("energy 0.123", "energy 0.124"),
        ("lambda 1e-3", "lambda 2e-3"),
        ("torch 2.13.0", "torch 2.13.1"),
        ("step 100", "step 101"),
        ("float64", "float32"),
        ("diverged at step 12", "diverged at step 13"),
    ],
)
def test_sanitizer_keeps_real_differences(stored: str, computed: str) -> None:
    assert nbval_setup.sanitize(stored) != nbval_setup.sanitize(computed)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("energy 1.0471975", "energy 1.05"),
        ("E = -12345.678", "E = -1.23e+04"),
        ("rate 3.0e-05 per step", "rate 3e-05 per step"),
        ("tutorial 01, torch 2.13.0, float64", "tutorial 01, torch 2.13.0, float64"),
        ("<Figure size 640x480 with 1 Axes>", "<Figure size 640x480 with 1 Axes>"),
    ],
)
def test_sanitizer_output(text: str, expected: str) -> None:
    assert nbval_setup.sanitize(text) == expected


def test_sanitizer_file_is_read_as_nbval_reads_it() -> None:
    rules = nbval_setup.read_sanitize_file()
    assert len(rules) >= 5
    for regex, _ in rules:
        re.compile(regex)
    assert list(nbval_setup.sanitize_rules())[-1] == nbval_setup.FLOAT_PATTERN


# ------------------------------------------------------------------------------------------------ cleaning


def _dirty_notebook() -> nbformat.NotebookNode:
    nb = new_notebook()
    cell = new_code_cell("print(1)", execution_count=1, outputs=[new_output("stream", name="stdout", text="1\n")])
    cell.metadata.update({"execution": {"iopub.status.busy": "2026-01-01T00:00:00"}, "tags": ["keep"]})
    cell.metadata["scrolled"] = True
    nb.cells = [new_markdown_cell("# t"), cell]
    nb.metadata.update(
        {
            "kernelspec": {"name": "venv", "display_name": "My venv", "language": "python"},
            "language_info": {"name": "python", "version": "3.11.7"},
            "widgets": {"application/vnd.jupyter.widget-state+json": {"state": {}}},
        }
    )
    return nb


def test_clean_notebook_removes_volatile_metadata_and_keeps_outputs() -> None:
    nb = _dirty_notebook()
    assert len(clean_notebooks.problems(nb)) == 5
    clean_notebooks.clean_notebook(nb)
    assert clean_notebooks.problems(nb) == []
    assert set(nb.metadata) == {"kernelspec", "language_info"}
    assert nb.metadata.kernelspec == clean_notebooks.KERNELSPEC
    assert nb.metadata.language_info == {"name": "python"}
    cell = nb.cells[1]
    assert dict(cell.metadata) == {"tags": ["keep"]}
    assert cell.execution_count == 1 and cell.outputs[0].text == "1\n"
    before = nbformat.writes(nb)
    assert nbformat.writes(clean_notebooks.clean_notebook(nb)) == before


def test_clean_notebooks_check_then_clean(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "dirty.ipynb"
    nbformat.write(_dirty_notebook(), path)
    assert clean_notebooks.main(["--check", str(path)]) == 1
    assert "not clean: notebook metadata 'widgets'" in capsys.readouterr().out
    assert clean_notebooks.main([str(path)]) == 0
    assert clean_notebooks.main(["--check", str(path)]) == 0
    nbformat.validate(nbformat.read(path, as_version=4))


# ------------------------------------------------------------------------------------------------ run times


def test_runtime_table_merges_rows_and_drops_missing_notebooks(tmp_path: Path) -> None:
    for name in ("01_a.ipynb", "02_b.ipynb"):
        (tmp_path / name).touch()
    readme = (
        "intro\n<!-- runtimes:start -->\n| notebook | run time |\n|---|---|\n"
        "| [02_b.ipynb](02_b.ipynb) | 7.0 s |\n| [09_gone.ipynb](09_gone.ipynb) | 3.0 s |\n"
        "<!-- runtimes:end -->\noutro\n"
    )
    result = run_notebooks.RunResult(tmp_path / "01_a.ipynb", 12.345, None)
    text = run_notebooks.runtime_table(readme, [result], folder=tmp_path, threads=1)
    assert text.startswith("intro\n<!-- runtimes:start -->") and text.endswith("<!-- runtimes:end -->\noutro\n")
    rows = re.findall(r"^\| \[(\S+)\]\(\S+\) \| (\S+) s \|$", text, flags=re.MULTILINE)
    assert rows == [("01_a.ipynb", "12.3"), ("02_b.ipynb", "7.0")]
    assert "OMP_NUM_THREADS=1" in text


def test_runtime_table_needs_its_markers(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="README has no run-time table markers; add a line '<!-- runtimes:start -->'"):
        run_notebooks.runtime_table("no table here\n", [], folder=tmp_path, threads=1)


def test_run_notebooks_without_notebooks_fails(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(run_notebooks, "default_notebooks", lambda: [])
    assert run_notebooks.main(["--check"]) == 1
    assert "no notebooks found" in capsys.readouterr().err


@pytest.mark.slow
def test_run_notebooks_refreshes_outputs_and_table(tmp_path: Path) -> None:
    good = tmp_path / "01_good.ipynb"
    nb = _dirty_notebook()
    nb.cells[1].source = "print(round(1 / 3, 3))"
    nb.cells[1].outputs = []
    nb.cells.append(new_code_cell("x = 2\nx * 21"))
    nbformat.write(nb, good)
    bad = tmp_path / "02_bad.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell("1 / 0")]), bad)
    readme = tmp_path / "README.md"
    readme.write_text("<!-- runtimes:start -->\n<!-- runtimes:end -->\n")

    result = subprocess.run(
        [
            sys.executable,
            str(REPO / "scripts" / "maintenance" / "run_notebooks.py"),
            str(good),
            "--readme",
            str(readme),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "run_notebooks: 1 passed, 0 failed" in result.stdout
    refreshed = nbformat.read(good, as_version=4)
    code = [cell for cell in refreshed.cells if cell.cell_type == "code"]
    assert [cell.execution_count for cell in code] == [1, 2]
    assert code[0].outputs[0].text == "0.333\n"
    assert code[1].outputs[0].data["text/plain"] == "42"
    assert clean_notebooks.problems(refreshed) == []
    assert re.search(r"^\| \[01_good\.ipynb\]\(01_good\.ipynb\) \| \d+\.\d s \|$", readme.read_text(), re.MULTILINE)

    before_bad, before_readme = bad.read_text(), readme.read_text()
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "maintenance" / "run_notebooks.py"), str(bad), "--readme", str(readme)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1
    assert "ZeroDivisionError" in result.stderr and "0 passed, 1 failed" in result.stdout
    assert bad.read_text() == before_bad and readme.read_text() == before_readme


# ------------------------------------------------------------------------------------------------ nbval


def _nbval(folder: Path, *notebooks: str) -> subprocess.CompletedProcess[str]:
    """pytest --nbval in `folder`, isolated from this repository's configuration."""
    (folder / "pytest.ini").write_text("[pytest]\n")
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "--nbval",
            "--nbval-current-env",
            "-c",
            str(folder / "pytest.ini"),
            "--rootdir",
            str(folder),
            *notebooks,
        ],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.slow
def test_nbval_with_our_sanitizer_passes_noise_and_fails_real_changes(tmp_path: Path) -> None:
    shutil.copy(NBVAL_SETUP / "nbval_plugin.py", tmp_path / "conftest.py")
    shutil.copy(NBVAL_SETUP / "nbval_sanitize.cfg", tmp_path / "nbval_sanitize.cfg")

    def notebook(energy_text: str) -> nbformat.NotebookNode:
        return new_notebook(
            cells=[
                new_code_cell(
                    "import math\nprint(f'energy {math.pi / 3}')",
                    execution_count=1,
                    outputs=[new_output("stream", name="stdout", text=f"energy {energy_text}\n")],
                ),
                new_code_cell(
                    "object()",
                    execution_count=2,
                    outputs=[
                        new_output("execute_result", {"text/plain": "<object at 0x7f0000abcdef>"}, execution_count=2)
                    ],
                ),
                new_code_cell(
                    "# NBVAL_IGNORE_OUTPUT\nimport random\nrandom.random()",
                    execution_count=3,
                    outputs=[new_output("execute_result", {"text/plain": "0.5"}, execution_count=3)],
                ),
            ]
        )

    nbformat.write(notebook("1.0471999"), tmp_path / "noise.ipynb")  # computed: 1.0471975511965976
    nbformat.write(notebook("1.06"), tmp_path / "changed.ipynb")

    passed = _nbval(tmp_path, "noise.ipynb")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "3 passed" in passed.stdout
    failed = _nbval(tmp_path, "changed.ipynb")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "1 failed, 2 passed" in failed.stdout
    assert "energy 1.06" in failed.stdout and "energy 1.05" in failed.stdout
