"""The live dashboard's analysis of a default ItrSA (S=16, D=32, H=4, n=512): what one slider move computes.

``sd.widgets.dashboard`` (tutorial 09) calls ``sd.experiments.analyse_map`` on every move: the spectral norm and all
512 eigenvalues of the one-step Jacobian, and the top-8 Lyapunov exponents over 200 steps (after 20 settling
steps, sphere constraint). Timed in the same process, interleaved repeats, median:

(a) ``analyse_map(f, X, constraint="sphere")``, the dashboard's default,
(b) what a competent researcher writes by hand: the dense Jacobian by ``torch.func.jacfwd``, its 2-norm and
    eigenvalues by LAPACK (``torch.linalg.matrix_norm(J, 2)``, ``torch.linalg.eigvals``), and the exponents by
    ``vmap(jvp)`` + QR per step (``_bench.hand_lyapunov``),
and the parts of (a) on their own, so that the figure says where the time goes. Ratios are against (b).

Run:  python benchmarks/bench_dashboard.py [--threads 1] [--quick]
"""

from collections.abc import Callable

import torch
from _bench import hand_lyapunov, load, medians, report, setup
from torch.func import jacfwd

import sadyn as sd
from sadyn.experiments import analyse_map


def by_hand(f: Callable, X: torch.Tensor) -> None:
    """(b): the dense Jacobian once, its norm and eigenvalues, then the exponents (sphere directions included)."""
    J = jacfwd(lambda v: f(v.reshape(X.shape)).reshape(-1))(X.reshape(-1))
    torch.linalg.matrix_norm(J, 2)
    torch.linalg.eigvals(J)
    with torch.no_grad():
        for _ in range(20):  # settle, as analyse_map does
            X = f(X)
    hand_lyapunov(f, X, 200, 8)


def run(dtype: torch.dtype, reps: int) -> None:
    """Time (a), (b) and the parts of (a) for one dtype, and print them."""
    g = torch.Generator().manual_seed(0)
    model = sd.ItrSA(32, 4, dtype=dtype, generator=g)
    C = torch.randn(16, 32, generator=g, dtype=dtype)
    X = model.norm(torch.randn(16, 32, generator=g, dtype=dtype))
    f = model.as_map(C)
    name = str(dtype).replace("torch.", "")
    J = sd.jacobian(f, X)
    with torch.no_grad():
        t = medians(
            {
                "(a) analyse_map": lambda: analyse_map(f, X, constraint="sphere"),
                "(b) by hand": lambda: by_hand(f, X),
                "part: jacobian_spectrum (norm + 512 eigenvalues)": lambda: sd.jacobian_spectrum(f, X, tol=1e-6),
                "part: eigvals of the dense J alone (LAPACK)": lambda: torch.linalg.eigvals(J),
                "part: lyapunov_spectrum top-8, 200 steps": lambda: sd.lyapunov_spectrum(
                    f, X, steps=200, k=8, transient=20, constraint="sphere"
                ),
            },
            repeats=reps,
        )
    for label, seconds in t.items():
        report(f"[{name}] {label}", seconds, baseline=t["(b) by hand"] if label.startswith("(a)") else None)
    method = sd.lyapunov_spectrum(f, X, steps=2, k=8, constraint="sphere").method
    print(f"[{name}] the exponents' engine chosen by method='auto': {method!r}")


args = setup("dashboard analysis of a default ItrSA (S=16, D=32, n=512): one slider move")
for dtype in (torch.float64, torch.float32):
    run(dtype, 3 if args.quick else 7)
print(f"# load average at the end: {load()}")
