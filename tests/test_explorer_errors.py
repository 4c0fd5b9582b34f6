"""An explorer survives a bad value: the error shows in its status line, the last good figure stays, the controls
go back to what the figure shows, and the next valid value redraws (sadyn/viz/widgets/_explorer.py)."""

from __future__ import annotations

import math

import ipywidgets as W
import pytest

from sadyn.viz import widgets as w
from sadyn.viz.widgets._explorer import Explorer


@pytest.fixture
def explorer():
    return w.energy_explorer(steps=10, tokens=4)


@pytest.mark.parametrize(("name", "other"), [("beta", "dt"), ("dt", "beta")])
def test_a_refused_value_keeps_the_last_good_figure_and_does_not_poison_later_moves(explorer, name, other):
    good_png, good_data = explorer.png(), explorer.data
    kept = explorer.controls[name].value
    with pytest.raises(ValueError, match=f"`{name}` must be a finite number"):
        explorer.update(**{name: math.nan})
    assert explorer.data is good_data and explorer.png() == good_png  # the last good figure stays
    assert explorer.controls[name].value == kept  # the bad value does not stay in the control
    status = explorer.status.value
    assert f"could not redraw for {name}=nan" in status and "must be a finite number" in status
    assert "redrawn in" not in status and f"the figure still shows beta={explorer.values['beta']!r}" in status
    assert explorer.error.startswith(f"ValueError: `{name}` must be a finite number")
    move = 0.2 if other == "dt" else 2.0
    data = explorer.update(**{other: move})  # the next valid move works (the refused control is back)
    assert data[other] == pytest.approx(move, rel=0.05) and data[name] == pytest.approx(kept)
    assert explorer.error is None and "redrawn in" in explorer.status.value
    assert explorer.png() != good_png


def test_a_slider_move_that_fails_shows_the_error_under_the_cell_instead_of_raising(explorer):
    explorer.controls["beta"].value = math.nan  # what a callback does: nothing may escape to the log console
    assert "could not redraw" in explorer.status.value and math.isfinite(explorer.controls["beta"].value)
    explorer.controls["dt"].value = 0.3
    assert explorer.error is None and explorer.data["dt"] == pytest.approx(0.3)


def test_a_value_the_control_cannot_hold_is_a_value_error_naming_it(explorer):
    before = explorer.values
    with pytest.raises(ValueError, match=r"`beta`='x' is not a value the 'beta' control can hold"):
        explorer.update(dt=0.3, beta="x")
    assert explorer.values == before and "could not redraw for" in explorer.status.value


def test_a_drawing_error_restores_the_last_good_figure():
    calls = []

    def compute(a: float):
        return {"a": a}

    def draw(fig, data):
        calls.append(data["a"])
        ax = fig.add_subplot(1, 1, 1)
        ax.plot([0, 1], [0, data["a"]])
        if data["a"] > 5:
            raise RuntimeError("cannot draw that")

    ex = Explorer({"a": W.FloatSlider(value=1.0, min=0, max=10)}, compute, draw)
    png = ex.png()
    with pytest.raises(RuntimeError, match="cannot draw that"):
        ex.update(a=7.0)
    assert calls == [1.0, 7.0, 1.0] and ex.png() == png and ex.values == {"a": 1.0}
    assert "RuntimeError: cannot draw that" in ex.status.value
    assert ex.update(a=2.0) == {"a": 2.0} and ex.error is None


def test_a_bad_default_fails_at_construction():
    with pytest.raises(ValueError, match="`beta` must be a finite number"):
        w.energy_explorer(beta=math.nan, steps=5, tokens=4)
