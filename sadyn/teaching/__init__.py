"""Checked exercises (one checker per tutorial, in tutorial order) for the tutorials: the reader's function is compared with the library on random inputs.

A checker never raises on a wrong answer: it prints what differs and a hint, and returns False, so the notebook
keeps running. An exercise left as ``raise NotImplementedError`` is reported as "not attempted yet".
Instructors' solutions live in ``sadyn/teaching/solutions/`` and the test suite runs them through these checkers.
"""

from ._common import _call as _call  # noqa: F401
from ._common import _report as _report  # noqa: F401
from .tutorials_01_04 import check_energy as check_energy
from .tutorials_01_04 import check_energy_rate as check_energy_rate
from .tutorials_01_04 import check_rmsnorm_jacobian as check_rmsnorm_jacobian
from .tutorials_01_04 import check_toy_eigenvalues as check_toy_eigenvalues
from .tutorials_05_09 import check_contribution_index as check_contribution_index
from .tutorials_05_09 import check_finite_time_max as check_finite_time_max
from .tutorials_05_09 import check_logistic_exponent as check_logistic_exponent
from .tutorials_05_09 import check_order_parameter as check_order_parameter
from .tutorials_05_09 import check_two_trajectory as check_two_trajectory

__all__ = [
    "check_energy",  # 01
    "check_energy_rate",  # 02
    "check_rmsnorm_jacobian",  # 03
    "check_toy_eigenvalues",  # 04
    "check_logistic_exponent",  # 05
    "check_order_parameter",  # 06
    "check_finite_time_max",  # 07
    "check_contribution_index",  # 08
    "check_two_trajectory",  # 09
]
