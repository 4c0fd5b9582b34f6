"""Deprecated: ``sadyn.widgets._explorer`` moved to ``sadyn.viz.widgets._explorer``; this alias goes in the next release."""

import warnings

from ..viz.widgets._explorer import Explorer  # noqa: F401

__all__ = ["Explorer"]

warnings.warn(
    "sadyn.widgets._explorer is deprecated; use sadyn.viz.widgets._explorer.", DeprecationWarning, stacklevel=2
)
