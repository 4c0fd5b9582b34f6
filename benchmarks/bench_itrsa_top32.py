"""Top-32 Lyapunov exponents of an ItrSA step at state dimension 2048 (S=64 tokens, D=32, H=4, float64).

Times, in the same process with interleaved repeats (median per step):

(a) the default call ``sd.lyapunov_spectrum(f, X0, steps=200, k=32)`` (it picks the closed-form tangent),
(b) what a competent researcher writes by hand: ``torch.func.vmap`` of ``torch.func.jvp`` for J Q, then
    ``torch.linalg.qr`` and the sum of log|diag R| (``_bench.hand_lyapunov``, one thread),
(c) ``method="jvp"`` (torch.func) and ``method="fd"`` (central differences) for reference,
(d) the dense-Jacobian loop of ``_bench.baseline_lyapunov``, only as a teaching comparison at 2 steps.

Ratios are against (b). Also printed: the first call against the second (validation and warm-up), and that (a)
and (b) from the same random start agree on the top-4 exponents.

Run:  python benchmarks/bench_itrsa_top32.py [--threads 1] [--quick]
"""

import statistics
import time
from collections.abc import Callable

import torch
from _bench import baseline_lyapunov, hand_lyapunov, load, medians, report, setup

import sadyn as sd


def first_and_second(fn: Callable[[], object]) -> tuple[float, float]:
    """Seconds of a first call and of the same call repeated."""
    out = []
    for _ in range(2):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out[0], out[1]


args = setup("ItrSA (S=64, D=32, H=4, n=2048, float64): top-32 exponents, time per step")
g = torch.Generator().manual_seed(0)
model = sd.ItrSA(32, 4, gamma=2.0, dtype=torch.float64, generator=g)
C = torch.randn(64, 32, generator=g, dtype=torch.float64)
X0 = model.norm(torch.randn(64, 32, generator=g, dtype=torch.float64))
f = model.as_map(C)
steps = 40 if args.quick else 200
ref_steps = 20 if args.quick else 40  # the slow references run fewer steps (they are timed per step)
reps = 3 if args.quick else 5

first, second = first_and_second(lambda: sd.lyapunov_spectrum(f, X0, steps=2, k=32))
print(
    f"# first call of lyapunov_spectrum(steps=2, k=32): {first * 1e3:.1f} ms, second: {second * 1e3:.1f} ms "
    f"(the difference is one-time warm-up: torch's first kernels, the map's validation is per call)"
)

with torch.no_grad():
    candidates: dict[str, Callable[[], object]] = {
        "(a) default": lambda: sd.lyapunov_spectrum(f, X0, steps=steps, k=32),
        "(b) by hand": lambda: hand_lyapunov(f, X0, ref_steps, 32),
        "(c) jvp": lambda: sd.lyapunov_spectrum(f, X0, steps=ref_steps, k=32, method="jvp"),
        "(c) fd": lambda: sd.lyapunov_spectrum(f, X0, steps=ref_steps, k=32, method="fd"),
    }
    per = {"(a) default": steps, "(b) by hand": ref_steps, "(c) jvp": ref_steps, "(c) fd": ref_steps}
    for fn in candidates.values():  # warm-up
        fn()
    t = {name: s / per[name] for name, s in medians(candidates, reps).items()}
    hand = t["(b) by hand"]
    labels = {
        "(a) default": f"(a) sd.lyapunov_spectrum(f, X0, steps={steps}, k=32) [{sd.lyapunov_spectrum(f, X0, steps=1, k=32).method}]",
        "(b) by hand": "(b) by hand: vmap(jvp) + torch.linalg.qr per step",
        "(c) jvp": '(c) lyapunov_spectrum(..., method="jvp")',
        "(c) fd": '(c) lyapunov_spectrum(..., method="fd")',
    }
    for name, secs in t.items():
        print(f"{labels[name]:<66s} {secs * 1e3:8.2f} ms per step   ({hand / secs:5.2f}x vs by hand)")
    base = (
        statistics.median(
            [first_and_second(lambda: baseline_lyapunov(f, X0, 2, 32))[1] for _ in range(1 if args.quick else 2)]
        )
        / 2
    )
    report("(d) teaching comparison: dense autograd Jacobian + QR (2 steps)", base, "step")
    print(f"#     (d) is {base / hand:.0f}x slower than (b): a dense Jacobian is not what a competent user writes")

    check = 20
    ours = sd.lyapunov_spectrum(f, X0, steps=check, k=32, seed=0).exponents
    theirs = hand_lyapunov(f, X0, check, 32, seed=0)
print(
    f"# check: (a) and (b) over {check} steps from the same start differ by "
    f"{float((ours[:4] - theirs[:4]).abs().max()):.1e} on the top 4 exponents ({ours[:4].tolist()})"
)
print(f"# load average at the end: {load()}")
