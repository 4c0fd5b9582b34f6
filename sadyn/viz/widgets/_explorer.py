"""`Explorer`: controls -> compute -> redraw one owned figure, with a static default for GitHub and nbval.

The figure is displayed as an ordinary PNG output with a display id, and every change of a control replaces that
output in place. So a notebook committed with outputs shows the default figure anywhere (GitHub, nbviewer,
nbval), and in a live JupyterLab the same output follows the sliders. Tests drive an explorer without a
browser: ``explorer.update(beta=2.0)`` sets the controls (firing the same callback as a slider) and
``explorer.data`` holds what was recomputed.

A value the computation refuses (``update(beta=nan)``, a slider moved into a diverging regime that raises) does not
break the explorer: the figure keeps the last good result, the controls go back to the values it shows, the status
line under the controls says what failed and why (not only JupyterLab's log console), and the next valid value
redraws as usual. ``explorer.error`` holds the message of the last failure (None after a good redraw);
``update`` also raises it, so a script notices.
"""

from __future__ import annotations

import contextlib
import html
import time
from collections.abc import Callable, Mapping
from typing import Any

import ipywidgets as W
from matplotlib.figure import Figure

from ...threads import threads
from ..plots import figure_png, style

__all__ = ["Explorer"]


class Explorer:
    """An interactive figure: ``compute(**values) -> data`` and ``draw(figure, data)`` on every control change.

    Attributes:
        controls: name -> ipywidget (each has a ``.value``); keyword names of ``compute``.
        data: the latest result of ``compute`` (a dict).
        figure: the owned matplotlib Figure (not registered with pyplot, so it never auto-displays).
        seconds: wall time of the last recompute + redraw.
        error: what went wrong in the last refresh (``"ValueError: ..."``), or None if it redrew.
        widget: the controls as one ipywidgets box (what ``show`` displays above the figure).
    """

    def __init__(
        self,
        controls: Mapping[str, W.ValueWidget],
        compute: Callable[..., dict[str, Any]],
        draw: Callable[[Figure, dict[str, Any]], None],
        *,
        figsize: tuple[float, float] = (10.0, 3.4),
        title: str | None = None,
    ) -> None:
        self.controls = dict(controls)
        self._compute, self._draw = compute, draw
        with style():
            self.figure = Figure(figsize=figsize, dpi=80)
        self.data: dict[str, Any] = {}
        self.error: str | None = None
        self._good: dict[str, Any] | None = None  # the control values behind self.data and the figure
        self.seconds = 0.0
        self._handle = None
        self._holding = False
        self.status = W.HTML()
        for c in self.controls.values():
            if hasattr(c, "continuous_update"):
                c.continuous_update = False
            c.observe(self._on_change, names="value")
        header = [W.HTML(f"<b>{title}</b>")] if title else []
        self.widget = W.VBox(header + [W.HBox(list(self.controls.values())), self.status])
        self.refresh()

    @property
    def values(self) -> dict[str, Any]:
        return {k: c.value for k, c in self.controls.items()}

    def refresh(self) -> dict[str, Any]:
        """Recompute from the current control values and redraw; returns the new data.

        If the computation or the drawing raises, the last good figure and data stay, the controls are set back to
        the values they show, the status line shows the error, and the exception is raised again."""
        values = self.values
        t0 = time.perf_counter()
        try:
            with threads(1):
                data = self._compute(**values)
            self._redraw(data)
        except Exception as error:
            self._failed(values, error)
            raise
        self.data, self._good, self.error = data, values, None
        self.seconds = time.perf_counter() - t0
        self.status.value = f"<small>redrawn in {self.seconds * 1000:.0f} ms</small>"
        if self._handle is not None:
            self._handle.update(self._image())
        return self.data

    def _redraw(self, data: dict[str, Any]) -> None:
        self.figure.clear()
        try:
            with style():
                self._draw(self.figure, data)
        except Exception:
            if self._good is not None:  # a half-drawn figure is replaced by the last good one
                self.figure.clear()
                with style():
                    self._draw(self.figure, self.data)
            raise

    def _failed(self, values: Mapping[str, Any], error: BaseException) -> None:
        """Show ``error`` in the status line and put the controls back to the last good values."""
        self.error = f"{type(error).__name__}: {error}"
        good = self._good or {}
        tried = {k: v for k, v in values.items() if k not in good or not _same(v, good[k])} or dict(values)
        if self._good is not None:
            self._set(self._good)
        kept = ", ".join(f"{k}={v!r}" for k, v in good.items())
        self.status.value = (
            '<small style="color:#b00020">could not redraw for '
            + html.escape(", ".join(f"{k}={v!r}" for k, v in tried.items()))
            + f": {html.escape(self.error)}"
            + (f"<br>the figure still shows {html.escape(kept)}; pick another value." if kept else "")
            + "</small>"
        )

    def _set(self, values: Mapping[str, Any]) -> None:
        """Set controls without redrawing."""
        self._holding = True
        try:
            for k, v in values.items():
                self.controls[k].value = v
        finally:
            self._holding = False

    def update(self, **values: Any) -> dict[str, Any]:
        """Set several controls at once (as a reader would with the sliders) and redraw once.

        A value the control or the computation refuses raises (``ValueError`` for a value the control cannot
        hold), after the explorer has gone back to its last good state (see :meth:`refresh`)."""
        unknown = set(values) - set(self.controls)
        if unknown:
            raise ValueError(f"unknown control(s) {sorted(unknown)}; this explorer has {sorted(self.controls)}.")
        for k, v in values.items():
            try:
                self._set({k: v})
            except Exception as error:  # traitlets' TraitError: a value of the wrong kind for this control
                bad = ValueError(f"`{k}`={v!r} is not a value the {k!r} control can hold ({error}).")
                self._failed({**self.values, k: v}, bad)
                raise bad from None
        return self.refresh()

    def _on_change(self, change: dict) -> None:
        if not self._holding:
            with contextlib.suppress(Exception):  # shown in the status line; a callback has no caller to raise to
                self.refresh()

    def _image(self):
        from IPython.display import Image

        return Image(data=figure_png(self.figure), format="png")

    def png(self) -> bytes:
        return figure_png(self.figure)

    def show(self) -> None:
        """Display the controls and, below them, the figure as a PNG output that the controls update in place."""
        from IPython.display import display

        display(self.widget)
        self._handle = display(self._image(), display_id=True)

    def _repr_png_(self) -> bytes:
        return self.png()


def _same(a: Any, b: Any) -> bool:
    """``a == b``, with NaN equal to NaN (a control left at NaN is not a change)."""
    try:
        return bool(a == b) or (a != a and b != b)
    except Exception:  # noqa: BLE001 - values without a truth value (arrays)
        return a is b
