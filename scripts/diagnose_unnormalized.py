"""The unnormalized 9x9 ItrSA at initialization: state growth per loop, loss and gradient norm (vs RMSNorm).

    python scripts/diagnose_unnormalized.py

Measured (D=128, 8 heads, 50 ID puzzles, seed 0): without normalization the token norm grows about 2x per loop
(16.6 -> 4.7e5 after 16 loops), the loss is ~1e5 and the gradient norm ~4e11; with RMSNorm the norm stays at
sqrt(D) = 11.3, the loss is 3.8 and the gradient norm 15.
"""

import torch
import torch.nn.functional as F

from sadyn.models import SudokuSolver
from sadyn.sudoku import load_dataset

torch.set_num_threads(1)
ds = load_dataset("sudoku9-id", "test", show_progress=False)
d = torch.as_tensor(ds.tokens()[0][:50])
y = torch.as_tensor(ds.targets()[:50])
for norm in (None, "rms"):
    m = SudokuSolver(128, 8, size=9, norm=norm, seed=0)
    C = m.inputs(d)
    X = m.initial_state(d, C, torch.Generator().manual_seed(0))
    norms = [float(X.detach().norm(dim=-1).mean())]
    with torch.no_grad():
        for t in range(16):
            X = m.block._step(X, C)
            norms.append(float(X.norm(dim=-1).mean()))
    ratio = (norms[16] / norms[8]) ** (1 / 8)
    logits = m(d, steps=16, generator=torch.Generator().manual_seed(0))
    loss = F.cross_entropy(logits.flatten(0, 1), y.flatten())
    loss.backward()
    g = torch.sqrt(sum(p.grad.pow(2).sum() for p in m.parameters() if p.grad is not None))
    print(
        f"norm={norm}: token norm t=0 {norms[0]:.1f}, t=8 {norms[8]:.1f}, t=16 {norms[16]:.1f}, growth per loop (t=8..16) {ratio:.3f}, loss {float(loss):.1f}, grad norm {float(g):.3g}"
    )
