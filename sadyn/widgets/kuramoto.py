"""Deprecated: ``sadyn.widgets.kuramoto`` moved to ``sadyn.viz.widgets.kuramoto``; this alias goes in the next release."""

import warnings

from ..viz.widgets.kuramoto import kuramoto_explorer  # noqa: F401

__all__ = ["kuramoto_explorer"]

warnings.warn("sadyn.widgets.kuramoto is deprecated; use sadyn.viz.widgets.kuramoto.", DeprecationWarning, stacklevel=2)
