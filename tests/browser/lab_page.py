"""Drive one notebook in JupyterLab as a learner would: run it all, check for errors, move every control.

``check_notebook`` is the whole check: open the notebook, restart the kernel and run all cells (the toolbar's
"Restart the kernel and run all cells" button, or the Kernel menu), wait until the kernel is idle and every
code cell has an execution count, fail on any error output, then for every widget with controls: focus each
control and change it once (a slider: ArrowRight, or ArrowLeft at its maximum; a checkbox: Space; a dropdown:
the next option, chosen as with the mouse, because JupyterLab's command mode takes ArrowUp/ArrowDown to move
between cells even while a dropdown has the focus), and require the widget's figure (the PNG output below the
widget, which ``Explorer`` replaces in place) to show different image data. Everything waits on conditions in
the page (prompts, the kernel status indicator, the image's ``src``), not on sleeps.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
LOAD_TIMEOUT_MS = 120_000  # opening JupyterLab and starting a kernel on a busy machine
RUN_TIMEOUT_MS = 600_000  # one notebook, all cells
WIDGET_TIMEOUT_MS = 60_000  # widget views appear after the run
MOVE_TIMEOUT_MS = 15_000  # the control's value follows the key press
REDRAW_TIMEOUT_MS = 120_000  # the kernel answers a control change
SETTLE_MS = 3_000  # after the kernel went idle again, how long the old image may still be on screen

# Installed in the page once: small DOM readers over the (single) open notebook.
PAGE_HELPERS = r"""
() => {
  const panel = () => document.querySelector('.jp-NotebookPanel');
  const cells = () => [...panel().querySelectorAll('.jp-Notebook .jp-CodeCell')];
  const outputs = (cell) => {
    const area = cell.querySelector('.jp-OutputArea');
    return area ? [...area.querySelectorAll(':scope > .jp-OutputArea-child')] : [];
  };
  const mime = (child) => child.querySelector('.jp-OutputArea-output')?.dataset.mimeType || '';
  const isWidget = (child) => !!child.querySelector('.jp-OutputArea-output .jupyter-widgets');
  const CONTROL = '.widget-slider, .widget-dropdown, .widget-checkbox';
  const target = (box) => box.querySelector('.noUi-handle, select, input[type=checkbox]');
  const errorLine = /^(\w+\.)*\w*(Error|Exception|Exit|Interrupt)\b/m;
  const indicator = () => panel().querySelector('.jp-Notebook-ExecutionIndicator');
  const w = {
    status: () => indicator()?.dataset.status || '',
    prompts: () => cells().map((c) => (c.querySelector('.jp-InputArea-prompt')?.textContent || '').trim()),
    errors: () => {
      const found = [];
      cells().forEach((cell, i) => outputs(cell).forEach((child) => {
        const text = child.innerText || '';
        const stderr = mime(child) === 'application/vnd.jupyter.stderr';
        if ((stderr && (text.includes('Traceback') || errorLine.test(text)))
            || text.includes('Error displaying widget')) {
          found.push(`code cell ${i}: ${text.trim().split('\n').slice(-12).join('\n')}`);
        }
      }));
      return found;
    },
    // Widgets with controls, each with the figure it drives: the next PNG output of the same cell (before
    // any other widget), or else the images inside the widget itself (an ipywidgets Output). Tags each
    // control's keyboard target with data-sadyn-control="<widget>.<control>" for locators.
    widgets: () => {
      const found = [];
      let views = 0;
      cells().forEach((cell, i) => {
        const children = outputs(cell);
        children.forEach((child, k) => {
          if (!isWidget(child)) return;
          views += 1;
          const boxes = [...child.querySelectorAll(CONTROL)].filter((box) => target(box));
          if (!boxes.length) return;
          let figure = children.findIndex((c, j) => j > k && mime(c) === 'image/png');
          if (figure >= 0 && children.slice(k + 1, figure).some(isWidget)) figure = -1;
          boxes.forEach((box, c) => { target(box).dataset.sadynControl = `${found.length}.${c}`; });
          found.push({cell: i, output: k, figure, controls: boxes.length});
        });
      });
      return {views, found};
    },
    // The state of a tagged control: kind, label, the key that changes it, its value (raw, and as shown).
    control: (id) => {
      const el = document.querySelector(`[data-sadyn-control="${id}"]`);
      const box = el.closest(CONTROL);
      const clean = (text) => (text || '').replace(/\u200b/g, '').trim();
      const label = clean(box.querySelector('.widget-label')?.textContent) || clean(box.innerText).split('\n')[0];
      if (box.classList.contains('widget-slider')) {
        const atMax = parseFloat(el.getAttribute('aria-valuenow')) >= parseFloat(el.getAttribute('aria-valuemax'));
        const vertical = el.getAttribute('aria-orientation') === 'vertical';
        const raw = el.getAttribute('aria-valuetext') || '';
        const shown = (box.querySelector('.widget-readout')?.textContent || '').trim() || raw;
        return {kind: 'slider', label, shown, value: `${raw}|${shown}`,
                disabled: box.querySelector('.noUi-target')?.hasAttribute('disabled') || false,
                key: vertical ? (atMax ? 'ArrowDown' : 'ArrowUp') : (atMax ? 'ArrowLeft' : 'ArrowRight')};
      }
      if (el.tagName === 'SELECT') {  // JupyterLab takes ArrowUp/Down (cell moves): pick the next option
        const next = el.selectedIndex === el.options.length - 1 ? el.selectedIndex - 1 : el.selectedIndex + 1;
        return {kind: 'dropdown', label, shown: el.selectedOptions[0]?.textContent || '',
                value: String(el.selectedIndex), disabled: el.disabled || el.options.length < 2,
                key: `select option ${next}`};
      }
      return {kind: 'checkbox', label, shown: String(el.checked), value: String(el.checked),
              disabled: el.disabled, key: 'Space'};
    },
    image: (cell, output, figure) => {
      const children = outputs(cells()[cell]);
      const holder = figure >= 0 ? children[figure] : children[output];
      return [...(holder?.querySelectorAll('img') || [])].map((img) => img.src).join('|');
    },
    // Record the kernel status changes from now on (the indicator follows every busy/idle of the kernel,
    // comm messages from widgets included).
    watch: () => {
      w.watched = {busy: false, idleSince: null};
      if (!w.observer) {
        w.observer = new MutationObserver((records) => {  // oldValue: a busy spell shorter than one task
          if (records.some((r) => r.target === indicator() && r.oldValue === 'busy')) w.watched.busy = true;
          if (w.status() === 'busy') { w.watched.busy = true; w.watched.idleSince = null; }
        });
        w.observer.observe(panel(), {attributes: true, attributeOldValue: true, subtree: true,
                                     attributeFilter: ['data-status']});
      }
    },
    // 'changed' once the figure's image differs from `before`; 'unchanged' once the kernel has been busy,
    // is idle again and the image stayed the same for `settle` ms; false while undecided.
    redraw: (cell, output, figure, before, settle) => {
      if (w.image(cell, output, figure) !== before) return 'changed';
      if (w.watched.busy || w.status() === 'busy') w.watched.busy = true;
      if (!w.watched.busy || w.status() !== 'idle') return false;
      w.watched.idleSince = w.watched.idleSince || Date.now();
      return Date.now() - w.watched.idleSince > settle ? 'unchanged' : false;
    },
  };
  window.__sadyn = w;
}
"""


@dataclass
class ControlMove:
    """One key press on one control and what the figure did."""

    widget: int
    kind: str
    label: str
    key: str
    before: str
    after: str
    changed: bool
    seconds: float


@dataclass
class NotebookRun:
    """What ``check_notebook`` saw: run time of all cells, widget views, and every control move."""

    notebook: str
    code_cells: int
    run_seconds: float
    widget_views: int
    moves: list[ControlMove] = field(default_factory=list)

    def summary(self) -> str:
        moved = ", ".join(f"{m.label} {m.before}->{m.after} {m.seconds:.1f}s" for m in self.moves) or "no controls"
        return (
            f"{self.notebook}: {self.code_cells} code cells in {self.run_seconds:.1f} s, "
            f"{self.widget_views} widget views; {moved}"
        )


# Committed notebooks store an explorer's controls as this static note (scripts/ci/notebook_outputs.py), or, if
# saved before that tool, as a widget view; either one is a widget view of the live run.
CONTROLS_NOTE_START = "[interactive controls: run this cell in Jupyter"


def is_widget_view(output: dict) -> bool:
    """True for a committed output that stands for a widget view (the view itself or its static note)."""
    data = output.get("data", {})
    text = data.get("text/plain", "")
    text = "".join(text) if isinstance(text, list) else text
    return WIDGET_MIME in data or text.startswith(CONTROLS_NOTE_START)


def prepare_copy(source: Path, target: Path, *, first_cell: str | None = None, upto_widget: bool = False) -> int:
    """Write ``source`` to ``target`` without outputs or execution counts; returns its widget-view count.

    A copy without outputs means stale prompts or figures of the committed file can never pass for results of
    this run. The returned count is how many explorer widget views the committed notebook showed (a lower bound
    for the live run; closed progress bars do not count). ``first_cell`` inserts a code cell at the top (used to break a widget on purpose);
    ``upto_widget`` drops the cells after the first cell that displays a widget.
    """
    notebook = nbformat.read(source, as_version=4)
    # Widget views that stay on screen: an explorer's controls (a cell that calls `.show()`). Progress bars
    # (tqdm in a notebook) are widgets too, but a finished bar may be closed and leave the live page.
    shown = [
        sum(is_widget_view(out) for out in cell.get("outputs", [])) if ".show()" in cell.source else 0
        for cell in notebook.cells
    ]
    if upto_widget and any(shown):
        keep = next(i for i, n in enumerate(shown) if n) + 1
        notebook.cells, shown = notebook.cells[:keep], shown[:keep]
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            cell.metadata.pop("execution", None)
    if first_cell is not None:
        notebook.cells.insert(0, nbformat.v4.new_code_cell(first_cell))
    notebook.metadata.pop("widgets", None)
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, target)
    return sum(shown)


class NotebookPage:
    """A Playwright page showing one notebook of ``server`` (see ``lab_server.LabServer``)."""

    def __init__(self, page: Any, server: Any, notebook: str) -> None:
        self.page, self.server, self.notebook = page, server, notebook

    def js(self, expression: str, *args: Any) -> Any:
        return self.page.evaluate(f"(a) => window.__sadyn.{expression}(...a)", list(args))

    def wait(self, function: str, arg: Any = None, *, timeout: float, what: str) -> Any:
        """Wait until the page function ``function(arg)`` returns something truthy, and return it.

        Raises AssertionError naming ``what`` when ``timeout`` (ms) passes first.
        """
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        try:
            handle = self.page.wait_for_function(function, arg=arg, timeout=timeout, polling=100)
        except PlaywrightTimeout:
            seconds = timeout / 1000
            raise AssertionError(f"{self.notebook}: timed out after {seconds:.0f} s waiting for {what}") from None
        return handle.json_value()

    def open(self) -> None:
        """Load JupyterLab on the notebook and wait until its kernel is started and idle."""
        self.page.goto(self.server.lab_url(self.notebook), timeout=LOAD_TIMEOUT_MS)
        self.page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell").first.wait_for(timeout=LOAD_TIMEOUT_MS)
        self.page.evaluate(PAGE_HELPERS)
        deadline = time.monotonic() + LOAD_TIMEOUT_MS / 1000
        dialog = self.page.locator(".jp-Dialog")
        while not self._kernel_idle():
            if dialog.count():  # e.g. "Select Kernel" for a notebook without a known kernelspec
                text = " | ".join(dialog.first.inner_text().split("\n"))
                raise AssertionError(f"{self.notebook}: JupyterLab asks instead of starting the kernel: {text}")
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.notebook}: the kernel did not start within {LOAD_TIMEOUT_MS / 1000:.0f} s")
            self.page.wait_for_timeout(250)  # polling the server's REST API between checks

    def _kernel_idle(self) -> bool:
        for session in self.server.api("GET", "/api/sessions"):
            if session.get("path") == self.notebook:
                return session["kernel"].get("execution_state") == "idle"
        return False

    def restart_and_run_all(self, code_cells: int) -> float:
        """Restart the kernel and run all cells through the UI; returns the seconds until all cells ran."""
        button = self.page.locator('.jp-NotebookPanel-toolbar [data-command="notebook:restart-run-all"]')
        if button.count() and button.first.is_visible():
            button.first.click()
        else:  # a narrow toolbar hides its buttons: the Kernel menu has the same command
            self.page.locator(".lm-MenuBar-item", has_text="Kernel").click()
            self.page.locator('.lm-Menu-item[data-command="runmenu:restart-and-run-all"]').click()
        self.page.locator(".jp-Dialog .jp-Dialog-button.jp-mod-accept").click(timeout=LOAD_TIMEOUT_MS)
        start = time.perf_counter()
        self.wait(
            """(n) => { const w = window.__sadyn; const p = w.prompts();
                return w.status() === 'idle' && p.length === n
                       && (p.every((t) => /^\\[\\d+\\]/.test(t)) || w.errors().length > 0); }""",
            code_cells,
            timeout=RUN_TIMEOUT_MS,
            what="all cells to run (kernel idle, every cell numbered)",
        )
        return time.perf_counter() - start

    def check_errors(self) -> None:
        errors = self.js("errors")
        if errors:
            raise AssertionError(f"{self.notebook}: {len(errors)} cell(s) show an error:\n\n" + "\n\n".join(errors))
        missing = [i for i, p in enumerate(self.js("prompts")) if not re.match(r"^\[\d+\]", p)]
        if missing:
            raise AssertionError(f"{self.notebook}: code cells {missing} have no execution count after run all")

    def move_controls(self, artifacts: Path) -> list[ControlMove]:
        """Press one key on every control of every widget; AssertionError listing each figure that stayed."""
        moves, problems = [], []
        for index, widget in enumerate(self.js("widgets")["found"]):
            for c in range(widget["controls"]):
                move = self._move(widget, index, f"{index}.{c}")
                if move is None:  # a disabled control
                    continue
                moves.append(move)
                if move.changed:
                    continue
                name = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{Path(self.notebook).stem}-widget{index}-{move.label}")
                shot = artifacts / f"{name}.png"
                artifacts.mkdir(parents=True, exist_ok=True)
                self.page.locator(".jp-NotebookPanel .jp-CodeCell").nth(widget["cell"]).screenshot(path=str(shot))
                problems.append(
                    f"widget {index} (code cell {widget['cell']}): {move.kind} {move.label!r} went {move.before} -> "
                    f"{move.after} with {move.key}, the kernel answered, but the figure did not change "
                    f"(screenshot: {shot})"
                )
        if problems:
            raise AssertionError(f"{self.notebook}: " + "\n".join(problems))
        return moves

    def _move(self, widget: dict[str, int], index: int, control: str) -> ControlMove | None:
        state = self.js("control", control)
        if state["disabled"]:
            return None
        name = f"{state['kind']} {state['label']!r} of widget {index}"
        where = [widget["cell"], widget["output"], widget["figure"]]
        self.wait(
            "() => window.__sadyn.status() === 'idle'",
            timeout=REDRAW_TIMEOUT_MS,
            what=f"the kernel to be idle before pressing {name}",
        )
        before_image = self.js("image", *where)
        if not before_image:
            raise AssertionError(f"{self.notebook}: widget {index} (code cell {widget['cell']}) has no figure image")
        self.js("watch")
        start = time.perf_counter()
        target = self.page.locator(f'[data-sadyn-control="{control}"]')
        target.focus()
        if state["key"].startswith("select option "):
            target.select_option(index=int(state["key"].rsplit(" ", 1)[1]))
        else:
            target.press(state["key"])
        self.wait(
            "([id, before]) => window.__sadyn.control(id).value !== before",
            [control, state["value"]],
            timeout=MOVE_TIMEOUT_MS,
            what=f"{name} to change with {state['key']}",
        )
        outcome = self.wait(
            "([where, before, settle]) => window.__sadyn.redraw(...where, before, settle)",
            [where, before_image, SETTLE_MS],
            timeout=REDRAW_TIMEOUT_MS,
            what=f"the kernel to answer {name}",
        )
        after = self.js("control", control)
        return ControlMove(
            widget=index,
            kind=state["kind"],
            label=state["label"],
            key=state["key"],
            before=_short(state["shown"]),
            after=_short(after["shown"]),
            changed=outcome == "changed",
            seconds=time.perf_counter() - start,
        )


def _short(value: str) -> str:
    try:
        return f"{float(value):.4g}"
    except ValueError:
        return value


def check_notebook(page: Any, server: Any, notebook: str, *, expected_views: int, artifacts: Path) -> NotebookRun:
    """The learner's check of one notebook (relative to ``server.root``); raises AssertionError on a failure."""
    code_cells = sum(c.cell_type == "code" for c in nbformat.read(server.root / notebook, as_version=4).cells)
    driver = NotebookPage(page, server, notebook)
    driver.open()
    seconds = driver.restart_and_run_all(code_cells) if code_cells else 0.0
    driver.check_errors()
    driver.wait(
        "(n) => window.__sadyn.widgets().views >= n",
        expected_views,
        timeout=WIDGET_TIMEOUT_MS,
        what=f"the {expected_views} widget view(s) of the committed notebook to render",
    )
    run = NotebookRun(notebook, code_cells, seconds, driver.js("widgets")["views"])
    run.moves = driver.move_controls(artifacts)
    return run
