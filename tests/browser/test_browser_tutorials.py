"""Every tutorial as a learner meets it: JupyterLab in headless Chromium, run all, press every control.

Each ``tutorials/*.ipynb`` (found when the tests are collected) is opened from an output-free copy, run on a
restarted kernel through JupyterLab's own command, checked for error outputs, and every control of every
widget is changed once (sliders with the keyboard); its figure must show new image data
(``lab_page.check_notebook``).
Two more tests prove that the check can fail: a cell that raises, and a real tutorial whose explorers stop
redrawing their figure.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
import pytest
from lab_page import check_notebook, is_widget_view, prepare_copy
from lab_server import LabServer

TUTORIALS = Path(__file__).resolve().parents[2] / "tutorials"
NOTEBOOKS = sorted(TUTORIALS.glob("*.ipynb"))


def browser_test(test: Any) -> Any:
    """Mark a test as driving the browser (several seconds each, so also slow)."""
    return pytest.mark.browser(pytest.mark.slow(test))


# Test-only sabotage: after show(), an explorer forgets its figure's display handle, so control changes
# still recompute (the kernel answers) but the figure on screen never changes again.
BREAK_REDRAW = """\
from sadyn.viz.widgets import Explorer
_original_show = Explorer.show
def _show_then_forget_the_figure(self):
    _original_show(self)
    self._handle = None
Explorer.show = _show_then_forget_the_figure"""


def _widget_views(path: Path) -> int:
    cells = nbformat.read(path, as_version=4).cells
    return sum(is_widget_view(out) for c in cells if c.cell_type == "code" for out in c.outputs)


def test_copies_have_no_outputs_and_count_the_committed_widget_views(tmp_path: Path) -> None:
    source = next(p for p in NOTEBOOKS if _widget_views(p))
    whole, cut = tmp_path / "whole.ipynb", tmp_path / "cut.ipynb"
    assert prepare_copy(source, whole) == _widget_views(source) >= 1
    copied = nbformat.read(whole, as_version=4)
    code = [c for c in copied.cells if c.cell_type == "code"]
    assert code and all(c.outputs == [] and c.execution_count is None for c in code)
    assert [c.source for c in copied.cells] == [c.source for c in nbformat.read(source, as_version=4).cells]
    assert prepare_copy(source, cut, first_cell="x = 1", upto_widget=True) == 1
    cells = nbformat.read(cut, as_version=4).cells
    assert cells[0].source == "x = 1" and len(cells) <= len(copied.cells) + 1
    widget_cell = cells[-1]
    original = next(
        c
        for c in nbformat.read(source, as_version=4).cells
        if c.cell_type == "code" and any(is_widget_view(o) for o in c.outputs)
    )
    assert widget_cell.source == original.source


def test_the_tutorials_are_found() -> None:
    assert NOTEBOOKS, f"no notebooks in {TUTORIALS}"
    assert any(_widget_views(p) for p in NOTEBOOKS), "no tutorial shows a widget: nothing would be moved"


@browser_test
@pytest.mark.parametrize("source", NOTEBOOKS, ids=lambda p: p.name)
def test_tutorial_runs_and_every_control_redraws_its_figure(
    source: Path, page: Any, lab: LabServer, notebook_copy: Any, artifacts: Path
) -> None:
    name, views = notebook_copy(source)
    run = check_notebook(page, lab, name, expected_views=views, artifacts=artifacts)
    print(run.summary())
    assert run.widget_views >= views
    assert all(move.changed for move in run.moves)


@browser_test
def test_the_check_fails_on_a_cell_error(page: Any, lab: LabServer, tmp_path: Path) -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_code_cell("raise ValueError('boom')"),
        nbformat.v4.new_code_cell("print('never runs')"),
    ]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    (lab.root / "checks").mkdir(exist_ok=True)
    nbformat.write(notebook, lab.root / "checks" / "error.ipynb")
    try:
        with pytest.raises(AssertionError, match=r"1 cell\(s\) show an error:\n\ncode cell 1: (.|\n)*ValueError: boom"):
            check_notebook(page, lab, "checks/error.ipynb", expected_views=0, artifacts=tmp_path)
    finally:
        lab.shutdown_kernel_of("checks/error.ipynb")


@browser_test
def test_the_check_fails_when_a_callback_stops_redrawing(
    page: Any, lab: LabServer, notebook_copy: Any, tmp_path: Path
) -> None:
    source = next((p for p in NOTEBOOKS if _widget_views(p)), None)
    assert source is not None, "no tutorial shows a widget"
    name, views = notebook_copy(source, f"broken_{source.name}", first_cell=BREAK_REDRAW, upto_widget=True)
    with pytest.raises(AssertionError, match="the kernel answered, but the figure did not change") as failure:
        check_notebook(page, lab, name, expected_views=views, artifacts=tmp_path)
    # Every control of the sabotaged widget is reported, each with a screenshot kept as an artifact.
    reported = str(failure.value).count("did not change")
    shots = sorted(tmp_path.glob("*.png"))
    assert reported >= 1 and len(shots) == reported, (reported, shots)
