"""The dynamical systems sadyn studies: looped self-attention maps ``X -> X_next`` on ``(..., S, D)`` states."""

from ._base import LoopedModel as LoopedModel
from .akorn import AKOrN as AKOrN
from .energy_sa import EnergySA as EnergySA
from .itrsa import ItrSA as ItrSA
from .toy import OscillatorToy as OscillatorToy

__all__ = ["LoopedModel", "ItrSA", "AKOrN", "EnergySA", "OscillatorToy"]
