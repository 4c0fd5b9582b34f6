"""Deprecated: ``sadyn.widgets.jacobian`` moved to ``sadyn.viz.widgets.jacobian``; this alias goes in the next release."""

import warnings

from ..viz.widgets.jacobian import TOKENS, jacobian_explorer  # noqa: F401

__all__ = ["TOKENS", "jacobian_explorer"]

warnings.warn("sadyn.widgets.jacobian is deprecated; use sadyn.viz.widgets.jacobian.", DeprecationWarning, stacklevel=2)
