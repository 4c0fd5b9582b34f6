"""Tiny systems (Henon, Lorenz-63): sadyn's default call against what a competent researcher writes by hand.

The competitor is the loop of the ``lyapynov`` package written out in numpy: the analytic Jacobian, the map, and
``np.linalg.qr`` of ``J Q`` at every step, ``lambda_i = mean_t log|R_ii|``. Candidates run interleaved in one
process (a, b, a, b, ...) and each figure is the median over the repeats; JAX, numba and lyapynov are timed too
when installed. Last, the documented Lorenz recipe (:func:`sadyn.systems.lorenz_exponents`): the time of one call
and its reliability, 12 independent ensembles each within 1% of lambda_1 = 0.9056.

Run:  python benchmarks/bench_tiny.py [--threads 1] [--quick]
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable

import numpy as np
from _bench import load, medians, setup

import sadyn as sd
from sadyn.systems import Henon, Lorenz, lorenz_exponents

Array = np.ndarray


def numpy_spectrum(step: Callable[[Array], Array], jac: Callable[[Array], Array], x: Array, steps: int) -> Array:
    """The hand-written loop: ``Q, R = qr(J(x_t) Q)``, ``x_{t+1} = f(x_t)``, exponents = mean log|diag R|."""
    n = x.size
    Q = np.linalg.qr(np.random.default_rng(0).standard_normal((n, n)))[0]
    total = np.zeros(n)
    for _ in range(steps):
        Q, R = np.linalg.qr(jac(x) @ Q)
        x = step(x)
        total += np.log(np.abs(np.diag(R)))
    return total / steps


def henon_numpy(a: float = 1.4, b: float = 0.3) -> tuple[Callable[[Array], Array], Callable[[Array], Array]]:
    def step(x: Array) -> Array:
        return np.array([1 - a * x[0] ** 2 + x[1], b * x[0]])

    def jac(x: Array) -> Array:
        return np.array([[-2 * a * x[0], 1.0], [b, 0.0]])

    return step, jac


def lorenz_numpy(
    sigma: float = 10.0, rho: float = 28.0, beta: float = 8 / 3, h: float = 0.01
) -> tuple[Callable[[Array], Array], Callable[[Array], Array]]:
    """One RK4 step of the Lorenz flow and its Jacobian by the chain rule through the four stages."""

    def field(x: Array) -> Array:
        return np.array([sigma * (x[1] - x[0]), x[0] * (rho - x[2]) - x[1], x[0] * x[1] - beta * x[2]])

    def dfield(x: Array) -> Array:
        return np.array([[-sigma, sigma, 0.0], [rho - x[2], -1.0, -x[0]], [x[1], x[0], -beta]])

    def step(x: Array) -> Array:
        k1 = field(x)
        k2 = field(x + 0.5 * h * k1)
        k3 = field(x + 0.5 * h * k2)
        k4 = field(x + h * k3)
        return x + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)

    def jac(x: Array) -> Array:
        eye = np.eye(3)
        k1, d1 = field(x), dfield(x)
        x2 = x + 0.5 * h * k1
        k2, d2 = field(x2), dfield(x2) @ (eye + 0.5 * h * d1)
        x3 = x + 0.5 * h * k2
        k3, d3 = field(x3), dfield(x3) @ (eye + 0.5 * h * d2)
        d4 = dfield(x + h * k3) @ (eye + h * d3)
        return eye + h / 6 * (d1 + 2 * d2 + 2 * d3 + d4)

    return step, jac


def optional_candidates(system: Henon | Lorenz, x0: Array, steps: int) -> dict[str, Callable[[], object]]:
    """JAX (lax.scan of the system's own kernel), numba (the numpy loop jitted), lyapynov: those installed."""
    out: dict[str, Callable[[], object]] = {}
    step, jac = henon_numpy() if isinstance(system, Henon) else lorenz_numpy()
    try:
        import jax
        import jax.numpy as jnp

        jax.config.update("jax_enable_x64", True)

        def jstep(x):  # the componentwise kernel runs unchanged on jax arrays
            return jnp.stack(system.kernel(tuple(x), system.kernel_params()))

        @jax.jit
        def jax_run(x, Q):
            def body(carry, _):
                x, Q = carry
                Q, R = jnp.linalg.qr(jax.jacfwd(jstep)(x) @ Q)
                return (jstep(x), Q), jnp.log(jnp.abs(jnp.diag(R)))

            return jax.lax.scan(body, (x, Q), None, length=steps)[1].mean(0)

        Q0 = jnp.eye(system.dim)
        out["jax (lax.scan, jit)"] = lambda: jax_run(jnp.asarray(x0), Q0).block_until_ready()
    except ImportError:
        print("jax: skipped: not installed")
    try:
        import numba  # noqa: F401

        print("numba: installed, but the closures above are not njit-able; not timed")
    except ImportError:
        print("numba: skipped: not installed")
    try:
        import lyapynov

        if isinstance(system, Henon):
            ds = lyapynov.DiscreteDS(x0.copy(), 0, lambda x, t: step(x), lambda x, t: jac(x))
        else:  # lyapynov integrates the flow itself (RK4) and takes the field's Jacobian
            L = system
            ds = lyapynov.ContinuousDS(
                x0.copy(),
                0.0,
                lambda x, t: np.array(
                    [L.sigma * (x[1] - x[0]), x[0] * (L.rho - x[2]) - x[1], x[0] * x[1] - L.beta * x[2]]
                ),
                lambda x, t: np.array([[-L.sigma, L.sigma, 0.0], [L.rho - x[2], -1.0, -x[0]], [x[1], x[0], -L.beta]]),
                L.dt,
            )
        out["lyapynov.LCE"] = lambda: lyapynov.LCE(ds, system.dim, 0, steps, False)
    except ImportError:
        print("lyapynov: skipped: not installed")
    return out


def compare(title: str, system: Henon | Lorenz, steps: int, repeats: int) -> None:
    x0 = system.initial_state()
    step, jac = henon_numpy() if isinstance(system, Henon) else lorenz_numpy()
    x0n = x0.numpy()
    fns: dict[str, Callable[[], object]] = {
        "numpy loop (analytic J, np.linalg.qr per step)": lambda: numpy_spectrum(step, jac, x0n, steps),
        "sadyn default: lyapunov_spectrum(system, x0, steps)": lambda: sd.lyapunov_spectrum(system, x0, steps=steps),
    }
    fns.update(optional_candidates(system, x0n, steps))
    t = medians(fns, repeats)
    print(f"\n{title}, {steps} steps, full spectrum (median of {repeats}, load {load()})")
    base = t["numpy loop (analytic J, np.linalg.qr per step)"]
    for name, sec in t.items():
        print(f"  {name:<56s} {sec:8.3f} s  {sec / steps * 1e6:7.2f} us/step  numpy loop / this = {base / sec:5.2f}x")
    ours = sd.lyapunov_spectrum(system, x0, steps=steps).exponents.tolist()
    theirs = numpy_spectrum(step, jac, x0n, steps).tolist()
    print(f"  exponents per step: sadyn {[f'{v:.5f}' for v in ours]}, numpy loop {[f'{v:.5f}' for v in theirs]}")


def lorenz_recipe(ensembles: int) -> None:
    """One call's time, and lambda_1 of ``ensembles`` independent ensembles (seeds 0, 1, ...) against 0.9056."""
    lorenz_exponents(seed=100)  # warm-up
    times, tops = [], []
    for seed in range(ensembles):
        t = time.perf_counter()
        r = lorenz_exponents(seed=seed)
        times.append(time.perf_counter() - t)
        tops.append(float(r[0]))
    ref = Lorenz.reference_exponents[0]
    errs = [100 * (v - ref) / ref for v in tops]
    hits = sum(abs(e) < 1 for e in errs)
    print(
        f"\nLorenz recipe sadyn.systems.lorenz_exponents() (load {load()}): median {statistics.median(times):.2f} s "
        f"per call (min {min(times):.2f}, max {max(times):.2f}); lambda_1 error over {ensembles} seeds: "
        f"mean {statistics.mean(errs):+.2f}%, worst {max(errs, key=abs):+.2f}%, within 1%: {hits}/{ensembles}"
    )


args = setup("tiny systems (float64): the default call against a hand-written numpy loop")
repeats = 1 if args.quick else 3
scale = 10 if args.quick else 1
compare("Henon", Henon(), 100_000 // scale, repeats)
compare("Lorenz-63 (RK4, dt = 0.01)", Lorenz(), 200_000 // scale, repeats)
lorenz_recipe(4 if args.quick else 12)
h = Henon()
r = sd.lyapunov_spectrum(h, h.initial_state(), steps=100_000, transient=1000)
print(
    f"\n# check: Henon 1e5 steps {float(r.exponents[0]):.5f}, {float(r.exponents[1]):.5f} (reference 0.41922, "
    f"-1.62319); sum - ln 0.3 = {float(r.exponents.sum()) - math.log(0.3):.1e}"
)
