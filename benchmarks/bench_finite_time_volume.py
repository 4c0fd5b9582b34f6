"""The mean finite-time exponent of an ItrSA map (T = 16, sphere constraint): one LU per step against the spectrum.

Figs. 3 and S.1 report the mean of the finite exponents ``(1/T) ln sigma_i(J_15 ... J_0)``. Timed in the same
process, interleaved repeats, median, float64:

(a) ``sd.finite_time_volume(f, X, constraint="sphere").mean``: one dense Jacobian and one LU per step,
(b) ``sd.finite_time_lyapunov(f, X, constraint="sphere").mean``: the whole spectrum (16 stacked Jacobians, a QR of
    the running product per step, the singular values of the triangular factor),

at S = 16 and 32 tokens of D = 32 (n = 512, 1024). Both give the same number (printed); the ratio is against (b).
Memory is the other gain: (a) holds one n x n Jacobian, (b) all 16 (for a 9x9 solver with D = 128, 14 GiB).

Run:  python benchmarks/bench_finite_time_volume.py [--threads 1] [--quick]
"""

import torch
from _bench import load, medians, report, setup

import sadyn as sd


def run(S: int, repeats: int) -> None:
    """Time (a) and (b) at S tokens of D = 32 and print them with both means."""
    g = torch.Generator().manual_seed(0)
    model = sd.ItrSA(32, 4, dtype=torch.float64, generator=g)
    C = torch.randn(S, 32, generator=g, dtype=torch.float64)
    X = model.norm(torch.randn(S, 32, generator=g, dtype=torch.float64))
    f = model.as_map(C)
    a = sd.finite_time_volume(f, X, constraint="sphere").mean
    b = sd.finite_time_lyapunov(f, X, constraint="sphere").mean
    t = medians(
        {
            "(a) finite_time_volume": lambda: sd.finite_time_volume(f, X, constraint="sphere"),
            "(b) finite_time_lyapunov (whole spectrum)": lambda: sd.finite_time_lyapunov(f, X, constraint="sphere"),
        },
        repeats=repeats,
    )
    n = S * 32
    for label, seconds in t.items():
        base = t["(b) finite_time_lyapunov (whole spectrum)"] if label.startswith("(a)") else None
        report(f"[n={n}] {label}", seconds, baseline=base)
    print(f"[n={n}] mean exponent: (a) {a:.12f}  (b) {b:.12f}  |a - b| = {abs(a - b):.1e}")


args = setup("mean finite-time exponent (T=16) of ItrSA: finite_time_volume vs the whole spectrum")
for S in (16, 32):
    run(S, 2 if args.quick else 5)
print(f"# load average at the end: {load()}")
