"""The committed tutorials are fit for nbval and for readers: run top to bottom without errors, saved clean,
widget cells exempt from comparison, and listed with their run time in tutorials/README.md.

Fix a failure here with `make notebooks` (re-runs, cleans and re-times every tutorial), except for the
widget marker and trailing `;`, which are edits to the notebook itself.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest
from IPython.core.displayhook import DisplayHook

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts" / "maintenance"))

import clean_notebooks  # noqa: E402
import run_notebooks  # noqa: E402

NOTEBOOKS = clean_notebooks.default_notebooks()
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
IGNORE_MARKERS = ("# NBVAL_IGNORE_OUTPUT", "# NBVAL_SKIP")


def _code_cells(path: Path) -> list[nbformat.NotebookNode]:
    return [cell for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "code"]


def _has_marker(cell: nbformat.NotebookNode) -> bool:
    lines = {line.strip() for line in cell.source.splitlines()}
    tags = {tag.replace("-", "_").upper() for tag in cell.metadata.get("tags", [])}
    return any(marker in lines for marker in IGNORE_MARKERS) or bool(tags & {"NBVAL_IGNORE_OUTPUT", "NBVAL_SKIP"})


def test_there_are_tutorials() -> None:
    assert NOTEBOOKS, f"no notebooks in {REPO / 'tutorials'}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_saved_clean(path: Path) -> None:
    found = clean_notebooks.problems(nbformat.read(path, as_version=4))
    assert not found, f"{path.name} is not clean ({'; '.join(found)}); run `make notebooks`."


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_ran_top_to_bottom_without_errors(path: Path) -> None:
    cells = _code_cells(path)
    counts = [cell.execution_count for cell in cells if cell.source.strip()]
    assert counts == list(range(1, len(counts) + 1)), (
        f"{path.name}: execution counts {counts}; save it after one run from a fresh kernel (`make notebooks`)."
    )
    errors = [index for index, cell in enumerate(cells) if any(o.output_type == "error" for o in cell.outputs)]
    assert not errors, f"{path.name}: code cells {errors} are saved with an error output."


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_widget_cells_are_exempt_from_comparison(path: Path) -> None:
    unmarked = [
        index
        for index, cell in enumerate(_code_cells(path))
        if any(WIDGET_VIEW in output.get("data", {}) for output in cell.outputs) and not _has_marker(cell)
    ]
    assert not unmarked, (
        f"{path.name}: code cells {unmarked} show a widget but lack a first line `# NBVAL_IGNORE_OUTPUT`."
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_cell_hides_its_value_with_a_semicolon(path: Path) -> None:
    hiding = [
        index
        for index, cell in enumerate(_code_cells(path))
        if not _has_marker(cell) and DisplayHook.semicolon_at_end_of_expression(cell.source)
    ]
    assert not hiding, (
        f"{path.name}: code cells {hiding} end with `;`. nbval runs cells without IPython's history, where `;` "
        f"does not hide the value, so the outputs differ; assign the value instead (`_ = ...`)."
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_listed_with_its_run_time(path: Path) -> None:
    text = run_notebooks.README.read_text()
    table = text.split(run_notebooks.START, 1)[-1].split(run_notebooks.END, 1)[0]
    names = {match["name"] for match in run_notebooks.ROW.finditer(table)}
    assert path.name in names, f"{path.name} has no row in tutorials/README.md's run-time table; run `make notebooks`."


def test_readme_table_lists_only_existing_notebooks() -> None:
    table = run_notebooks.README.read_text().split(run_notebooks.START, 1)[-1].split(run_notebooks.END, 1)[0]
    listed = {match["name"] for match in run_notebooks.ROW.finditer(table)}
    existing = {path.name for path in NOTEBOOKS}
    assert listed <= existing, f"rows for notebooks that do not exist: {sorted(listed - existing)}"


DEPRECATED = (
    "from sadyn import trained",
    "sadyn.trained",
    "import sadyn.widgets",
    "sadyn.exercises",
    "sd.widgets.clustering_run",
    "sd.widgets.symmetry_run",
    "sd.widgets.toy_run",
    "sd.widgets.analyse_map",
    "sd.widgets.plot_board",
    "sd.widgets.plot_phase_diagram",
)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_uses_the_new_homes(path: Path) -> None:
    """Experiments through sd.experiments, plots through sd.plots: no deprecated path a learner would copy."""
    for cell in _code_cells(path):
        for old in DEPRECATED:
            assert old not in cell.source, f"{path.name} uses {old!r}; see sadyn/experiments and sadyn/viz"
