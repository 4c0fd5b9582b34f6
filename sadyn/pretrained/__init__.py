"""Deprecated path, kept for one release: use :mod:`sadyn.solver.pretrained` (the same objects)."""

import warnings

from ..solver.pretrained import load_pretrained as load_pretrained
from ..solver.pretrained import pretrained_info as pretrained_info
from ..solver.pretrained import pretrained_models as pretrained_models
from ..solver.pretrained import pretrained_path as pretrained_path

warnings.warn(
    "sadyn.pretrained is deprecated and will be removed; import from sadyn.solver.pretrained instead.",
    DeprecationWarning,
    stacklevel=2,
)
