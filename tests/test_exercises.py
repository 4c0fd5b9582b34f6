"""Exercise checkers accept the instructors' solutions and explain wrong answers."""

import importlib.util
from pathlib import Path

import torch

from sadyn import teaching as exercises

SOLUTIONS = Path(__file__).resolve().parents[1] / "sadyn" / "teaching" / "solutions"


def load(name: str):
    spec = importlib.util.spec_from_file_location(name, SOLUTIONS / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_solution_01_passes(capsys):
    assert exercises.check_energy(load("solutions_01").energy)
    assert "Correct!" in capsys.readouterr().out


def test_solution_02_passes(capsys):
    assert exercises.check_energy_rate(load("solutions_02").energy_rate)
    assert "Correct!" in capsys.readouterr().out


def test_wrong_energy_rate_gets_a_hint(capsys):
    def velocity_norm(model, X):
        return -model.velocity(X).pow(2).sum((-2, -1))

    assert not exercises.check_energy_rate(velocity_norm)
    assert "Hint" in capsys.readouterr().out


def test_solution_04_passes(capsys):
    assert exercises.check_toy_eigenvalues(load("solutions_04").toy_eigenvalues)
    assert not exercises.check_toy_eigenvalues(lambda eta, w: 1 + 1j * eta * w)
    assert "conjugate pair" in capsys.readouterr().out


def test_solution_03_passes(capsys):
    sol = load("solutions_03").rmsnorm_jacobian
    assert exercises.check_rmsnorm_jacobian(sol)
    assert not exercises.check_rmsnorm_jacobian(lambda y, g: sol(y, g).T)
    assert "transpose" in capsys.readouterr().out


def test_solution_05_passes(capsys):
    sol = load("solutions_05").logistic_exponent
    assert exercises.check_logistic_exponent(sol)
    assert not exercises.check_logistic_exponent(lambda r, x0, steps: sol(r, x0, steps) / 0.6931471805599453)
    assert "log base 2" in capsys.readouterr().out


def test_solution_06_passes(capsys):
    sol = load("solutions_06").order_parameter
    assert exercises.check_order_parameter(sol)
    assert not exercises.check_order_parameter(lambda theta: torch.cos(theta).abs().mean(-1))
    assert "Hint" in capsys.readouterr().out


def test_solution_09_passes(capsys):
    sol = load("solutions_09").two_trajectory
    assert exercises.check_two_trajectory(sol)
    assert not exercises.check_two_trajectory(lambda f, x0, steps: 0.0)
    assert "Hint" in capsys.readouterr().out


def test_wrong_answers_get_hints(capsys):
    def missing_factor(X, A, beta):
        return torch.exp(beta * X @ A @ X.T).sum()

    def not_attempted(X, A, beta):
        raise NotImplementedError

    def wrong_shape(X, A, beta):
        return -torch.exp(beta * X @ A @ X.T)

    assert not exercises.check_energy(missing_factor)
    assert not exercises.check_energy(not_attempted)
    assert not exercises.check_energy(wrong_shape)
    out = capsys.readouterr().out
    assert "not attempted yet" in out and "return one number" in out and "Not yet" in out


def test_solution_07_passes(capsys):
    sol = load("solutions_07").finite_time_max
    assert exercises.check_finite_time_max(sol)
    assert "Correct!" in capsys.readouterr().out
    assert not exercises.check_finite_time_max(lambda f, x0, T: sol(f, x0, T) * T)
    assert "divide by T" in capsys.readouterr().out
    assert not exercises.check_finite_time_max(lambda f, x0, T: sol(f, x0, 1))
    assert "one-step norm" in capsys.readouterr().out


def test_solution_08_passes(capsys):
    sol = load("solutions_08").contribution
    assert exercises.check_contribution_index(sol)
    assert "Correct!" in capsys.readouterr().out

    def bottom(J, x, fraction):
        m = max(1, int(fraction * x.numel()))
        v = torch.linalg.eigh(J + J.T).eigenvectors[:, :m]
        return float(((v.T @ x) ** 2).sum() / (x @ x))

    assert not exercises.check_contribution_index(bottom)
    assert "ascending" in capsys.readouterr().out


def test_unattempted_trained_exercises_say_so(capsys):
    def todo(*args):
        raise NotImplementedError

    assert not exercises.check_finite_time_max(todo)
    assert not exercises.check_contribution_index(todo)
    assert capsys.readouterr().out.count("not attempted yet") == 2
