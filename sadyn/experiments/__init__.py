"""The numbers behind the figures, one module per paper section; nothing here draws.

* :mod:`~sadyn.experiments.energy` (Sec. 4): ``clustering_run``, ``symmetry_run``.
* :mod:`~sadyn.experiments.jacobians` (Sec. 5.1, Fig. 1-2): ``jacobian_norm_vs_tokens``, ``eigenvalue_cloud``,
  ``prop51_random_grid``, ``prop51_large_eta``, ``prop51_along_inference``, ``toy_run``, ``toy_max_modulus``.
* :mod:`~sadyn.experiments.lyapunov` (Sec. 5.2): ``itrsa_lyapunov``, ``lyapunov_phase_diagram``, ``stacked_map``,
  ``trajectory_distance``, ``growth_rate``, ``finite_time_curve``, ``analyse_map``.
* :mod:`~sadyn.experiments.kuramoto` (Sec. 5.3): ``kuramoto_sync``, ``oscillator_coherence``, ``akorn_sync_time``,
  ``akorn_phases``.
* :mod:`~sadyn.experiments.sudoku` (Sec. 6, trained solvers): ``puzzle_set``, ``accuracy_vs_loops``, ``solver_map``,
  ``solver_lyapunov``, ``solver_eigenvalues``, ``solver_exponents``, ``solver_spectrum``, ``solver_variant``, ``shipped_solvers``,
  ``solve_one``.
* :mod:`~sadyn.experiments.sudoku_energy` (Sec. 6.3): ``inference_energy``, ``restart_energies``,
  ``voting_curve``, ``energy_curves``.
* :mod:`~sadyn.experiments.sudoku_variants` (Fig. 3 on the 9x9 solver): ``variant_scan``, ``variant_point``,
  ``load_variant_cache``.

Notebooks and widgets (:mod:`sadyn.viz`) draw these results; :mod:`sadyn.reproduce` judges them.
"""

from ._inputs import random_tokens as random_tokens
from .energy import clustering_run as clustering_run
from .energy import symmetry_run as symmetry_run
from .jacobians import eigenvalue_cloud as eigenvalue_cloud
from .jacobians import jacobian_norm_vs_tokens as jacobian_norm_vs_tokens
from .jacobians import prop51_along_inference as prop51_along_inference
from .jacobians import prop51_large_eta as prop51_large_eta
from .jacobians import prop51_random_grid as prop51_random_grid
from .jacobians import toy_max_modulus as toy_max_modulus
from .jacobians import toy_run as toy_run
from .kuramoto import akorn_phases as akorn_phases
from .kuramoto import akorn_sync_time as akorn_sync_time
from .kuramoto import kuramoto_sync as kuramoto_sync
from .kuramoto import oscillator_coherence as oscillator_coherence
from .lyapunov import analyse_map as analyse_map
from .lyapunov import finite_time_curve as finite_time_curve
from .lyapunov import growth_rate as growth_rate
from .lyapunov import itrsa_lyapunov as itrsa_lyapunov
from .lyapunov import lyapunov_phase_diagram as lyapunov_phase_diagram
from .lyapunov import stacked_map as stacked_map
from .lyapunov import trajectory_distance as trajectory_distance
from .sudoku import SolverMap as SolverMap
from .sudoku import accuracy_vs_loops as accuracy_vs_loops
from .sudoku import puzzle_set as puzzle_set
from .sudoku import shipped_solvers as shipped_solvers
from .sudoku import solve_one as solve_one
from .sudoku import solved_boards as solved_boards
from .sudoku import solver_eigenvalues as solver_eigenvalues
from .sudoku import solver_exponents as solver_exponents
from .sudoku import solver_lyapunov as solver_lyapunov
from .sudoku import solver_map as solver_map
from .sudoku import solver_spectrum as solver_spectrum
from .sudoku import solver_variant as solver_variant
from .sudoku_energy import energy_curves as energy_curves
from .sudoku_energy import inference_energy as inference_energy
from .sudoku_energy import restart_energies as restart_energies
from .sudoku_energy import voting_curve as voting_curve
from .sudoku_variants import load_variant_cache as load_variant_cache
from .sudoku_variants import variant_point as variant_point
from .sudoku_variants import variant_scan as variant_scan

__all__ = [
    "random_tokens",
    "clustering_run",
    "symmetry_run",
    "eigenvalue_cloud",
    "jacobian_norm_vs_tokens",
    "prop51_random_grid",
    "prop51_large_eta",
    "prop51_along_inference",
    "toy_run",
    "toy_max_modulus",
    "stacked_map",
    "itrsa_lyapunov",
    "lyapunov_phase_diagram",
    "trajectory_distance",
    "growth_rate",
    "finite_time_curve",
    "analyse_map",
    "kuramoto_sync",
    "oscillator_coherence",
    "akorn_sync_time",
    "akorn_phases",
    "SolverMap",
    "puzzle_set",
    "accuracy_vs_loops",
    "solved_boards",
    "shipped_solvers",
    "solver_map",
    "solver_lyapunov",
    "solver_eigenvalues",
    "solver_exponents",
    "solver_spectrum",
    "solver_variant",
    "solve_one",
    "inference_energy",
    "restart_energies",
    "voting_curve",
    "energy_curves",
    "variant_scan",
    "variant_point",
    "load_variant_cache",
]
