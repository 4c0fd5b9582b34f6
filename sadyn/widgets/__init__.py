"""Deprecated: ``sadyn.widgets`` moved to ``sadyn.viz.widgets (sd.widgets)`` (experiments to ``sadyn.experiments``, plots to ``sadyn.viz.plots``); this alias goes in the next release."""

import warnings

from ..experiments import analyse_map, clustering_run, symmetry_run, toy_run  # noqa: F401
from ..viz.plots import plot_board, plot_phase_diagram  # noqa: F401
from ..viz.widgets import *  # noqa: F403
from ..viz.widgets import (  # noqa: F401
    Explorer,
    dashboard,
    energy_explorer,
    jacobian_explorer,
    kuramoto_explorer,
    lyapunov_explorer,
    oscillation_explorer,
    sudoku_explorer,
    symmetry_explorer,
    voting_explorer,
)

__all__ = [
    "Explorer",
    "dashboard",
    "analyse_map",
    "energy_explorer",
    "clustering_run",
    "symmetry_explorer",
    "symmetry_run",
    "oscillation_explorer",
    "toy_run",
    "jacobian_explorer",
    "lyapunov_explorer",
    "plot_phase_diagram",
    "kuramoto_explorer",
    "sudoku_explorer",
    "voting_explorer",
    "plot_board",
]

warnings.warn("sadyn.widgets is deprecated; use sadyn.viz.widgets (sd.widgets).", DeprecationWarning, stacklevel=2)
