"""Logistic maps, 10^4 steps: sadyn's default call against hand-written numpy, for one map and for 1000 at once.

Competitors, in the same process (interleaved repeats, median): for one map the lyapynov-style loop (the analytic
Jacobian r (1 - 2x) and ``np.linalg.qr`` of ``J Q`` per step, here 1 x 1); for the batch the vectorized numpy loop
a competent user writes, ``lambda += log|r (1 - 2x)|`` over an array of 1000 parameters per step. Target: the
batch of 1000 costs at most 3x one system.

Run:  python benchmarks/bench_logistic_batch.py [--threads 1] [--quick]
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from _bench import load, medians, setup

import sadyn as sd
from sadyn.systems import Logistic


def numpy_single(r: float, x: float, steps: int, transient: int) -> float:
    """lyapynov's loop for n = 1: ``Q, R = qr(J Q)`` with the analytic Jacobian, then the map."""
    x_ = np.array([x])
    Q, total = np.eye(1), 0.0
    for t in range(transient + steps):
        Q, R = np.linalg.qr(np.array([[r * (1 - 2 * x_[0])]]) @ Q)
        x_ = r * x_ * (1 - x_)
        if t >= transient:
            total += np.log(np.abs(R[0, 0]))
    return total / steps


def numpy_batch(r: np.ndarray, x: np.ndarray, steps: int, transient: int) -> np.ndarray:
    """All parameters at once: ``lambda = mean_t log|r (1 - 2 x_t)|`` with the map on the whole array."""
    total = np.zeros_like(r)
    with np.errstate(divide="ignore"):
        for t in range(transient + steps):
            if t >= transient:
                total += np.log(np.abs(r * (1 - 2 * x)))
            x = r * x * (1 - x)
    return total / steps


args = setup("logistic map, 10^4 steps (float64): one map and 1000 parameters, sadyn vs numpy")
repeats = 3 if args.quick else 7
steps, transient = 10_000, 100
one = Logistic(4.0)
x1 = torch.tensor([0.3], dtype=torch.float64)
rs = torch.linspace(2.5, 4.0, 1000, dtype=torch.float64)
many = Logistic(rs)
xb = torch.full((1000, 1), 0.3, dtype=torch.float64)
rn, xn = rs.numpy(), np.full(1000, 0.3)
extra: dict[str, Callable[[], object]] = {}
try:
    import lyapynov

    ds = lyapynov.DiscreteDS(np.array([0.3]), 0, lambda x, t: 4.0 * x * (1 - x), lambda x, t: 4.0 * (1 - 2 * x))
    extra["lyapynov single"] = lambda: lyapynov.LCE(ds, 1, transient, steps, False)
except ImportError:
    print("lyapynov: skipped: not installed")
for name in ("jax", "numba"):
    try:
        __import__(name)
        print(f"{name}: installed, not timed here (the numpy loops are the reference)")
    except ImportError:
        print(f"{name}: skipped: not installed")
t = medians(
    {
        **extra,
        "numpy single": lambda: numpy_single(4.0, 0.3, steps, transient),
        "sadyn single": lambda: sd.lyapunov_spectrum(one, x1, steps=steps, transient=transient),
        "numpy batch": lambda: numpy_batch(rn, xn.copy(), steps, transient),
        "sadyn batch": lambda: sd.lyapunov_spectrum(many, xb, steps=steps, transient=transient, batch=True),
    },
    repeats,
)
print(f"median of {repeats} interleaved repeats, load {load()}")
for name, sec in t.items():
    print(f"  {name:<14s} {sec * 1e3:9.2f} ms")
print(f"one system: numpy loop / sadyn = {t['numpy single'] / t['sadyn single']:.2f}x")
print(f"1000 systems: numpy batch loop / sadyn = {t['numpy batch'] / t['sadyn batch']:.2f}x")
print(f"sadyn: cost of the batch / cost of one system = {t['sadyn batch'] / t['sadyn single']:.2f}x (target <= 3x)")
r = sd.lyapunov_spectrum(many, xb, steps=steps, transient=transient, batch=True)
ref = numpy_batch(rn, xn.copy(), steps, transient)
print(
    f"# check: lambda(r=4) = {float(r.exponents[-1, 0]):.5f} (ln 2 = 0.69315); max |sadyn - numpy| over the "
    f"finite ones {np.nanmax(np.abs(np.where(np.isfinite(ref), r.exponents[:, 0].numpy() - ref, 0))):.1e}"
)
