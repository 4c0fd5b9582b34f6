"""The analysis engine: any map in, any analysis out.

Every function takes a map ``f`` (a callable from a state tensor to a state of the same shape, e.g.
``model.as_map(C)`` or a system of :mod:`sadyn.systems`) and a state. See ``README.md`` beside this file for the
design (flattening, engines, constraints, divergence) and ``benchmarks/`` for measured costs.
"""

from .finite_time import FiniteTimeVolume as FiniteTimeVolume
from .finite_time import finite_time_lyapunov as finite_time_lyapunov
from .finite_time import finite_time_volume as finite_time_volume
from .jacobian import jacobian as jacobian
from .jacobian import jvp as jvp
from .jacobian import vjp as vjp
from .lyapunov import LyapunovSpectrum as LyapunovSpectrum
from .lyapunov import lyapunov_spectrum as lyapunov_spectrum
from .model_tools import contribution_index as contribution_index
from .model_tools import prop51_bound as prop51_bound
from .model_tools import pseudo_energy as pseudo_energy
from .regime import classify_regime as classify_regime
from .spectra import eigenvalues as eigenvalues
from .spectra import jacobian_spectrum as jacobian_spectrum
from .spectra import spectral_norm as spectral_norm
from .tangent import TangentMap as TangentMap

__all__ = [
    "jacobian",
    "jvp",
    "vjp",
    "spectral_norm",
    "eigenvalues",
    "jacobian_spectrum",
    "lyapunov_spectrum",
    "LyapunovSpectrum",
    "TangentMap",
    "finite_time_lyapunov",
    "finite_time_volume",
    "FiniteTimeVolume",
    "classify_regime",
    "prop51_bound",
    "pseudo_energy",
    "contribution_index",
]
