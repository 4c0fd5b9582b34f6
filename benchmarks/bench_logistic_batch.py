"""A batch of 1000 logistic-map parameters in one call against a single system (target: at most 3x).

Run:  python benchmarks/bench_logistic_batch.py [--threads 1]
"""

import torch
from _bench import best_many, report, setup

import sadyn as sd
from sadyn.systems import Logistic

args = setup("logistic map, 10^4 steps (float64): 1000 parameters at once vs one")
reps = 3 if args.quick else 7
steps = 10_000
one = Logistic(4.0)
x1 = torch.tensor([0.3], dtype=torch.float64)
rs = torch.linspace(2.5, 4.0, 1000, dtype=torch.float64)
many = Logistic(rs)
xb = torch.full((1000, 1), 0.3, dtype=torch.float64)
t = best_many(
    {
        "single": lambda: sd.lyapunov_spectrum(one, x1, steps=steps, transient=100),
        "batch": lambda: sd.lyapunov_spectrum(many, xb, steps=steps, transient=100, batch=True),
    },
    repeats=reps,
)
single, batch = t["single"], t["batch"]
report("one system (r = 4)", single)
report("1000 systems in one call (batch=True)", batch)
print(
    f"cost of the batch / cost of one system: {batch / single:.2f}x  (target <= 3x); "
    f"per system: {batch / 1000 * 1e3:.3f} ms vs {single * 1e3:.1f} ms"
)
r = sd.lyapunov_spectrum(many, xb, steps=steps, transient=100, batch=True)
print(f"# check: lambda(r=4) = {float(r.exponents[-1, 0]):.5f} (ln 2 = 0.69315)")
