"""sadyn: recurrent self-attention dynamics, for learners and researchers.

Any map in, any analysis out: the models in :mod:`sadyn.dynamics` are torch maps ``X -> X_next``; every
analysis in :mod:`sadyn.analysis` works on any such map. This file is the public API index.
"""

__version__ = "0.1.0"

# isort: skip_file
# The imports are grouped as the API reference groups them (GROUPS in docs/_ext/sadyn_docs.py).
# --- models (sadyn.attention, sadyn.norms, sadyn.dynamics, sadyn.trajectory)
from .attention import MultiHeadSelfAttention as MultiHeadSelfAttention
from .dynamics import AKOrN as AKOrN
from .dynamics import EnergySA as EnergySA
from .dynamics import ItrSA as ItrSA
from .dynamics import LoopedModel as LoopedModel
from .dynamics import OscillatorToy as OscillatorToy
from .norms import layer_norm as layer_norm
from .norms import Normalization as Normalization
from .norms import rms_norm as rms_norm
from .norms import sphere_project as sphere_project
from .norms import tangent_project as tangent_project
from .trajectory import Trajectory as Trajectory

# --- analysis (sadyn.analysis)
from .analysis import classify_regime as classify_regime
from .analysis import contribution_index as contribution_index
from .analysis import eigenvalues as eigenvalues
from .analysis import finite_time_lyapunov as finite_time_lyapunov
from .analysis import finite_time_volume as finite_time_volume
from .analysis import FiniteTimeVolume as FiniteTimeVolume
from .analysis import jacobian as jacobian
from .analysis import jacobian_spectrum as jacobian_spectrum
from .analysis import jvp as jvp
from .analysis import lyapunov_spectrum as lyapunov_spectrum
from .analysis import LyapunovSpectrum as LyapunovSpectrum
from .analysis import prop51_bound as prop51_bound
from .analysis import pseudo_energy as pseudo_energy
from .analysis import spectral_norm as spectral_norm
from .analysis import TangentMap as TangentMap
from .analysis import vjp as vjp

# --- Sudoku and training (sadyn.sudoku, sadyn.solver, sadyn.parametrize)
from . import sudoku as sudoku  # sadyn.sudoku.generate(...), .load_dataset(...): numpy only
from .parametrize import orthogonal_values as orthogonal_values
from .parametrize import tie_symmetric as tie_symmetric
from .solver import energy_multi_regularizer as energy_multi_regularizer
from .solver import energy_single_regularizer as energy_single_regularizer
from .solver import evaluate as evaluate
from .solver import load_model as load_model
from .solver import load_pretrained as load_pretrained
from .solver import ModelConfig as ModelConfig
from .solver import pretrained_info as pretrained_info
from .solver import pretrained_models as pretrained_models
from .solver import spectral_regularizer as spectral_regularizer
from .solver import SudokuSolver as SudokuSolver
from .solver import train as train
from .solver import TrainConfig as TrainConfig

# --- helpers (sadyn.geometry, sadyn.threads)
from .geometry import count_clusters as count_clusters
from .threads import threads as threads

_LAZY = ("plots", "widgets", "exercises", "sudoku", "systems", "analysis", "dynamics", "experiments", "viz", "teaching")
# flat names whose module moved: sd.plots -> sadyn.viz.plots etc. (no warning; the old module paths warn)
_HOMES = {"plots": "viz.plots", "widgets": "viz.widgets", "exercises": "teaching"}


def __getattr__(name: str):
    """Submodules that pull heavier dependencies (matplotlib, ipywidgets) load on first use: ``sd.widgets``."""
    if name in _LAZY:
        import importlib

        return importlib.import_module(f".{_HOMES.get(name, name)}", __name__)
    raise AttributeError(f"module 'sadyn' has no attribute {name!r}")
