"""Deprecated: ``sadyn.widgets.energy`` moved to ``sadyn.viz.widgets.energy``; this alias goes in the next release."""

import warnings

from ..experiments.energy import clustering_run  # noqa: F401
from ..viz.widgets.energy import energy_explorer  # noqa: F401

__all__ = ["clustering_run", "energy_explorer"]

warnings.warn("sadyn.widgets.energy is deprecated; use sadyn.viz.widgets.energy.", DeprecationWarning, stacklevel=2)
