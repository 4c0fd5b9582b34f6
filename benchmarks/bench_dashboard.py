"""One full dashboard analysis of a default ItrSA (S=16, D=32, H=4): spectral norm, all eigenvalues, top-8
exponents over 200 steps. Target: well under 0.25 s, so that a slider feels live.

Run:  python benchmarks/bench_dashboard.py [--threads 1]
"""

from functools import partial

import torch
from _bench import baseline_lyapunov, best, report, setup

import sadyn as sd


def baseline(f, X: torch.Tensor) -> None:
    """The dense way: the full Jacobian, its SVD norm and eigenvalues, then 200 steps of (J + QR)."""
    J = torch.autograd.functional.jacobian(lambda v: f(v.reshape(16, 32)).reshape(-1), X.reshape(-1), vectorize=True)
    torch.linalg.matrix_norm(J, 2)
    torch.linalg.eigvals(J)
    baseline_lyapunov(f, X, 200, 8)


args = setup("dashboard analysis of a default ItrSA (S=16, D=32, n=512)")
reps = 3 if args.quick else 5
for dtype in (torch.float64, torch.float32):
    g = torch.Generator().manual_seed(0)
    model = sd.ItrSA(32, 4, dtype=dtype, generator=g)
    for p in model.parameters():
        p.requires_grad_(False)
    C = torch.randn(16, 32, generator=g, dtype=dtype)
    X = model.norm(torch.randn(16, 32, generator=g, dtype=dtype))
    f = model.as_map(C)
    name = str(dtype).replace("torch.", "")
    t_sn = best(partial(sd.spectral_norm, f, X), repeats=reps)
    t_eig = best(partial(sd.eigenvalues, f, X), repeats=reps)
    parts = {}
    for method in ("jvp", "fd"):
        tm = sd.TangentMap(f, k=8, method=method, constraint="sphere")
        parts[method] = best(partial(sd.lyapunov_spectrum, tm, X, steps=200), repeats=reps)
    report(f"[{name}] spectral_norm (Lanczos)", t_sn)
    report(f"[{name}] eigenvalues (all 512, dense)", t_eig)
    for method, t in parts.items():
        report(f"[{name}] lyapunov_spectrum top-8, 200 steps, method={method!r}", t)
    for method, t in parts.items():
        report(f"[{name}] TOTAL with method={method!r}", t_sn + t_eig + t)

    t_base = best(partial(baseline, f, X), repeats=2)
    report(f"[{name}] baseline (dense J, SVD, eigvals, 200 x (J + QR))", t_base)
    print(
        f"[{name}] ratio baseline / sadyn: {t_base / (t_sn + t_eig + parts['jvp']):.1f}x (jvp), "
        f"{t_base / (t_sn + t_eig + parts['fd']):.1f}x (fd)"
    )
