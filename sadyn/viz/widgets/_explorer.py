"""`Explorer`: controls -> compute -> redraw one owned figure, with a static default for GitHub and nbval.

The figure is displayed as an ordinary PNG output with a display id, and every change of a control replaces that
output in place. So a notebook committed with outputs shows the default figure anywhere (GitHub, nbviewer,
nbval), and in a live JupyterLab the same output follows the sliders. Tests drive an explorer without a
browser: ``explorer.update(beta=2.0)`` sets the controls (firing the same callback as a slider) and
``explorer.data`` holds what was recomputed.
"""

from __future__ import annotations

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
        """Recompute from the current control values and redraw; returns the new data."""
        t0 = time.perf_counter()
        with threads(1):
            self.data = self._compute(**self.values)
        self.figure.clear()
        with style():
            self._draw(self.figure, self.data)
        self.seconds = time.perf_counter() - t0
        self.status.value = f"<small>redrawn in {self.seconds * 1000:.0f} ms</small>"
        if self._handle is not None:
            self._handle.update(self._image())
        return self.data

    def update(self, **values: Any) -> dict[str, Any]:
        """Set several controls at once (as a reader would with the sliders) and redraw once."""
        unknown = set(values) - set(self.controls)
        if unknown:
            raise ValueError(f"unknown control(s) {sorted(unknown)}; this explorer has {sorted(self.controls)}.")
        self._holding = True
        try:
            for k, v in values.items():
                self.controls[k].value = v
        finally:
            self._holding = False
        return self.refresh()

    def _on_change(self, change: dict) -> None:
        if not self._holding:
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
