"""Tiny systems (Henon, Lorenz-63): time per step against the hand-written baseline, and the Lorenz spectrum to 1%.

Run:  python benchmarks/bench_tiny.py [--threads 1]
"""

import math
import time
from functools import partial

from _bench import baseline_lyapunov, best, best_many, report, setup

import sadyn as sd
from sadyn.systems import Henon, Lorenz

args = setup("tiny systems (float64): Lyapunov spectrum, time per step")
reps = 3 if args.quick else 7
for name, sys in (("Henon", Henon()), ("Lorenz-63 (RK4, dt=0.01)", Lorenz())):
    x0 = sys.initial_state()
    nb, n = 200, 5000
    t = best_many(
        {
            "baseline": partial(baseline_lyapunov, sys, x0, nb, sys.dim),
            "autodiff": partial(sd.lyapunov_spectrum, sys, x0, steps=n),
            "jac": partial(sd.lyapunov_spectrum, sys, x0, steps=n, jac=sys.jacobian),
        },
        repeats=reps,
    )
    base = t["baseline"] / nb
    report(f"{name}: baseline, per step", base, "step")
    report(f"{name}: sadyn (dense engine, autodiff Jacobians)", t["autodiff"] / n, "step", base)
    report(f"{name}: sadyn (dense engine, analytic jac=)", t["jac"] / n, "step", base)
    if name.startswith("Lorenz"):
        ens = sys.initial_state(64, spread=2.0)
        t = best(partial(sd.lyapunov_spectrum, sys, ens, steps=1600, transient=400, batch=True), repeats=3)
        report("Lorenz: ensemble of 64, 2000 steps each (per system-step)", t / (64 * 2000), "system-step", base)

L = Lorenz()
t0 = time.perf_counter()
r = sd.lyapunov_spectrum(L, L.initial_state(256, spread=2.0), steps=1600, transient=400, batch=True, dt=L.dt)
elapsed = time.perf_counter() - t0
mean = r.exponents.mean(0)
se = float(r.exponents[:, 0].std() / 256**0.5)
print(
    f"Lorenz spectrum, 256 x 1600 steps (4096 time units): {elapsed:.2f} s -> "
    f"{float(mean[0]):.4f}, {float(mean[1]):.4f}, {float(mean[2]):.3f} (reference 0.9056, 0, -14.5723; "
    f"lambda_1 off by {100 * abs(float(mean[0]) - 0.9056) / 0.9056:.2f}%, standard error {se:.4f}, sum {float(r.exponents.sum(-1).mean()):.4f} "
    f"vs {L.exponent_sum():.4f})"
)
t0 = time.perf_counter()
r = sd.lyapunov_spectrum(L, L.initial_state(), steps=100_000, transient=1000, dt=L.dt)
elapsed = time.perf_counter() - t0
print(
    f"Lorenz, one trajectory of 1e5 RK4 steps: {elapsed:.1f} s -> {r.exponents[0]:.4f}, {r.exponents[1]:.4f}, "
    f"{r.exponents[2]:.3f}"
)
h = Henon()
r = sd.lyapunov_spectrum(h, h.initial_state(), steps=100_000, transient=1000)
print(
    f"Henon, 1e5 steps: {float(r.exponents[0]):.5f}, {float(r.exponents[1]):.5f} (reference 0.41922, -1.62319); "
    f"sum - ln 0.3 = {float(r.exponents.sum()) - math.log(0.3):.1e}"
)
