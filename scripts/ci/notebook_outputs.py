"""Make an executed notebook's widget outputs readable where no kernel runs (GitHub, nbviewer, the docs site).

A widget output is stored as ``application/vnd.jupyter.widget-view+json`` (a model id) plus a ``text/plain``
fallback taken when the widget was *displayed*: a controls box reads ``VBox(children=(HTML(value=...``, and a
tqdm bar reads ``0%|          | 0/71`` forever, although it finished. Without the saved widget state (which
``clean_notebooks.py`` drops: large, random ids) nothing else can render it. So, on the freshly executed
notebook (nbclient keeps the final widget state in ``metadata.widgets``), :func:`static_outputs` replaces

- a progress bar (an HBox holding a progress model, as tqdm draws it) by its final text,
  ``epoch 1/4: 100%|██████████| 71/71 [00:02<00:00, 30.1it/s]``; a bar that closed itself (``leave=False``,
  hidden layout) is dropped, as it disappears in a live session;
- any other widget view (an explorer's sliders) by one line saying the controls need a running kernel; the
  explorer's figure is an ordinary PNG output right after it, so it shows everywhere.

Call it between execution and cleaning: ``nbformat.write(clean_notebook(static_outputs(nb)), path)`` in
``run_notebooks.py``. ``python scripts/ci/notebook_outputs.py --check [NOTEBOOK ...]`` lists committed outputs
that still show a widget's repr or an unfinished bar (``tests/test_notebook_outputs.py`` runs the same check).
"""

from __future__ import annotations

import argparse
import html
import re
import sys
from pathlib import Path
from typing import Any

import nbformat

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
CONTROLS_NOTE = "[interactive controls: run this cell in Jupyter to use them; the figure below shows the defaults]"
PROGRESS_MODELS = ("FloatProgressModel", "IntProgressModel")
WIDGET_REPR = re.compile(r"^\s*(?:VBox|HBox|Box|GridBox|Tab|Accordion|[A-Z]\w*(?:Slider|Dropdown|Button|Text))\(")
UNFINISHED_BAR = re.compile(r"\b0%\|[^|]*\|\s*0/\d+")
REPO = Path(__file__).resolve().parents[2]


def widget_states(nb: nbformat.NotebookNode) -> dict[str, dict[str, Any]]:
    """``{model id: {"model_name": ..., "state": {...}}}`` saved by nbclient, or {} when there is none."""
    saved = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {})
    return dict(saved.get("state", {}))


def _model(ref: object, states: dict[str, dict[str, Any]]) -> dict[str, Any]:
    key = ref[len("IPY_MODEL_") :] if isinstance(ref, str) and ref.startswith("IPY_MODEL_") else ref
    return states.get(key, {}) if isinstance(key, str) else {}


def _text(model: dict[str, Any]) -> str:
    value = model.get("state", {}).get("value", "")
    text = html.unescape(re.sub(r"<[^>]*>", "", str(value)))
    return text.replace("\u2007", " ").replace("\xa0", " ")  # tqdm pads with figure spaces in HTML


def progress_text(model_id: str, states: dict[str, dict[str, Any]]) -> str | None:
    """The final text of a tqdm-style bar (HBox: label, progress, counts), "" for a bar that hid itself, None
    for a widget that is not a progress bar."""
    box = states.get(model_id, {})
    children = [_model(ref, states) for ref in box.get("state", {}).get("children", [])]
    bars = [c for c in children if c.get("model_name") in PROGRESS_MODELS]
    if box.get("model_name") != "HBoxModel" or len(bars) != 1:
        return None
    if _model(box["state"].get("layout"), states).get("state", {}).get("visibility") == "hidden":
        return ""
    bar = bars[0]["state"]
    low, high, value = float(bar.get("min", 0)), float(bar.get("max", 100)), float(bar.get("value", 0))
    filled = round(10 * (value - low) / (high - low)) if high > low else 10
    index = children.index(bars[0])
    left = " ".join(_text(c) for c in children[:index]).strip()
    right = " ".join(_text(c) for c in children[index + 1 :]).rstrip()
    stopped = " (stopped)" if bar.get("bar_style") == "danger" else ""
    return f"{left}|{'█' * filled}{' ' * (10 - filled)}|{right}{stopped}"


def static_outputs(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Replace the widget outputs of ``nb`` (in place) as the module docstring says, and return it.

    Raises ``ValueError`` when ``nb`` has widget outputs but no saved widget state: call it on the notebook
    nbclient just executed, before ``clean_notebook`` removes ``metadata.widgets``.
    """
    states = widget_states(nb)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        outputs = []
        for out in cell.get("outputs", []):
            view = out.get("data", {}).get(WIDGET_VIEW) if out.get("output_type") != "stream" else None
            if view is None:
                outputs.append(out)
                continue
            if not states:
                raise ValueError(
                    "the notebook has widget outputs but no saved widget state (metadata.widgets); pass the "
                    "notebook nbclient just executed (store_widget_state=True), before clean_notebook."
                )
            text = progress_text(view["model_id"], states)
            if text == "":
                continue
            plain = CONTROLS_NOTE if text is None else text
            outputs.append(nbformat.v4.new_output("display_data", data={"text/plain": plain}))
        cell.outputs = outputs
    return nb


def problems(nb: nbformat.NotebookNode) -> list[str]:
    """Outputs that a reader without a kernel would see as a widget's repr or an unfinished bar."""
    found = []
    for index, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            data = out.get("data", {})
            text = "".join(data.get("text/plain", "")) if out.get("output_type") != "stream" else ""
            if WIDGET_VIEW in data:
                found.append(f"cell {index}: a widget view ({text[:40]!r}...) that renders nowhere without a kernel")
            elif WIDGET_REPR.match(text):
                found.append(f"cell {index}: a widget's repr {text[:40]!r}...")
            elif UNFINISHED_BAR.search(text):
                found.append(f"cell {index}: a progress bar committed at 0%: {text[:60]!r}")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: tutorials/*.ipynb")
    parser.add_argument("--check", action="store_true", required=True, help="list what is left to fix")
    args = parser.parse_args(argv)
    bad = 0
    for path in args.notebooks or sorted((REPO / "tutorials").glob("*.ipynb")):
        for line in problems(nbformat.read(path, as_version=4)):
            print(f"{path.name}: {line}")
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
