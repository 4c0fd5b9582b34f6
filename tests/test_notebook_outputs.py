"""scripts/ci/notebook_outputs.py: widget outputs become what a reader without a kernel can see (final progress
bars, a note instead of a controls box's repr), and the committed tutorials hold no raw widget output."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts" / "ci"))

import notebook_outputs as no  # noqa: E402


def _model(name: str, **state: object) -> dict:
    return {"model_name": name, "state": {"_model_name": name, **state}}


def _notebook(states: dict, *model_ids: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    outputs = [
        nbformat.v4.new_output(
            "display_data", data={no.WIDGET_VIEW: {"model_id": m, "version_major": 2}, "text/plain": "HBox(children=("}
        )
        for m in model_ids
    ]
    outputs.append(nbformat.v4.new_output("display_data", data={"image/png": "iVBOR"}))
    nb.cells = [nbformat.v4.new_code_cell("x", outputs=outputs)]
    nb.metadata["widgets"] = {no.WIDGET_STATE: {"state": states, "version_major": 2, "version_minor": 0}}
    return nb


def _tqdm(states: dict, key: str, value: float, total: float, *, hidden: bool = False, style: str = "") -> None:
    states[f"{key}-l"] = _model("HTMLModel", value=f"train:&nbsp;{round(100 * value / total)}%")
    states[f"{key}-p"] = _model("FloatProgressModel", value=value, max=total, bar_style=style)
    states[f"{key}-r"] = _model("HTMLModel", value=f" {int(value)}/{int(total)} [00:02&lt;00:00, 30.1it/s]")
    states[f"{key}-lay"] = _model("LayoutModel", visibility="hidden" if hidden else None)
    kids = [f"IPY_MODEL_{key}-{part}" for part in "lpr"]
    states[key] = _model("HBoxModel", children=kids, layout=f"IPY_MODEL_{key}-lay")


def test_finished_bar_shows_its_final_state_and_a_hidden_one_goes() -> None:
    states: dict = {}
    _tqdm(states, "done", 71, 71)
    _tqdm(states, "half", 30, 60, style="danger")
    _tqdm(states, "gone", 3, 3, hidden=True)
    nb = no.static_outputs(_notebook(states, "done", "half", "gone"))
    texts = [o.data.get("text/plain") for o in nb.cells[0].outputs]
    assert texts == [
        "train: 100%|██████████| 71/71 [00:02<00:00, 30.1it/s]",
        "train: 50%|█████     | 30/60 [00:02<00:00, 30.1it/s] (stopped)",
        None,
    ]
    assert "image/png" in nb.cells[0].outputs[-1].data  # the figure after the widget is kept
    assert no.problems(nb) == []


def test_a_controls_box_becomes_a_note() -> None:
    states = {"box": _model("VBoxModel", children=["IPY_MODEL_s"]), "s": _model("FloatSliderModel", value=1.0)}
    nb = no.static_outputs(_notebook(states, "box"))
    assert nb.cells[0].outputs[0].data == {"text/plain": no.CONTROLS_NOTE}


def test_widget_outputs_without_saved_state_are_refused() -> None:
    nb = _notebook({}, "box")
    del nb.metadata["widgets"]
    with pytest.raises(ValueError, match="no saved widget state"):
        no.static_outputs(nb)


def test_problems_names_reprs_views_and_zero_percent_bars() -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "x",
            outputs=[
                nbformat.v4.new_output("display_data", data={"text/plain": "VBox(children=(IntSlider(value=3),))"}),
                nbformat.v4.new_output(
                    "display_data", data={"text/plain": "epoch 1/4:   0%|          | 0/71 [00:00<?]"}
                ),
                nbformat.v4.new_output("stream", name="stdout", text="VBox( printed by the user is fine\n"),
            ],
        )
    ]
    found = no.problems(nb)
    assert len(found) == 2 and "repr" in found[0] and "0%" in found[1]


@pytest.mark.slow
def test_on_a_notebook_executed_by_nbclient() -> None:
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "from tqdm.auto import tqdm\nfor i in tqdm(range(5), desc='epoch'): pass\n"
            "for i in tqdm(range(3), desc='gone', leave=False): pass"
        ),
        nbformat.v4.new_code_cell("import ipywidgets as W\nW.VBox([W.HTML('<b>t</b>'), W.FloatSlider(value=1.0)])"),
    ]
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    assert len(no.problems(nb)) == 3
    no.static_outputs(nb)
    assert no.problems(nb) == []
    [bar] = nb.cells[0].outputs
    assert bar.data["text/plain"].startswith("epoch: 100%|██████████| 5/5 [")
    assert nb.cells[1].outputs[0].data["text/plain"] == no.CONTROLS_NOTE


@pytest.mark.parametrize(
    "path",
    [p for p in sorted((REPO / "tutorials").glob("*.ipynb"))],
    ids=lambda p: p.name,
)
def test_committed_tutorials_show_no_raw_widget_output(path: Path) -> None:
    assert no.problems(nbformat.read(path, as_version=4)) == []
