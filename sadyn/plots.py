"""Deprecated: ``sadyn.plots`` moved to ``sadyn.viz.plots (sd.plots)``; this alias goes in the next release."""

import warnings

from .viz.plots import *  # noqa: F403
from .viz.plots import __all__ as __all__
from .viz.plots import _np as _np  # noqa: F401

warnings.warn("sadyn.plots is deprecated; use sadyn.viz.plots (sd.plots).", DeprecationWarning, stacklevel=2)
