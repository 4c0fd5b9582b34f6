"""sadyn: recurrent self-attention dynamics, for learners and researchers.

Any map in, any analysis out: the models in :mod:`sadyn.dynamics` are torch maps ``X -> X_next``; every
analysis in :mod:`sadyn.analysis` works on any such map. This file is the public API index.
"""

__version__ = "0.1.0"

# --- models (sadyn.attention, sadyn.norms, sadyn.dynamics, sadyn.trajectory) ---
from .attention import MultiHeadSelfAttention as MultiHeadSelfAttention
from .norms import Normalization as Normalization
from .norms import layer_norm as layer_norm
from .norms import rms_norm as rms_norm
from .norms import sphere_project as sphere_project
from .norms import tangent_project as tangent_project
from .trajectory import Trajectory as Trajectory
from .dynamics import AKOrN as AKOrN
from .dynamics import EnergySA as EnergySA
from .dynamics import ItrSA as ItrSA
from .dynamics import LoopedModel as LoopedModel
from .dynamics import OscillatorToy as OscillatorToy
# --- end models ---

# --- analysis (sadyn.analysis, sadyn.systems) ---
# --- end analysis ---

# --- sudoku and training (sadyn.sudoku, sadyn.models, sadyn.training) ---
from . import sudoku as sudoku  # sadyn.sudoku.generate(...), .load_dataset(...): numpy only
# --- end sudoku and training ---

# --- plots and widgets (sadyn.plots, sadyn.widgets) ---
from .geometry import count_clusters as count_clusters
from .threads import threads as threads
# --- end plots and widgets ---

_LAZY = ("plots", "widgets", "exercises", "sudoku", "systems", "analysis", "dynamics")


def __getattr__(name: str):
    """Submodules that pull heavier dependencies (matplotlib, ipywidgets) load on first use: ``sd.widgets``."""
    if name in _LAZY:
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'sadyn' has no attribute {name!r}")
