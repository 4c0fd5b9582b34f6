"""ARPACK calling back into torch: the contribution index of a state with n = 5,184 (Fig. 6's eigen-solve).

``sd.contribution_index`` needs the top 2% eigenvectors of J + J^T (103 of 5,184 here: S = 81 tokens of D = 64, the
size of a D = 64 9x9 solver). Above 2,048 entries it asks scipy's ARPACK (``eigsh``), which calls back for each
product. Timed in the same process, interleaved repeats, median, float64, with torch at 2 intra-op threads (what a
user's notebook on 2 cores gets by default):

(a) ``sd.contribution_index(f, X)``: the products at one torch thread while ARPACK runs (``sadyn/threads.py``),
(b) the same ``eigsh`` with hand-written ``torch.func`` products at 2 threads: the ``vjp`` pullback built once,
    a ``jvp`` and a pullback per call.

Both give the same index (printed). The ratio is against (b). On these machines ARPACK's OpenBLAS threads stay
awake between the callbacks and compete with torch's own, which (a) avoids.

Run:  python benchmarks/bench_arpack_threads.py [--quick]
"""

import numpy as np
import torch
from _bench import load, medians, report, setup
from scipy.sparse.linalg import LinearOperator, eigsh
from torch.func import jvp, vjp

import sadyn as sd


def hand_written(f, X: torch.Tensor, fraction: float = 0.02) -> float:
    """The contribution index with eigsh over torch.func products, at the caller's torch threads."""
    n = X.numel()
    m = max(1, int(fraction * n))

    pull = vjp(f, X)[1]

    def mv(v: np.ndarray) -> np.ndarray:
        V = torch.as_tensor(np.asarray(v).reshape(X.shape), dtype=X.dtype)
        Jv = jvp(f, (X,), (V,))[1]
        JTv = pull(V)[0]
        return (Jv + JTv).detach().reshape(-1).numpy()

    A = LinearOperator((n, n), matvec=mv, dtype=np.float64)
    _, vecs = eigsh(A, k=m, which="LA", v0=np.random.default_rng(0).standard_normal(n))
    a = vecs.T @ X.reshape(-1).numpy()
    return float(a @ a / (X.reshape(-1) @ X.reshape(-1)))


args = setup("contribution index at n = 5,184 (ARPACK eigsh): torch at 1 thread inside ARPACK vs 2")
torch.set_num_threads(2)
print(f"# torch threads set to {torch.get_num_threads()} for both candidates")
g = torch.Generator().manual_seed(0)
model = sd.ItrSA(64, 4, dtype=torch.float64, generator=g)
X = model.norm(torch.randn(81, 64, generator=g, dtype=torch.float64)).detach()
f = model.attention
a, b = sd.contribution_index(f, X), hand_written(f, X)
t = medians(
    {
        "(a) sd.contribution_index": lambda: sd.contribution_index(f, X),
        "(b) eigsh + torch.func at 2 threads": lambda: hand_written(f, X),
    },
    repeats=2 if args.quick else 3,
)
for label, seconds in t.items():
    report(label, seconds, baseline=t["(b) eigsh + torch.func at 2 threads"] if label.startswith("(a)") else None)
print(f"index: (a) {a:.10f}  (b) {b:.10f}  |a - b| = {abs(a - b):.1e}")
print(f"# load average at the end: {load()}")
