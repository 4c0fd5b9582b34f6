"""Deprecated path, kept for one release: regularizers moved to :mod:`sadyn.solver.regularizers`, the weight
parametrizations ``orthogonal_values`` and ``tie_symmetric`` to :mod:`sadyn.parametrize` (the same objects)."""

import warnings

from .parametrize import orthogonal_values as orthogonal_values
from .parametrize import tie_symmetric as tie_symmetric
from .solver.regularizers import REGULARIZERS as REGULARIZERS
from .solver.regularizers import concatenated_weights as concatenated_weights
from .solver.regularizers import energy_multi_regularizer as energy_multi_regularizer
from .solver.regularizers import energy_single_regularizer as energy_single_regularizer
from .solver.regularizers import spectral_regularizer as spectral_regularizer

warnings.warn(
    "sadyn.regularizers is deprecated and will be removed; import from sadyn.solver.regularizers (regularizers) or sadyn.parametrize (orthogonal_values, tie_symmetric) instead.",
    DeprecationWarning,
    stacklevel=2,
)
