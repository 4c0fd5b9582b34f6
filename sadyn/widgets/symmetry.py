"""Deprecated: ``sadyn.widgets.symmetry`` moved to ``sadyn.viz.widgets.symmetry``; this alias goes in the next release."""

import warnings

from ..experiments.energy import symmetry_run  # noqa: F401
from ..viz.widgets.symmetry import symmetry_explorer  # noqa: F401

__all__ = ["symmetry_run", "symmetry_explorer"]

warnings.warn("sadyn.widgets.symmetry is deprecated; use sadyn.viz.widgets.symmetry.", DeprecationWarning, stacklevel=2)
