"""Widget factories for the tutorials: each returns an :class:`Explorer` (``.widget``, ``.update``, ``.data``, ``.figure``).

Controls and drawing only: each explorer calls an experiment of :mod:`sadyn.experiments` and a plot of
:mod:`sadyn.viz.plots`. The experiments and plots once exported here (``sd.widgets.clustering_run``,
``sd.widgets.plot_board``, ...) still resolve for one release, with a DeprecationWarning naming their new home.
"""

from ._explorer import Explorer as Explorer
from .dashboard import dashboard as dashboard
from .energy import energy_explorer as energy_explorer
from .jacobian import jacobian_explorer as jacobian_explorer
from .kuramoto import akorn_explorer as akorn_explorer
from .kuramoto import kuramoto_explorer as kuramoto_explorer
from .lyapunov import lyapunov_explorer as lyapunov_explorer
from .oscillation import oscillation_explorer as oscillation_explorer
from .sudoku import sudoku_explorer as sudoku_explorer
from .sudoku import variant_explorer as variant_explorer
from .sudoku import voting_explorer as voting_explorer
from .symmetry import symmetry_explorer as symmetry_explorer

__all__ = [
    "Explorer",
    "dashboard",
    "energy_explorer",
    "symmetry_explorer",
    "oscillation_explorer",
    "jacobian_explorer",
    "lyapunov_explorer",
    "kuramoto_explorer",
    "akorn_explorer",
    "sudoku_explorer",
    "variant_explorer",
    "voting_explorer",
]

# names that lived here before the experiments/plots split -> their new module
_MOVED = {
    "analyse_map": "sadyn.experiments",
    "clustering_run": "sadyn.experiments",
    "symmetry_run": "sadyn.experiments",
    "toy_run": "sadyn.experiments",
    "plot_phase_diagram": "sadyn.viz.plots",
    "plot_board": "sadyn.viz.plots",
}


def __getattr__(name: str):
    if name in _MOVED:
        import importlib
        import warnings

        home = _MOVED[name]
        short = home.replace("sadyn.viz.plots", "sd.plots").replace("sadyn.", "sd.")
        warnings.warn(
            f"sd.widgets.{name} moved to {home}.{name} ({short}.{name}); the old name goes in the next release.",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(importlib.import_module(home), name)
    raise AttributeError(f"module 'sadyn.viz.widgets' has no attribute {name!r}")
