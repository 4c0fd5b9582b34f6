"""Deprecated: ``sadyn.widgets.oscillation`` moved to ``sadyn.viz.widgets.oscillation``; this alias goes in the next release."""

import warnings

from ..experiments.jacobians import toy_run  # noqa: F401
from ..viz.widgets.oscillation import oscillation_explorer  # noqa: F401

__all__ = ["toy_run", "oscillation_explorer"]

warnings.warn(
    "sadyn.widgets.oscillation is deprecated; use sadyn.viz.widgets.oscillation.", DeprecationWarning, stacklevel=2
)
