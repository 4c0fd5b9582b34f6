r"""Lyapunov spectra along a trajectory: `lyapunov_spectrum` and its result, `LyapunovSpectrum`.

.. math::  \lambda_i = \lim_{T\to\infty} \frac{1}{T\,\Delta t} \sum_{j} \log |R^{(j)}_{ii}|,
           \qquad Q^{(j+1)} R^{(j+1)} = J_{t_j + m - 1} \cdots J_{t_j} Q^{(j)}

(the QR method of Benettin et al., Meccanica 15, 9 (1980) and Geist, Parlitz & Lauterborn, Prog. Theor. Phys. 83,
875 (1990); the tangent dynamics are in :class:`~sadyn.analysis.tangent.TangentMap`). Natural-log units per
step (per unit time with ``dt``). The paper (Tomihari & Karakida 2025, App. B.3, arXiv 2505.19458) uses the
equivalent singular-value definition over a finite horizon, see :func:`finite_time_lyapunov`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor

from .._validate import Constraint, check_bool, check_count, check_positive, check_seed
from ._maps import math_attention
from .tangent import Method, TangentMap

__all__ = ["LyapunovSpectrum", "lyapunov_spectrum", "orbit_growth", "EXPLODING_GROWTH"]

EXPLODING_GROWTH = 1.5  # second-half / first-half maximum of ||x_t|| above which an orbit counts as unbounded


def orbit_growth(norms: Tensor) -> Tensor:
    """``(B,)``: max of ``norms`` ``(t, B)`` over the second half of the steps / max over the first half.

    A bounded orbit revisits its attractor, so both halves reach about the same largest norm (ratio ~ 1); an
    orbit growing like ``t`` gives ~2, one growing exponentially much more. NaN with fewer than 4 steps.
    """
    t = norms.shape[0]
    if t < 4:
        return torch.full(norms.shape[1:], math.nan, dtype=torch.float64)
    n = torch.nan_to_num(norms.to(torch.float64), nan=-math.inf)
    first, second = n[: t // 2].amax(0), n[t // 2 :].amax(0)
    return torch.where(first > 0, second / first.clamp_min(1e-300), torch.where(second > 0, math.inf, 1.0))


class _Growth:
    """:func:`orbit_growth` over a run fed a chunk at a time: the running maxima of ``||x_t||`` over the first and
    the second half of ``steps`` states, so that a long run of many systems never holds its whole orbit of norms."""

    def __init__(self, steps: int, B: int, device: torch.device) -> None:
        self.steps, self.half, self.seen = steps, steps // 2, 0
        self.first = torch.full((B,), -math.inf, dtype=torch.float64, device=device)
        self.second = self.first.clone()

    @staticmethod
    def _max(n: Tensor) -> Tensor:
        m = n.amax(0)  # one pass; NaN only where a system diverged, then again without its NaNs
        return torch.nan_to_num(n, nan=-math.inf).amax(0) if bool(torch.isnan(m).any()) else m

    def add(self, norms: Tensor) -> None:
        n, t = norms.to(torch.float64), norms.shape[0]
        split = min(max(self.half - self.seen, 0), t)
        if split > 0:
            self.first = torch.maximum(self.first, self._max(n[:split]))
        if split < t:
            self.second = torch.maximum(self.second, self._max(n[split:]))
        self.seen += t

    def result(self) -> Tensor:
        if self.steps < 4:
            return torch.full_like(self.first, math.nan)
        first, second = self.first, self.second
        return torch.where(first > 0, second / first.clamp_min(1e-300), torch.where(second > 0, math.inf, 1.0))


_CALL_STEPS = 1024  # steps per engine call (progress and history granularity)
_MAX_HISTORY = 1000
_BATCHES = 32  # batch means for the standard error


def _fmt(x: float) -> str:
    return f"{x:.4g}" if math.isfinite(x) else str(x)


@dataclass(frozen=True, repr=False)
class LyapunovSpectrum:
    """Lyapunov exponents with their convergence history, uncertainty and status.

    Attributes:
        exponents: ``(k,)`` (``(B, k)`` with ``batch=True``), descending, nats per step (per unit time if ``dt``).
            The radial directions removed by a ``constraint`` are not among them. For a divergent system these
            are the estimates over the steps before divergence (NaN if it diverged before the first one).
        stderr: standard error of each exponent, from 32 batch means of the local exponents (NaN with fewer
            than 2 batches); it ignores correlations longer than a batch, so treat it as a lower bound.
        history: running estimates ``(h, k)`` (``(h, B, k)``) at ``history_steps``, for convergence plots.
        history_steps: ``(h,)`` number of steps (after the transient) behind each history row.
        steps: steps averaged over (after ``transient`` steps that only oriented the basis).
        transient: steps discarded at the start.
        status: ``"ok"`` or ``"divergent"`` (a tuple of them with ``batch=True``).
        diverged_at: the first step whose state (or tangent) was not finite, counted from ``x0`` including the
            transient; ``None`` if it stayed finite (a tuple with ``batch=True``).
        dimension: entries of one system's state (n).
        excluded: radial directions removed by the constraint (their exponents are minus infinity).
        dt: the time step the exponents were divided by.
        method: the tangent engine used ("analytic", "jvp", "dense" or "fd").
        orbit_growth: ``max ||x_t||`` over the second half of the averaged steps divided by its maximum over the
            first half (a float, ``(B,)`` with ``batch=True``; NaN with fewer than 4 steps). About 1 on a bounded
            orbit (an attractor is revisited); above :data:`EXPLODING_GROWTH` the orbit is growing without bound,
            which :func:`classify_regime` reports as ``"exploding"`` rather than ``"chaotic"``.
    """

    exponents: Tensor
    stderr: Tensor
    history: Tensor
    history_steps: Tensor
    steps: int
    transient: int
    status: str | tuple[str, ...]
    diverged_at: int | None | tuple[int | None, ...]
    dimension: int
    excluded: int
    dt: float
    method: str
    orbit_growth: float | Tensor = math.nan

    @property
    def bounded(self) -> bool | Tensor:
        """True where the orbit stayed bounded (``orbit_growth <= EXPLODING_GROWTH``; NaN growth counts as bounded)."""
        g = torch.as_tensor(self.orbit_growth, dtype=torch.float64)
        out = ~(g > EXPLODING_GROWTH)
        return out if self.batch else bool(out)

    @property
    def batch(self) -> bool:
        return self.exponents.ndim == 2

    @property
    def k(self) -> int:
        return self.exponents.shape[-1]

    @property
    def max(self) -> float | Tensor:
        """The largest exponent (a float; a ``(B,)`` tensor with ``batch=True``)."""
        top = self.exponents[..., 0]
        return top if self.batch else float(top)

    @property
    def mean(self) -> float | Tensor:
        """Mean of the finite exponents computed (the radial ones of a constraint are never among them).

        With ``k`` smaller than the number of finite exponents this is the mean of the top ``k`` only.
        """
        e = self.exponents
        finite = torch.isfinite(e)
        m = torch.where(finite, e, 0).sum(-1) / finite.sum(-1).clamp_min(1)
        m = torch.where(finite.any(-1), m, torch.nan)
        return m if self.batch else float(m)

    @property
    def ok(self) -> bool | Tensor:
        """True where the status is "ok"."""
        if self.batch:
            return torch.tensor([s == "ok" for s in self.status])
        return self.status == "ok"

    def __repr__(self) -> str:
        kinfo = f"k={self.k} of {self.dimension - self.excluded}"
        if self.excluded:
            kinfo += f" ({self.excluded} radial excluded)"
        head = f"LyapunovSpectrum({kinfo}, steps={self.steps}, dt={self.dt:g}, method={self.method!r}"
        if self.batch:
            n_ok = sum(s == "ok" for s in self.status)
            top = self.exponents[:, 0]
            top = top[torch.isfinite(top)]
            rng = f"max in [{_fmt(float(top.min()))}, {_fmt(float(top.max()))}]" if top.numel() else "max: none finite"
            return f"{head}, batch={len(self.status)}: {n_ok} ok, {len(self.status) - n_ok} divergent, {rng})"
        vals = [float(v) for v in self.exponents]
        shown = ", ".join(_fmt(v) for v in (vals if len(vals) <= 6 else vals[:4])) + (
            "" if len(vals) <= 6 else ", ..., " + ", ".join(_fmt(v) for v in vals[-2:])
        )
        status = self.status if self.diverged_at is None else f"{self.status} at step {self.diverged_at}"
        err = float(self.stderr[0])
        pm = f" ± {err:.2g}" if math.isfinite(err) else ""
        return f"{head}, status={status!r}, max={_fmt(float(self.max))}{pm}, mean={_fmt(float(self.mean))}, exponents=[{shown}])"


class _Accumulator:
    """Running sums, batch means and history of the local exponents (float64)."""

    def __init__(self, B: int, k: int, n_blocks: int, device: torch.device) -> None:
        f64 = torch.float64
        self.sums = torch.zeros(B, k, dtype=f64, device=device)
        self.counts = torch.zeros(B, dtype=f64, device=device)
        self.n_blocks, self.done = n_blocks, 0
        self.n_batches = min(_BATCHES, n_blocks)
        self.bsums = torch.zeros(self.n_batches, B, k, dtype=f64, device=device)
        self.bcounts = torch.zeros(self.n_batches, B, dtype=f64, device=device)
        self.stride = max(1, math.ceil(n_blocks / _MAX_HISTORY))
        self.hist: list[Tensor] = []
        self.hist_steps: list[Tensor] = []
        self.steps_so_far = 0

    def add(self, L: Tensor, lengths: list[int]) -> None:
        """Accumulate the local exponents ``L`` ``(blocks, B, k)`` of blocks of ``lengths`` steps (NaN: not counted).

        One pass over ``L`` in the common case: the blocks are summed into bins that end at every history point
        and every batch-mean boundary, and everything else (running estimates, batch means) is formed from the
        few bins.
        """
        L = L.to(torch.float64)
        dev, (nblk, B, k) = L.device, L.shape
        sizes = torch.tensor(lengths, dtype=torch.float64, device=dev)
        j = torch.arange(self.done, self.done + nblk, device=dev)
        hist_end = ((j + 1) % self.stride == 0) | (j == self.n_blocks - 1)
        batch = (j * self.n_batches) // self.n_blocks
        ends = hist_end.clone()
        ends[:-1] |= batch[1:] != batch[:-1]
        ends[-1] = True
        bin_of = torch.cumsum(ends, 0) - ends.long()  # number of bin ends before each block
        last = torch.nonzero(ends).flatten()
        bsum = torch.zeros(len(last), B, k, dtype=torch.float64, device=dev).index_add_(0, bin_of, L)
        if bool(torch.isnan(bsum).any()):  # some systems diverged: drop their blocks, count steps per system
            valid = ~torch.isnan(L).any(-1)
            L0 = torch.where(valid[..., None], L, 0.0)
            bsum = torch.zeros_like(bsum).index_add_(0, bin_of, L0)
            bcount = torch.zeros(len(last), B, dtype=torch.float64, device=dev).index_add_(
                0, bin_of, sizes[:, None] * valid
            )
        else:
            bsteps = torch.zeros(len(last), dtype=torch.float64, device=dev).index_add_(0, bin_of, sizes)
            bcount = bsteps[:, None].expand(len(last), B)
        csum, ccount = self.sums + bsum.cumsum(0), self.counts + bcount.cumsum(0)
        keep = hist_end[last]
        if bool(keep.any()):
            est = csum[keep] / ccount[keep][..., None].clamp_min(1)
            self.hist.append(torch.where(ccount[keep][..., None] > 0, est, torch.nan))
            self.hist_steps.append(self.steps_so_far + sizes.cumsum(0)[last[keep]].long())
        self.bsums.index_add_(0, batch[last], bsum)
        self.bcounts.index_add_(0, batch[last], bcount)
        self.sums, self.counts = csum[-1], ccount[-1]
        self.done += nblk
        self.steps_so_far += int(sum(lengths))

    def estimates(self) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        exps = torch.where(self.counts[:, None] > 0, self.sums / self.counts[:, None].clamp_min(1), torch.nan)
        have = self.bcounts > 0  # (nb, B)
        means = self.bsums / self.bcounts[..., None].clamp_min(1)
        nv = have.sum(0)  # (B,)
        mu = (means * have[..., None]).sum(0) / nv[:, None].clamp_min(1)
        var = (((means - mu) ** 2) * have[..., None]).sum(0) / (nv[:, None] - 1).clamp_min(1)
        err = torch.where(nv[:, None] >= 2, var.sqrt() / nv[:, None].clamp_min(1).sqrt(), torch.nan)
        hist = torch.cat(self.hist) if self.hist else exps[None]
        hsteps = torch.cat(self.hist_steps) if self.hist_steps else torch.zeros(1, dtype=torch.long)
        return exps, err, hist, hsteps


def _schedule(steps: int, every: int) -> list[list[int]]:
    """Blocks of ``every`` steps (the last one shorter), grouped into calls of about ``_CALL_STEPS`` steps."""
    blocks = [every] * (steps // every) + ([steps % every] if steps % every else [])
    per_call = max(1, _CALL_STEPS // every)
    return [blocks[i : i + per_call] for i in range(0, len(blocks), per_call)]


@torch.no_grad()
def lyapunov_spectrum(
    f: Callable[[Tensor], Tensor] | TangentMap,
    x0: Tensor,
    *,
    steps: int,
    k: int | None = None,
    transient: int = 0,
    reorthonormalize_every: int = 1,
    batch: bool = False,
    constraint: Constraint | None = None,
    group: int | None = None,
    jac: Callable[[Tensor], Tensor] | None = None,
    method: Method = "auto",
    dt: float = 1.0,
    seed: int = 0,
    show_progress: bool = False,
) -> LyapunovSpectrum:
    r"""The ``k`` largest Lyapunov exponents of ``x_{t+1} = f(x_t)`` from ``x0``, by QR (Benettin) iteration.

    .. math:: \lambda_i = \frac{1}{T \Delta t}\sum_j \log|R^{(j)}_{ii}|,\quad Q^{(j+1)}R^{(j+1)} = (J_{t+m-1}\cdots J_t)\,Q^{(j)}

    Arguments:
        f: a map from a state to a state of the same shape (``model.as_map(C)``, ``sadyn.systems.Henon()``, ...), or
            a :class:`TangentMap` built once for repeated calls (then ``k``, ``batch``, ``constraint``, ``group``,
            ``jac`` and ``method`` are its own and must not be passed here).
        x0: initial state (any shape; with ``batch=True`` the leading axis indexes independent systems).
        steps: steps to average over, after the transient (>= 1).

    Other arguments:
        k: number of exponents; ``None`` gives all finite ones if there are at most 64, else the top 16.
        transient: steps run first (state and tangent basis) without being averaged; about 10% of ``steps`` lets
            the basis align with the dominant directions.
        reorthonormalize_every: QR every m steps (fewer QRs; for strongly separated exponents keep m small, the
            product of m Jacobians must stay well conditioned).
        batch: ``x0[b]`` are independent systems; ``f`` is applied to the whole batch and must act on each
            element independently (e.g. one logistic parameter per row); one spectrum per system.
        constraint: ``"sphere"`` for maps that normalize every token/oscillator (RMSNorm, sphere projection,
            AKOrN) or ``"layer"`` (LayerNorm): their radial (and mean) directions, whose exponents are minus
            infinity, are excluded from the basis, so ``exponents`` and ``mean`` hold finite exponents only.
        group: entries per normalized group for the constraint (default: the state's last axis, i.e. per token;
            AKOrN: ``model.oscillator_dim``).
        jac: a hand-written Jacobian ``jac(x) -> (n, n)`` of one system's state (dense engine).
        method: ``"auto"``, ``"analytic"`` (the map's own closed-form ``f.tangent``; what ``"auto"`` picks for large
            states of a map that has one, e.g. ``ItrSA.as_map``), ``"jvp"`` (matrix-free, torch.func), ``"dense"``
            (small states) or ``"fd"`` (central differences, opt-in, 3-5x faster than "jvp" on attention maps,
            relative error ~1e-10 per step in float64); see :class:`TangentMap`.
        dt: time step of the map; exponents are divided by it (e.g. ``Lorenz.dt`` for per-unit-time values).
        seed: seed of the random initial tangent basis.
        show_progress: a tqdm progress bar.

    Returns:
        :class:`LyapunovSpectrum` with ``exponents`` (descending), ``stderr``, ``history``, ``status``, ``max``,
        ``mean``. A trajectory that becomes non-finite is reported with ``status="divergent"`` and
        ``diverged_at``, not as NaN exponents.

    Raises:
        TypeError / ValueError: a map that changes the shape or dtype, is not differentiable or is non-finite at
            ``x0``; ``steps`` < 1; ``k`` outside [1, n - excluded]; a bad ``constraint``/``group``.

    See also: :func:`finite_time_lyapunov` (the paper's T = 16 definition), :func:`classify_regime`.
    """
    steps = check_count(steps, "steps", hint="the number of steps to average over")
    transient = check_count(transient, "transient", minimum=0)
    every = check_count(reorthonormalize_every, "reorthonormalize_every")
    dt = check_positive(dt, "dt")
    seed = check_seed(seed)
    show_progress = check_bool(show_progress, "show_progress")
    if isinstance(f, TangentMap):
        given = dict(k=k, batch=batch, constraint=constraint, group=group, jac=jac, method=method)
        defaults = dict(k=None, batch=False, constraint=None, group=None, jac=None, method="auto")
        clash = [name for name in given if given[name] is not defaults[name] and given[name] != defaults[name]]
        if clash:
            raise ValueError(
                f"{', '.join('`' + c + '`' for c in clash)} belong to the TangentMap passed as `f`; set them in "
                f"TangentMap(...) instead of here."
            )
        tm = f
    else:
        tm = TangentMap(f, k=k, batch=batch, constraint=constraint, group=group, jac=jac, method=method)
    with math_attention():  # once for the run, not at every call of the map
        return _run(tm, x0, steps, transient, every, dt, seed, show_progress)


def _run(
    tm: TangentMap, x0: Tensor, steps: int, transient: int, every: int, dt: float, seed: int, show_progress: bool
) -> LyapunovSpectrum:
    """The body of :func:`lyapunov_spectrum` after its argument checks."""
    p = tm.prepare(x0)
    run = tm.start(p, seed)
    bar = None
    if show_progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=transient + steps, desc="lyapunov_spectrum")
    for lengths in _schedule(transient, every):
        tm.blocks(p, run, lengths)
        if bar is not None:
            bar.update(sum(lengths))
    run.norms.clear()  # the transient's states do not count towards the orbit's growth
    calls = _schedule(steps, every)
    acc = _Accumulator(p.X0.shape[0], p.k, sum(len(c) for c in calls), p.X0.device)
    growth = _Growth(steps, p.X0.shape[0], p.X0.device)
    for lengths in calls:
        acc.add(tm.blocks(p, run, lengths), lengths)
        for norms in run.norms:
            growth.add(norms)
        run.norms.clear()
        if bar is not None:
            bar.update(sum(lengths))
    if bar is not None:
        bar.close()
    return _result(p, run, acc, steps, transient, dt, growth.result())


def _result(p, run, acc: _Accumulator, steps: int, transient: int, dt: float, growth: Tensor) -> LyapunovSpectrum:
    exps, err, hist, hsteps = acc.estimates()
    key = torch.where(torch.isnan(exps), -math.inf, exps)
    order = torch.argsort(key, dim=-1, descending=True, stable=True)  # (B, k)
    exps = torch.gather(exps, -1, order) / dt
    err = torch.gather(err, -1, order) / dt
    hist = torch.gather(hist, -1, order[None].expand(hist.shape[0], -1, -1)) / dt
    dtype = p.X0.dtype
    exps, err, hist = exps.to(dtype), err.to(dtype), hist.to(dtype)
    div = [int(d) if d >= 0 else None for d in run.diverged_at.tolist()]
    statuses = tuple("ok" if d is None else "divergent" for d in div)
    status: str | tuple[str, ...] = statuses
    diverged_at: int | None | tuple[int | None, ...] = tuple(div)
    grow: float | Tensor = growth
    if not p.F.batch:
        exps, err, hist = exps[0], err[0], hist[:, 0]
        status, diverged_at = statuses[0], div[0]
        grow = float(growth[0])
    return LyapunovSpectrum(
        exponents=exps,
        stderr=err,
        history=hist,
        history_steps=hsteps,
        steps=steps,
        transient=transient,
        status=status,
        diverged_at=diverged_at,
        dimension=p.F.n,
        excluded=p.excluded,
        dt=dt,
        method=p.method,
        orbit_growth=grow,
    )
