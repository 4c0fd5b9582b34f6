"""Compatibility alias of :mod:`sadyn._validate` (the one validation module); import from there."""

from ._validate import *  # noqa: F403
from ._validate import __all__ as __all__
