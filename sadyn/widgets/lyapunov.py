"""Deprecated: ``sadyn.widgets.lyapunov`` moved to ``sadyn.viz.widgets.lyapunov``; this alias goes in the next release."""

import warnings

from ..viz.plots import plot_phase_diagram  # noqa: F401
from ..viz.widgets.lyapunov import lyapunov_explorer  # noqa: F401

__all__ = ["plot_phase_diagram", "lyapunov_explorer"]

warnings.warn("sadyn.widgets.lyapunov is deprecated; use sadyn.viz.widgets.lyapunov.", DeprecationWarning, stacklevel=2)
