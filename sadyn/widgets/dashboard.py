"""Deprecated: ``sadyn.widgets.dashboard`` moved to ``sadyn.viz.widgets.dashboard``; this alias goes in the next release."""

import warnings

from ..experiments.lyapunov import analyse_map  # noqa: F401
from ..viz.widgets.dashboard import dashboard  # noqa: F401

__all__ = ["analyse_map", "dashboard"]

warnings.warn(
    "sadyn.widgets.dashboard is deprecated; use sadyn.viz.widgets.dashboard.", DeprecationWarning, stacklevel=2
)
