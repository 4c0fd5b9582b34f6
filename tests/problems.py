"""Closed-form problems for the analysis engine: maps whose Lyapunov exponents are known exactly.

Each :class:`Problem` carries the map, a starting state, a transient that aligns the tangent basis with the
invariant directions, and ``exact()``: the exponents, descending. For linear maps the local exponents become
exactly ln|mu_i| once the basis is aligned (the alignment error decays like (mu_{i+1}/mu_i)^t), so these
problems allow tolerances near machine precision, unlike chaotic references.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor

from sadyn import OscillatorToy
from sadyn.systems import Kuramoto, Linear, toy_exponents


@dataclass(frozen=True)
class Problem:
    name: str
    f: Callable[[Tensor], Tensor]
    x0: Tensor
    exponents: tuple[float, ...]
    transient: int = 200
    steps: int = 300
    atol: float = 1e-9  # float64
    constraint: str | None = None
    group: int | None = None

    def exact(self, dtype: torch.dtype = torch.float64) -> Tensor:
        return torch.tensor(self.exponents, dtype=dtype)

    def state(self, dtype: torch.dtype = torch.float64) -> Tensor:
        return self.x0.to(dtype)


def _linear(name: str, A: list[list[float]], **kw) -> Problem:
    A = torch.tensor(A, dtype=torch.float64)
    lin = Linear(A)
    exact = tuple(lin.exact_exponents().tolist())
    return Problem(name, lin, torch.linspace(0.3, 1.0, A.shape[0], dtype=torch.float64), exact, **kw)


def diagonal() -> Problem:
    """diag(1.1, 0.8, 0.5): ln 1.1, ln 0.8, ln 0.5 (ChaosTools' trivial rule, one more axis)."""
    return _linear("diagonal", [[1.1, 0, 0], [0, 0.8, 0], [0, 0, 0.5]])


def rotation(scale: float = 1.0, angle: float = 0.7) -> Problem:
    """scale * R(angle): both exponents ln(scale) (0 for a pure rotation), at every step exactly."""
    c, s = math.cos(angle), math.sin(angle)
    return _linear(f"rotation x{scale:g}", [[scale * c, -scale * s], [scale * s, scale * c]], transient=0)


def non_normal() -> Problem:
    """Upper triangular with large off-diagonal terms: ||A||_2 = 6 >> rho(A) = 1.2, exponents ln|diag|."""
    return _linear("non-normal", [[1.2, 5.0, 0.0], [0.0, 0.9, 3.0], [0.0, 0.0, 0.5]], transient=400)


def contraction() -> Problem:
    """A contraction: a conformal complex pair 0.64 e^{+-0.6i} coupled to 0.3; exponents ln 0.64 (twice), ln 0.3."""
    c, s = 0.64 * math.cos(0.6), 0.64 * math.sin(0.6)
    return _linear("contraction", [[c, -s, 0.2], [s, c, 0.1], [0.0, 0.0, 0.3]], transient=300)


def oscillator_toy(tokens: int = 2, dim: int = 6) -> Problem:
    """The normalized oscillator toy of eqs. (17)-(20) with distinct frequencies, per token on the sphere.

    Exponents ln(rho_p / rho_max), twice per pair, minus one radial direction per token (``toy_exponents``).
    The state approaches the dominant plane like (rho_2/rho_1)^t, so the transient is long and the tolerance
    is set by that approach (rho_2/rho_1 = 0.985 per step here).
    """
    model = OscillatorToy(dim, eta=0.5, omega=[1.0, 0.5, 0.2], dtype=torch.float64)
    x0 = torch.randn(tokens, dim, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    exact = tuple(toy_exponents(model, tokens).tolist())
    return Problem(
        "oscillator toy", model.as_map(), x0, exact, transient=2500, steps=500, atol=1e-6, constraint="sphere"
    )


def kuramoto_sync(n: int = 6, K: float = 2.0) -> Problem:
    """Identical Kuramoto oscillators at their synchronized state: 0 and ln R(-K dt)/dt (N - 1 times), per unit time."""
    sys = Kuramoto(torch.full((n,), 0.3), K=K, dt=0.05)
    exact = tuple((sys.sync_exponents() * sys.dt).tolist())  # per step
    # the common-phase direction separates from the others at rate K dt = 0.1 per step: 200 steps align it (e^-20)
    return Problem(
        "kuramoto sync", sys, torch.full((n,), 0.4, dtype=torch.float64), exact, transient=200, steps=50, atol=1e-10
    )


def closed_form() -> list[Problem]:
    return [diagonal(), rotation(), rotation(0.9), non_normal(), contraction(), kuramoto_sync()]


# The smallest real training run (4x4 boards, D = 8): each test file adds its epochs, batches and sizes.
TINY_TRAINING = dict(
    model={"dim": 8, "heads": 2, "size": 4},
    dataset="sudoku4-id",
    ood_dataset="sudoku4-ood",
    steps=2,
    batch_size=32,
    lr=3e-3,
)


def tiny_sweep_spec(tables: str, **base: object) -> str:
    """A sweep spec (TOML) whose ``[base]`` is :data:`TINY_TRAINING` updated by ``base``, followed by ``tables``
    (``[grid]``, ``[sweep]``, ...)."""
    fields = {k: v for k, v in TINY_TRAINING.items() if k != "model"} | base

    def toml(v: object) -> str:  # the scalars TrainConfig takes: strings, booleans, numbers
        if isinstance(v, bool):
            return "true" if v else "false"
        return f'"{v}"' if isinstance(v, str) else repr(v)

    lines = ["[base]", *(f"{k} = {toml(v)}" for k, v in fields.items()), "[base.model]"]
    lines += [f"{k} = {toml(v)}" for k, v in TINY_TRAINING["model"].items()]  # type: ignore[attr-defined]
    return "\n" + "\n".join(lines) + "\n" + tables.strip() + "\n"


def recording_train(calls: list) -> Callable:
    """A stand-in for ``sadyn.train`` that trains nothing: it records ``(folder name, init_from, epochs,
    max_batches)`` in ``calls`` and leaves an empty ``best.pt`` (for tests of ``--full``'s retrain chain)."""
    from pathlib import Path

    def train(config, out_dir, **kw):
        out_dir = Path(out_dir)
        calls.append((out_dir.name, config.init_from, config.epochs, kw.get("max_batches")))
        out_dir.mkdir(parents=True)
        (out_dir / "best.pt").write_bytes(b"")

        class Done:
            best, last = out_dir / "best.pt", out_dir / "last.pt"

        return Done()

    return train
