"""SudokuSolver: a looped self-attention model that fills Sudoku boards (paper Sec. 6, after AKOrN).

One cell is one token. With digits d_i (0 = blank) and the cell's row r_i, column c_i and box b_i,

    C_i  = E_digit[d_i] + E_row[r_i] + E_col[c_i] + E_box[b_i]          (the input, injected at every loop)
    X_0i = C_i if cell i is given, else Gaussian noise                     (AKOrN's initial state)
    X_{t+1} = F(X_t, C),   t = 0 .. T-1                                    (ItrSA, AKOrN or EnergySA)
    logits_i = Readout(X_T,i)                                              (AKOrN's amplitude readout)

Positions enter only through C, so the recurrent map F is exactly the paper's (eq. (7)-(9)); learned row,
column and box embeddings learn far faster than one embedding per cell (``positions="cells"``) at CPU scale.

Scale convention. The library's RMSNorm is the paper's (tokens of norm gamma, ``sadyn.norms``). Tokens of unit
norm next to an input of norm ~sqrt(D) stall learning, so the solver initializes ``gamma = sqrt(D)`` (torch's
RMSNorm convention) and draws its embeddings with entries of the state's RMS size: 1 for RMSNorm/no norm,
1/sqrt(N) for oscillators of size N on unit spheres (AKOrN), 1/sqrt(D) for unit tokens (EnergySA).

Readout (AKOrN's, phase-invariant): z_k = ||W_k x|| + b_k with W_k an N x D block (k = 1..R), then
z <- z + FF(z), then ReLU and a linear map to ``size`` logits. Amplitudes ignore the rotation Omega keeps
applying to the phases, so the readout stays valid past the training T.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from ..dynamics import SUDOKU_DYNAMICS
from ..parametrize import orthogonal_values as make_values_orthogonal
from ..rotary import grid_rotary
from ..sudoku import board_tokens, cell_units
from .config import POSITIONS, ModelConfig, Norm, Positions, count, dynamics_names

__all__ = ["SudokuSolver", "Snapshot", "AmplitudeReadout", "ModelConfig", "DYNAMICS", "POSITIONS"]

DYNAMICS = dynamics_names()  # the built-in ones at import; the registry is sadyn.dynamics.SUDOKU_DYNAMICS


class AmplitudeReadout(nn.Module):
    """logits = Linear(ReLU(z + FF(z))), z_k = ||W_k x|| + b_k: AKOrN's phase-invariant readout."""

    def __init__(self, dim: int, classes: int, *, oscillator_dim: int, features: int) -> None:
        super().__init__()
        self.oscillator_dim, self.features = oscillator_dim, features
        self.proj = nn.Linear(dim, features * oscillator_dim, bias=False)
        self.bias = nn.Parameter(torch.zeros(features))
        self.ff = nn.Sequential(nn.Linear(features, features), nn.ReLU(), nn.Linear(features, features))
        self.out = nn.Linear(features, classes)

    def amplitudes(self, X: Tensor) -> Tensor:
        """z = (||W_k x|| + b_k)_k, shape ``(..., S, features)``."""
        y = self.proj(X).unflatten(-1, (self.features, self.oscillator_dim))
        return torch.linalg.vector_norm(y, dim=-1) + self.bias

    def forward(self, X: Tensor) -> Tensor:
        z = self.amplitudes(X)
        return self.out(torch.relu(z + self.ff(z)))


