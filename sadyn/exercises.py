"""Deprecated: ``sadyn.exercises`` moved to ``sadyn.teaching`` (``sd.exercises`` still works); goes next release."""

import warnings

from .teaching import *  # noqa: F403
from .teaching import __all__ as __all__
from .teaching import _call as _call  # noqa: F401
from .teaching import _report as _report  # noqa: F401

warnings.warn("sadyn.exercises is deprecated; use sadyn.teaching (sd.exercises).", DeprecationWarning, stacklevel=2)
