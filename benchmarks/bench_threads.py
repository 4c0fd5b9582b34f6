"""Thread count: the same small workloads with 1 and 2 torch threads (run it on an idle and on a busy machine).

Run:  python benchmarks/bench_threads.py
"""

import os

import torch
from _bench import best, load, report

import sadyn as sd

print(f"# torch {torch.__version__}, {os.cpu_count()} cores, load average {load()}")
g = torch.Generator().manual_seed(0)
model = sd.ItrSA(32, 4, dtype=torch.float64, generator=g)
for p in model.parameters():
    p.requires_grad_(False)
C = torch.randn(16, 32, generator=g, dtype=torch.float64)
X = model.norm(torch.randn(16, 32, generator=g, dtype=torch.float64))
f = model.as_map(C)
J = sd.jacobian(f, X)
for threads in (1, 2, 1, 2):
    torch.set_num_threads(threads)
    with torch.no_grad():
        report(f"threads={threads}: ItrSA forward step (S=16, D=32)", best(lambda: f(X), repeats=5, number=200))
    report(
        f"threads={threads}: lyapunov_spectrum top-8, 200 steps (fd)",
        best(lambda: sd.lyapunov_spectrum(f, X, steps=200, k=8, method="fd"), repeats=3),
    )
    report(f"threads={threads}: eigvals of the 512 x 512 Jacobian", best(lambda: torch.linalg.eigvals(J), repeats=3))
    print(f"   (load average now {load()})")