@dataclass(frozen=True)
class Snapshot:
    """One state of :meth:`SudokuSolver.iterate`: ``X`` after ``steps`` loops of restart ``restart``, for the
    puzzles ``rows`` (a slice of the puzzles given), with their token digits and input ``C``."""

    steps: int
    restart: int
    rows: slice
    digits: Tensor
    C: Tensor
    X: Tensor
    model: SudokuSolver

    @property
    def finite(self) -> Tensor:
        """(B,) bool: the state is finite (a diverged run is reported here, not raised)."""
        return torch.isfinite(self.X).all(-1).all(-1)

    def energy(self) -> Tensor:
        """(B,) pseudo-energy -Tr(X^T (C + MSA(X))) (Sec. 6.3), +inf where the run diverged."""
        e = self.model.energy(self.X, self.C)
        return torch.where(self.finite & torch.isfinite(e), e, torch.full_like(e, math.inf))

    def confidence(self) -> Tensor:
        """(B,) log-probability of the predicted board under the readout, sum over blank cells of
        ``log max_d softmax(readout(X))_d`` (<= 0; 0 = certain): confidence voting's score; -inf where the run
        diverged."""
        logp = torch.log_softmax(self.model.readout(torch.nan_to_num(self.X)), -1).amax(-1)
        c = torch.where(self.digits > 0, torch.zeros_like(logp), logp).sum(-1)
        return torch.where(self.finite & torch.isfinite(c), c, torch.full_like(c, -math.inf))

    def prediction(self, *, keep_givens: bool = True) -> Tensor:
        """(B, S) digits 1..size read out from X (given digits copied in unless ``keep_givens=False``)."""
        pred = self.model.readout(torch.nan_to_num(self.X)).argmax(-1) + 1
        return torch.where(self.digits > 0, self.digits, pred) if keep_givens else pred


