"""Deprecated: ``sadyn.widgets.sudoku`` moved to ``sadyn.viz.widgets.sudoku``; this alias goes in the next release."""

import warnings

from ..viz.plots import plot_board  # noqa: F401
from ..viz.widgets.sudoku import sudoku_explorer, voting_explorer  # noqa: F401

__all__ = ["plot_board", "sudoku_explorer", "voting_explorer"]

warnings.warn("sadyn.widgets.sudoku is deprecated; use sadyn.viz.widgets.sudoku.", DeprecationWarning, stacklevel=2)
