"""Widget factories for the tutorials: each returns an :class:`Explorer` (``.widget``, ``.update``, ``.data``, ``.figure``)."""

from ._explorer import Explorer as Explorer
from .dashboard import analyse_map as analyse_map
from .dashboard import dashboard as dashboard
from .energy import clustering_run as clustering_run
from .energy import energy_explorer as energy_explorer
from .jacobian import jacobian_explorer as jacobian_explorer
from .kuramoto import kuramoto_explorer as kuramoto_explorer
from .lyapunov import lyapunov_explorer as lyapunov_explorer
from .lyapunov import plot_phase_diagram as plot_phase_diagram
from .oscillation import oscillation_explorer as oscillation_explorer
from .oscillation import toy_run as toy_run
from .sudoku import plot_board as plot_board
from .sudoku import sudoku_explorer as sudoku_explorer
from .sudoku import voting_explorer as voting_explorer
from .symmetry import symmetry_explorer as symmetry_explorer
from .symmetry import symmetry_run as symmetry_run

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
