"""Shared timing helpers: one thread by default, the minimum over repeats, the machine's load printed with it.

The benchmark machine is a shared 2-core box: other jobs can slow any single run by 2x or more, so every figure
is the minimum of several repeats (the run least disturbed by foreign load) and each script prints the load
average it ran under. Ratios are always taken against a baseline measured in the same process.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from collections.abc import Callable

import torch


def setup(description: str) -> argparse.Namespace:
    """Parse ``--threads`` (default 1) and ``--quick``; set torch's thread count; print the header."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads (default 1)")
    parser.add_argument("--quick", action="store_true", help="fewer repeats (a smoke run)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"# {description}")
    print(
        f"# torch {torch.__version__}, {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"torch threads {torch.get_num_threads()}, load average {load()}"
    )
    return args


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def best(fn: Callable[[], object], repeats: int = 5, number: int = 1) -> float:
    """Minimum over ``repeats`` of the mean time (s) of ``number`` calls; one warm-up call first."""
    fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - t) / number)
    return min(times)


def medians(fns: dict[str, Callable[[], object]], repeats: int = 5) -> dict[str, float]:
    """Median time (s) of each candidate over ``repeats`` interleaved rounds (a, b, c, a, b, c, ...), after one
    warm-up call each: the comparison the issue's targets are stated in (a burst of load hits all alike)."""
    for fn in fns.values():
        fn()
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            t = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t)
    return {name: statistics.median(ts) for name, ts in times.items()}


def report(name: str, seconds: float, per: str = "", baseline: float | None = None) -> None:
    ratio = f"   ({baseline / seconds:6.1f}x faster than the baseline)" if baseline is not None else ""
    unit = f" per {per}" if per else ""
    if seconds < 1e-3:
        print(f"{name:<58s} {seconds * 1e6:9.1f} us{unit}{ratio}")
    else:
        print(f"{name:<58s} {seconds * 1e3:9.2f} ms{unit}{ratio}")


def baseline_lyapunov(f: Callable, x: torch.Tensor, steps: int, k: int) -> torch.Tensor:
    """What a researcher writes by hand: dense Jacobian (torch.autograd.functional.jacobian, vectorized) and QR
    at every step, in a Python loop. Returns the exponents so the scripts can check both agree."""
    n = x.numel()
    flat = lambda v: f(v.reshape(x.shape)).reshape(-1)  # noqa: E731
    v = x.reshape(-1).clone()
    Q = torch.linalg.qr(torch.randn(n, k, dtype=x.dtype, generator=torch.Generator().manual_seed(0)))[0]
    total = torch.zeros(k, dtype=x.dtype)
    for _ in range(steps):
        J = torch.autograd.functional.jacobian(flat, v, vectorize=True)
        Q, R = torch.linalg.qr(J @ Q)
        total += torch.log(torch.diagonal(R).abs())
        with torch.no_grad():
            v = flat(v)
    return total / steps


def hand_lyapunov(f: Callable, x: torch.Tensor, steps: int, k: int, seed: int = 0) -> torch.Tensor:
    """What a competent researcher writes with torch.func: J Q by vmap(jvp) over the k tangents, QR, and the mean
    of log|diag R| over the steps (descending). The competitor of the attention benchmarks."""
    from torch.func import jvp, vmap

    Q = torch.linalg.qr(torch.randn(x.numel(), k, dtype=x.dtype, generator=torch.Generator().manual_seed(seed)))[0]
    total = torch.zeros(k, dtype=x.dtype)
    for _ in range(steps):
        push = vmap(lambda v, x=x: jvp(f, (x,), (v,)), out_dims=(None, 0))
        x, JQ = push(Q.T.reshape(k, *x.shape))
        Q, R = torch.linalg.qr(JQ.reshape(k, -1).T)
        total += R.diagonal().abs().log()
    return (total / steps).sort(descending=True).values