class SudokuSolver(nn.Module):
    """Embedding + T loops of a looped self-attention block + amplitude readout, for ``size x size`` Sudoku.

    ``SudokuSolver(dim, heads, **options)`` or ``SudokuSolver(config)`` with a :class:`ModelConfig`, the one
    source of every default and allowed value (``help(sadyn.solver.ModelConfig)``; ``sadyn train --help``).

    Arguments:
        dim: D, token dimension.
        heads: H, attention heads (must be 1 for ``dynamics="energy"``).

    Other arguments:
        size: board side (4 or 9; 16 works).
        dynamics: a name in :data:`sadyn.dynamics.SUDOKU_DYNAMICS`: "itrsa" (eq. (9)), "akorn" (eqs. (7)-(8)) or
            "energy" (symmetric single-head energy-based SA, eq. (4), with A = V kept symmetric by a
            parametrization; Euler step ``dt`` on the sphere).
        norm: for "itrsa": "rms" (default), "sphere", "layer" or None (unnormalized, the paper's unstable model);
            for "akorn": "sphere" (default, Pi^osc) or "rms" (oscillator-wise RMSNorm). "sphere" for "energy".
        oscillator_dim: N, oscillator size of AKOrN and of the readout's amplitudes (default 4).
        group: for "itrsa", normalize chunks of ``group`` channels instead of whole tokens.
        gamma: initial RMS gain; default sqrt(D) for token-wise ItrSA, 1 for oscillators (see module docstring).
        positions: "units" (row + column + box embeddings, default), "cells" (one per cell), "none", or "rotary"
            (no position in C; queries and keys turned by a 2-D rotary encoding of the cell's row and column,
            :mod:`sadyn.rotary`, as AKOrN's reference model puts positions inside the attention).
        omega: AKOrN's initial natural frequency. eta: initial step size. dt: EnergySA's Euler step.
        orthogonal_values: keep the concatenated W^V and W^O orthogonal (the E-multi parametrization).
        readout_features: R, number of amplitudes (default D).
        seed: seed of the initial weights.
    """

    units: Tensor  # (size^2, 3): row, column and box of every cell (a non-persistent buffer)

    def __init__(
        self,
        dim: int | ModelConfig = ModelConfig.dim,
        heads: int = ModelConfig.heads,
        *,
        size: int = ModelConfig.size,
        dynamics: str = ModelConfig.dynamics,
        norm: Norm | None = ModelConfig.norm,
        oscillator_dim: int = ModelConfig.oscillator_dim,
        group: int | None = ModelConfig.group,
        gamma: float | None = ModelConfig.gamma,
        positions: Positions = ModelConfig.positions,
        omega: float = ModelConfig.omega,
        eta: float = ModelConfig.eta,
        dt: float = ModelConfig.dt,
        orthogonal_values: bool = ModelConfig.orthogonal_values,
        readout_features: int | None = ModelConfig.readout_features,
        seed: int = ModelConfig.seed,
    ) -> None:
        super().__init__()
        if isinstance(dim, ModelConfig):
            config = dim
        else:
            options = dict(locals())
            config = ModelConfig(**{name: options[name] for name in ModelConfig._names()})
        c = config.resolved()
        self.model_config = c
        units = cell_units(c.size)
        self.dim, self.heads, self.size, self.dynamics = c.dim, c.heads, c.size, c.dynamics
        g = torch.Generator().manual_seed(c.seed)
        entry = SUDOKU_DYNAMICS[c.dynamics]
        block: Any = entry.build(c, g)  # a LoopedModel taking (X, C), with .attention
        self.block = block
        self._project = entry.project
        if c.orthogonal_values:
            make_values_orthogonal(block.attention)
        if c.positions == "rotary":  # positions inside the attention (sadyn.rotary), none in C
            block.attention.set_rotary(*grid_rotary(c.size, c.size, c.dim // c.heads))
        self.state_rms = state_rms = float(entry.state_rms(c))

        def table(rows: int) -> nn.Embedding:
            emb = nn.Embedding(rows, c.dim)
            with torch.no_grad():
                emb.weight.copy_(torch.randn(rows, c.dim, generator=g) * state_rms)
            return emb

        self.digit_embedding = table(self.size + 1)
        self.register_buffer("units", torch.as_tensor(units), persistent=False)
        if c.positions == "units":
            self.position_embedding: nn.ModuleList = nn.ModuleList([table(self.size) for _ in range(3)])
        elif c.positions == "cells":
            self.position_embedding = nn.ModuleList([table(self.size**2)])
        else:
            self.position_embedding = nn.ModuleList()
        features = c.readout_features or c.dim
        self.readout = AmplitudeReadout(c.dim, self.size, oscillator_dim=c.oscillator_dim, features=features)
        with torch.no_grad():  # readout from the same seed (weights N(0, 1/fan_in), biases 0): reproducible models
            for p in self.readout.parameters():
                p.copy_(
                    torch.randn(p.shape, generator=g) / math.sqrt(p.shape[1]) if p.ndim == 2 else torch.zeros_like(p)
                )

    # ------------------------------------------------------------------ configuration
    def config(self) -> dict[str, Any]:
        """The constructor arguments, as plain JSON-able values: ``SudokuSolver(**model.config())`` rebuilds it."""
        return self.model_config.to_dict()

    @classmethod
    def from_config(cls, config: ModelConfig | dict[str, Any]) -> SudokuSolver:
        """Build a model from a :class:`ModelConfig` or :meth:`config`'s dict (unknown keys raise ``ValueError``)."""
        return cls(ModelConfig.from_dict(config))

    @property
    def energy_kind(self) -> str | None:
        """Always ``"pseudo"``: -Tr(X^T (C + MSA(X))) (Sec. 6.3) is the score for every dynamics, since C is present.

        EnergySA's Lyapunov energy holds only without input (see :class:`~sadyn.dynamics.EnergySA`)."""
        return "pseudo"

    # ------------------------------------------------------------------ the pieces
    def tokens(self, puzzles: object) -> Tensor:
        """Puzzles (boards ``(n, size, size)``, one board, or rows of ``size*size`` digits 0..size, numpy or torch)
        -> int64 token digits ``(n, size*size)`` on the model's device (0 = blank); what :meth:`forward` takes."""
        device = self.digit_embedding.weight.device
        if isinstance(puzzles, Tensor):
            puzzles = puzzles.detach().cpu().numpy()
        arr = np.asarray(puzzles)
        S = self.size * self.size
        if arr.ndim in (1, 2) and arr.shape[-1] == S and arr.shape != (self.size, self.size):  # token rows
            arr = arr.reshape(-1, self.size, self.size)
        if arr.shape[-2:] != (self.size, self.size):
            raise ValueError(
                f"`puzzles` must be boards of shape (n, {self.size}, {self.size}) or rows of {S} digits for this "
                f"model (size={self.size}), got shape {arr.shape}."
            )
        digits, _ = board_tokens(arr)
        return torch.as_tensor(digits.reshape(-1, S), device=device)

    def inputs(self, digits: Tensor) -> Tensor:
        """C = E_digit[d] + position embeddings, shape (B, S, D)."""
        C = self.digit_embedding(digits)
        if self.model_config.positions == "units":
            for k, emb in enumerate(self.position_embedding):
                C = C + emb(self.units[:, k])
        elif self.model_config.positions == "cells":
            C = C + self.position_embedding[0].weight
        return C

    def initial_state(self, digits: Tensor, C: Tensor, generator: torch.Generator | None = None) -> Tensor:
        """X_0: given cells at C, blanks at N(0, state_rms^2) noise, then put on the model's manifold."""
        noise = torch.randn(C.shape, generator=generator, dtype=C.dtype, device="cpu").to(C.device) * self.state_rms
        X0 = torch.where((digits > 0)[..., None], C, noise)
        return self._project(self.block, X0)

    def run(self, digits: Tensor, *, steps: int, generator: torch.Generator | None = None) -> tuple[Tensor, Tensor]:
        """The final state X_T and the input C for token digits (B, S); differentiable."""
        C = self.inputs(digits)
        X = self.initial_state(digits, C, generator)
        f = self.block.as_map(C)  # C checked once here; the loop itself runs unchecked
        for _ in range(count(steps, "steps", minimum=0)):
            X = f(X)
        return X, C

    def forward(self, digits: Tensor, *, steps: int = 16, generator: torch.Generator | None = None) -> Tensor:
        """Logits (B, S, size) after ``steps`` loops from token digits (B, S) (int, 0 = blank)."""
        X, _ = self.run(digits, steps=steps, generator=generator)
        return self.readout(X)

    def energy(self, X: Tensor, C: Tensor) -> Tensor:
        """Pseudo-energy -Tr(X^T (C + MSA(X))) per board (Sec. 6.3), shape X.shape[:-2]: AKOrN's voting score."""
        return -(X * (C + self.block.attention(X))).sum((-2, -1))

    # ------------------------------------------------------------------ solving
    def solve(
        self,
        puzzles: object,
        *,
        steps: int = 16,
        restarts: int = 1,
        seed: int = 0,
        batch_size: int = 256,
        keep_givens: bool = True,
        vote: str = "energy",
    ) -> np.ndarray:
        """Fill boards: int8 array (n, size, size) of digits 1..size.

        With ``restarts=K > 1`` every puzzle is run from K noise draws and one run is kept: with
        ``vote="energy"`` the one with the lowest final pseudo-energy (AKOrN's energy voting; the score is
        -Tr(X^T (C + MSA(X))), not a Lyapunov function), with ``vote="confidence"`` the one whose board the readout
        is most sure of (:meth:`Snapshot.confidence`, the sum of the blank cells' log max-probabilities).
        ``keep_givens`` copies the given digits into the answer (the readout's guesses there are discarded).
        Divergence is reported, not raised: a diverged run (non-finite state) ranks last, so voting never picks
        it while another restart is finite (a finite state whose energy overflows ranks after every finite energy);
        if every restart diverged, restart 0's readout of the NaN-cleaned state is returned.
        """
        T = count(steps, "steps", minimum=0)
        return self.solve_at(
            puzzles,
            steps=(T,),
            restarts=restarts,
            seed=seed,
            batch_size=batch_size,
            keep_givens=keep_givens,
            vote=vote,
        )[T]

    @torch.no_grad()
    def iterate(
        self,
        puzzles: object,
        *,
        steps: int | Sequence[int] = (16, 32, 64),
        restarts: int = 1,
        seed: int = 0,
        batch_size: int = 256,
    ) -> Iterator[Snapshot]:
        """Run the puzzles and yield a :class:`Snapshot` at every loop count in ``steps`` (one rollout serves all).

        Order: puzzles in batches of ``batch_size``; within a batch, restart k = 0..restarts-1, each from fresh
        noise (the k-th draw of ``torch.Generator().manual_seed(seed)`` for that batch); within a restart, the
        loop counts in increasing order. Diverging runs are yielded like any other (``Snapshot.finite``).
        The model is put in eval mode for the run and restored afterwards.
        """
        K = count(restarts, "restarts")
        Ts = sorted({count(t, "steps", minimum=0) for t in ((steps,) if isinstance(steps, int) else steps)})
        if not Ts:
            raise ValueError("`steps` must name at least one loop count, e.g. steps=(16, 32).")
        size = count(batch_size, "batch_size")
        digits_all = self.tokens(puzzles)
        g = torch.Generator().manual_seed(int(seed))
        was_training = self.training
        self.eval()
        try:
            for start in range(0, len(digits_all), size):
                rows = slice(start, min(start + size, len(digits_all)))
                digits = digits_all[rows]
                for k in range(K):
                    C = self.inputs(digits)
                    X, t, f = self.initial_state(digits, C, g), 0, self.block.as_map(C)
                    for T in Ts:
                        for _ in range(T - t):
                            X = f(X)
                        t = T
                        yield Snapshot(T, k, rows, digits, C, X, self)
        finally:
            self.train(was_training)

    def solve_at(
        self,
        puzzles: object,
        *,
        steps: Sequence[int] = (16, 32, 64, 128),
        restarts: int = 1,
        seed: int = 0,
        batch_size: int = 256,
        keep_givens: bool = True,
        vote: str = "energy",
    ) -> dict[int, np.ndarray]:
        """:meth:`solve` at several T from one rollout per restart: ``{T: boards}`` (same answers as ``solve``)."""
        K = count(restarts, "restarts")
        if vote not in VOTES:
            raise ValueError(
                f"`vote` must be one of {VOTES}, got vote={vote!r}: 'energy' keeps the restart with the lowest "
                f"pseudo-energy (AKOrN), 'confidence' the one the readout is most sure of."
            )
        Ts = [count(T, "steps", minimum=0) for T in ((steps,) if isinstance(steps, (int, np.integer)) else steps)]
        n = len(self.tokens(puzzles))
        S = self.size * self.size
        best = {T: torch.zeros((n, S), dtype=torch.long) for T in Ts}
        best_e = {T: torch.full((n,), math.inf) for T in best}
        for snap in self.iterate(puzzles, steps=tuple(best), restarts=K, seed=seed, batch_size=batch_size):
            e = _vote_score(snap, vote) if K > 1 else torch.where(snap.finite, 0.0, math.inf).cpu()
            pred = snap.prediction(keep_givens=keep_givens).cpu()
            r, T = snap.rows, snap.steps
            better = (e < best_e[T][r]) | ((snap.restart == 0) & (e == math.inf))  # a diverged run only as fallback
            best[T][r] = torch.where(better[:, None], pred, best[T][r])
            best_e[T][r] = torch.where(better, e, best_e[T][r])
        return {T: v.reshape(-1, self.size, self.size).numpy().astype(np.int8) for T, v in best.items()}

    def extra_repr(self) -> str:
        c = self.model_config
        return f"size={c.size}, positions={c.positions!r}"


VOTES = ("energy", "confidence")  # how solve(restarts=K > 1) picks a restart


def _vote_score(snap: Snapshot, vote: str = "energy") -> Tensor:
    """A vote's score, lowest wins: the pseudo-energy ("energy"), or minus the readout's log-probability of its
    board ("confidence"); a finite state whose score overflows ranks after every finite score (the largest float),
    a diverged state last (+inf), so that a vote never picks a diverged run."""
    e = snap.energy() if vote == "energy" else -snap.confidence()
    big = torch.full_like(e, torch.finfo(e.dtype).max)
    return torch.where(snap.finite & torch.isinf(e), big, e).cpu()
