"""Widget factories for the tutorials: each returns an :class:`Explorer` (``.widget``, ``.update``, ``.data``, ``.figure``)."""

from ._explorer import Explorer as Explorer
from .energy import clustering_run as clustering_run
from .energy import energy_explorer as energy_explorer

__all__ = ["Explorer", "energy_explorer", "clustering_run"]
