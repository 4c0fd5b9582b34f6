"""Top-32 Lyapunov exponents of an ItrSA step at state dimension 2048 (S=64 tokens, D=32): sadyn vs the baseline.

Run:  python benchmarks/bench_itrsa_top32.py [--threads 1]
"""

from functools import partial

import torch
from _bench import baseline_lyapunov, best, report, setup

import sadyn as sd

args = setup("ItrSA (S=64, D=32, H=4, n=2048, float64): top-32 exponents, time per step")
g = torch.Generator().manual_seed(0)
model = sd.ItrSA(32, 4, gamma=2.0, dtype=torch.float64, generator=g)
for p in model.parameters():
    p.requires_grad_(False)
C = torch.randn(64, 32, generator=g, dtype=torch.float64)
X0 = model.norm(torch.randn(64, 32, generator=g, dtype=torch.float64))
f = model.as_map(C)
reps = 2 if args.quick else 3

base = best(lambda: baseline_lyapunov(f, X0, 2, 32), repeats=reps) / 2
report("baseline: autograd.functional.jacobian + QR, per step", base, "step")
steps = 40
tm = sd.TangentMap(f, k=32)
for method in ("jvp", "fd"):
    tmm = sd.TangentMap(f, k=32, method=method)
    t = best(partial(sd.lyapunov_spectrum, tmm, X0, steps=steps), repeats=reps) / steps
    report(f"sadyn lyapunov_spectrum(k=32, method={method!r})", t, "step", base)
ref = baseline_lyapunov(f, X0, 20, 32)
ours = sd.lyapunov_spectrum(f, X0, steps=20, k=32, seed=0).exponents
print(
    f"# check: max |ours - baseline| over 20 steps from the same random start: "
    f"{float((ours[:4] - ref.sort(descending=True).values[:4]).abs().max()):.3f} on the top 4"
)
