r"""`TangentMap`: the tangent dynamics of a map, the reusable low level of every Lyapunov analysis.

For ``x_{t+1} = f(x_t)`` with Jacobian ``J_t = J_f(x_t)``, ``k`` tangent vectors evolve as

.. math::  Y_{t+1} = J_t\, Y_t,\qquad Q_{t+m} R_{t+m} = J_{t+m-1} \cdots J_t\, Q_t \quad\text{(QR every } m \text{ steps)}

and the Lyapunov exponents are the time averages of ``log |diag R|`` (Benettin et al. 1980; Geist, Parlitz &
Lauterborn 1990, method "H2"). Two engines push ``Q`` forward, with identical results:

* ``"jvp"`` (matrix-free): one batched forward-mode product ``J_t Q`` per step, ``torch.func.vmap`` over the k
  tangents and the state update from the same call. Cost ~ fixed dispatch overhead + k cheap tangents; the
  choice for large states (n in the thousands) and k << n.
* ``"analytic"`` (matrix-free, the default where ``"jvp"`` would run for a map that has a closed-form tangent):
  the same products ``J_t Q`` from the map's own ``f.tangent(x, V) -> (f(x), J V)`` (``V`` of shape
  ``(k, *x.shape)``; ``model.as_map(C)`` of ItrSA has one, and any callable may carry one, see
  :mod:`sadyn.analysis._maps`). Exact like ``"jvp"`` and several times faster on attention maps, where forward
  AD is slow. The tangent is checked once, at :meth:`TangentMap.prepare`, against ``torch.func.jvp`` on a random
  tangent (relative 1e-5 in float64, 1e-3 in float32); a disagreeing one is refused with an error. Pass
  ``method="jvp"`` to cross-check with torch.func.
* ``"dense"`` (small states): the trajectory is run ahead for a chunk of steps (forward passes only), then the
  Jacobians at all states of the chunk are built in **one** vectorized call, and the products and QRs are
  small matrix operations. The per-step cost is then a forward pass plus a few microseconds, which is what
  makes 1e5-step spectra of Lorenz-63 or 1000 logistic maps at once cheap. A hand-written Jacobian can be
  passed as ``jac=`` (a callable on one system's state returning ``(n, n)``).
* ``"fd"`` (opt-in, for live widgets): ``J_t Q`` by central differences, ``(f(x + h q) - f(x - h q)) / 2h`` for all
  k columns in one vectorized call of ``f`` (``h = eps^(1/3) max(1, |x|_inf)``, scaled to the dtype). Forward-mode
  AD in torch 2.13 routes every op that mixes a tangent with a constant (weights, inputs, scalars) through a
  slow Python path, so on attention maps this is 3-5x faster than ``"jvp"``; the price is a relative error of
  about ``eps^(2/3)`` per product (1e-10 in float64, 1e-4 in float32), far below the statistical error of any
  finite run. ``"auto"`` never chooses it (it chooses ``"analytic"`` for a map with a ``tangent``).

Sphere-constrained maps (``constraint="sphere"``: the map ends with a normalization of every token or
oscillator of ``group`` entries, e.g. RMSNorm, the sphere projection, AKOrN) have one radial direction per
group that the Jacobian annihilates, an exponent of minus infinity. Such a map's Jacobian has rank
``n - r`` (``r`` = number of groups), so the engine evolves at most ``n - r`` tangent vectors: the basis starts
in the tangent space of the product of spheres through ``x0`` (radial components removed) and stays in the
range of the Jacobian from then on. The exponents returned are then exactly the ``n - r`` finite ones (the
top ``n - r`` of the full spectrum). ``"layer"`` (LayerNorm) removes two directions per group (the radial one
and the mean).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from operator import mul
from typing import Any, Literal

import numpy as np
import torch
from torch import Tensor
from torch.func import vmap

from .._validate import Constraint, check_bool, check_callable, check_constraint, check_in, check_k, check_seed
from ._door import check_constraint_holds, check_independent, check_jac
from ._gram_schmidt import mgs_floats, mgs_numpy
from ._maps import (
    FlatMap,
    analytic_tangent,
    batched_jvp,
    central_differences,
    check_tangent,
    dense_jacobians,
    flat_map,
    transform_errors,
)

__all__ = ["TangentMap", "METHODS"]

Method = Literal["auto", "analytic", "jvp", "dense", "fd"]
METHODS: tuple[Method, ...] = ("auto", "analytic", "jvp", "dense", "fd")
_DENSE_BUDGET = 2**22  # Jacobian entries held per chunk (32 MiB in float64)
_SMALL_N = 4  # up to this state size a map with a kernel gets the float / numpy recursion (closed-form QR)
_SMALL_CHUNK = 2**16  # states per chunk on the kernel path: the Jacobians' componentwise passes stay in cache


@dataclass
class _Run:
    """Mutable state of one tangent run (internal)."""

    X: Tensor  # (B, n) current state
    Q: Tensor  # (B, n, k) orthonormal tangent basis
    t: int  # steps taken so far
    alive: Tensor  # (B,) bool
    diverged_at: Tensor  # (B,) long, -1 where finite

    any_diverged: bool = False
    norms: list[Tensor] = field(default_factory=list)  # ||x_t|| per system along the run, for boundedness

    def orbit_norms(self) -> Tensor:
        """``(t, B)``: the norms of the states visited so far (NaN where a system had diverged)."""
        return torch.cat(self.norms) if self.norms else torch.zeros(0, self.X.shape[0], dtype=self.X.dtype)

    def mark(self, bad: Tensor, step: int) -> None:
        new = bad & self.alive
        if bool(new.any()):
            self.diverged_at[new] = step
            self.alive &= ~new
            self.any_diverged = True


@dataclass(frozen=True)
class Prepared:
    """A map validated at a state: what one run needs (internal; returned by :meth:`TangentMap.prepare`)."""

    F: FlatMap
    X0: Tensor  # (B, n)
    k: int
    excluded: int
    constraint: str | None
    group: int
    method: str


def _qr_diag(V: Tensor) -> tuple[Tensor, Tensor]:
    """``Q`` and ``diag R`` of a batch of tall matrices ``V`` ``(B, n, k)`` (k = 1: by normalization)."""
    if V.shape[-1] == 1:
        norm = torch.linalg.vector_norm(V, dim=-2, keepdim=True)
        return V / norm.clamp_min(torch.finfo(V.dtype).tiny), norm[..., 0, :]  # J q = 0: exponent -inf, q stays 0
    Q, R = torch.linalg.qr(V)
    return Q, torch.diagonal(R, dim1=-2, dim2=-1)


def qr_log(V: Tensor) -> tuple[Tensor, Tensor]:
    """``Q, log|diag R|`` of a batch of tall matrices ``V`` ``(B, n, k)``."""
    Q, d = _qr_diag(V)
    return Q, d.abs().log()


# ------------------------------------------------------------------------------------ tiny systems, kernel path
# A map with a componentwise ``kernel(x, params)`` (sadyn.systems: Henon, Logistic, Lorenz) on a CPU float64 state
# of n <= _SMALL_N entries runs its orbit in Python floats (one system) or numpy arrays of one entry per system
# (a batch) instead of eager torch ops, takes its analytic ``jacobian`` vectorized over a chunk, and pushes the
# basis with the closed-form QR below. Same orbit bitwise (IEEE + - * agree), same exponents to rounding.


@dataclass(frozen=True)
class _Kernel:
    """A map's componentwise step with its parameters converted for the backend (floats or numpy arrays)."""

    step: Callable[[tuple[Any, ...], tuple[Any, ...]], tuple[Any, ...]]
    params: tuple[Any, ...]
    jacobian: Callable[[Tensor], Tensor]
    one: bool  # a single system (Python floats) rather than a batch (numpy arrays of B entries)


def _defined_by(cls: type, name: str) -> type | None:
    """The class of ``cls``'s MRO that defines attribute ``name`` (None: not a class attribute)."""
    return next((c for c in cls.__mro__ if name in vars(c)), None)


def _kernel_is_the_map(f: object) -> bool:
    """True if ``f``'s class defines ``kernel`` at or below the classes defining ``__call__`` and ``step``: a
    subclass that overrides ``step`` (or ``__call__``) but not ``kernel`` keeps the tensor path, with its own map."""
    cls = type(f)
    kernel = _defined_by(cls, "kernel")
    return kernel is not None and all(
        (owner := _defined_by(cls, name)) is None or issubclass(kernel, owner) for name in ("__call__", "step")
    )


def _kernel_of(p: Prepared) -> _Kernel | None:
    """The map's kernel when the fast path applies: ``kernel``/``kernel_params``/``jacobian`` present (and not
    bypassed by an overriding ``step``), a flat CPU float64 state of at most ``_SMALL_N`` entries per system, and
    tensor parameters of one value per system."""
    f, F = p.F.f, p.F
    step, params, jac = (getattr(f, name, None) for name in ("kernel", "kernel_params", "jacobian"))
    flat = F.shape == ((F.B, F.n) if F.batch else (F.n,))
    if not (callable(step) and callable(params) and callable(jac) and flat and F.n <= _SMALL_N):
        return None
    if not _kernel_is_the_map(f):
        return None
    if p.X0.dtype != torch.float64 or p.X0.device.type != "cpu":
        return None
    one, out = F.B == 1, []
    for v in params(p.X0):
        if isinstance(v, Tensor):
            if v.numel() != F.B and v.numel() != 1:
                return None
            v = v.detach().to(torch.float64).reshape(-1)
            v = float(v[0]) if one or v.numel() == 1 else v.numpy()
        out.append(v)
    return _Kernel(step, tuple(out), jac, one)


def _orbit_floats(kern: _Kernel, run: _Run, steps: int) -> Tensor:
    """One system's states ``x_t .. x_{t+steps-1}`` ``(steps, 1, n)`` by the kernel in Python floats; marks and
    freezes a divergence like :meth:`TangentMap._trajectory` (a fast pass, replayed with checks if non-finite)."""
    x0 = tuple(run.X[0].tolist())
    x, xs = x0, []
    for _ in range(steps):
        xs.append(x)
        x = kern.step(x, kern.params)
    if not math.isfinite(sum(x)):
        x, xs = x0, []
        for i in range(steps):
            xs.append(x)
            y = kern.step(x, kern.params)
            if not all(map(math.isfinite, y)):
                run.mark(torch.ones(1, dtype=torch.bool), run.t + i + 1)
                y = x
            x = y
    run.X = torch.tensor([x], dtype=torch.float64)
    return torch.tensor(xs, dtype=torch.float64)[:, None]


def _orbit_numpy(kern: _Kernel, run: _Run, steps: int) -> Tensor:
    """The batch version of :func:`_orbit_floats`: components as numpy arrays of one entry per system."""
    x0 = tuple(run.X.numpy().T.copy())
    x, xs = x0, []
    with np.errstate(all="ignore"):
        for _ in range(steps):
            xs.append(x)
            x = kern.step(x, kern.params)
        if not np.isfinite(np.sum(x)):
            x, xs = x0, []
            for i in range(steps):
                xs.append(x)
                y = np.stack(kern.step(x, kern.params))
                ok = np.isfinite(y).all(0)
                if not ok.all():
                    run.mark(torch.from_numpy(~ok), run.t + i + 1)
                    y = np.where(ok, y, np.stack(x))
                x = tuple(y)
    run.X = torch.from_numpy(np.stack(x, -1))
    return torch.from_numpy(np.ascontiguousarray(np.array(xs).transpose(0, 2, 1)))


class TangentMap:
    """The tangent dynamics of ``f``: push an orthonormal tangent basis along a trajectory (see module docstring).

    Arguments:
        f: a map from a state to a state of the same shape (``model.as_map(C)``, a reference system, ...).

    Other arguments:
        k: number of tangent vectors (exponents); ``None`` for all finite ones when there are at most 64, else 16.
        batch: the leading axis of the state indexes independent systems (``f`` acts on each independently).
        constraint: ``None``, ``"sphere"`` or ``"layer"``: exclude the radial directions of a map that normalizes
            every group of ``group`` entries (see module docstring).
        group: entries per normalized group (a token: ``None``, the default; an oscillator: its size).
        jac: optional hand-written Jacobian, ``jac(x) -> (n, n)`` for one system's state ``x``; implies ``"dense"``.
        method: ``"auto"`` (dense for n <= 64, for k > n/2 or with ``jac``; else analytic if ``f`` has a
            ``tangent`` method, else jvp), ``"analytic"`` (the map's own ``f.tangent(x, V)``), ``"jvp"``
            (torch.func forward mode), ``"dense"``, or ``"fd"``: central differences instead of forward-mode AD
            (see module docstring; opt-in only).

    Build it once and pass it to :func:`sadyn.analysis.lyapunov_spectrum` in place of ``f`` in sweeps and widgets:
    the validation of the map is done once per state shape and dtype, not at every call.
    """

    def __init__(
        self,
        f: Callable[[Tensor], Tensor],
        *,
        k: int | None = None,
        batch: bool = False,
        constraint: Constraint | None = None,
        group: int | None = None,
        jac: Callable[[Tensor], Tensor] | None = None,
        method: Method = "auto",
    ) -> None:
        self.f = check_callable(f)
        if jac is not None:
            check_callable(jac, "jac")
        check_in(method, "method", METHODS)
        batch = check_bool(batch, "batch")
        if jac is not None and method in ("analytic", "jvp", "fd"):
            raise ValueError(f'`jac` (a dense Jacobian) needs method="dense" or "auto", got method={method!r}.')
        if method == "analytic" and not callable(getattr(f, "tangent", None)):
            raise ValueError(
                'method="analytic" needs a map with a closed-form tangent, a method f.tangent(x, V) -> (f(x), J V) '
                f"for V of shape (k, *x.shape) (model.as_map(C) of ItrSA has one); {type(f).__name__} has none. "
                'Use method="auto" or "jvp" (torch.func), or give the map a `tangent` method.'
            )
        self.k, self.batch, self.constraint, self.group, self.jac, self.method = (
            k,
            bool(batch),
            constraint,
            group,
            jac,
            method,
        )
        self._cache: dict[tuple, Prepared] = {}

    def __repr__(self) -> str:
        name = getattr(self.f, "__name__", type(self.f).__name__)
        return (
            f"TangentMap({name}, k={self.k}, batch={self.batch}, constraint={self.constraint!r}, group={self.group}, "
            f"method={self.method!r}{', jac=given' if self.jac is not None else ''})"
        )

    # -------------------------------------------------------------------------------- preparation
    def prepare(self, x0: Tensor) -> Prepared:
        """Validate the map at ``x0`` (once per shape/dtype/device) and fix ``k`` and the engine."""
        key = (tuple(x0.shape), x0.dtype, x0.device) if isinstance(x0, Tensor) else None
        cached = self._cache.get(key) if key is not None else None
        if cached is not None:
            X0 = x0.detach().reshape(cached.F.B, cached.F.n)
            if not bool(torch.isfinite(X0).all()):
                raise ValueError("`x0` contains NaN or inf entries; pass a finite tensor.")
            hook = getattr(self.f, "check_state", None)  # e.g. zero tokens under a normalization
            if callable(hook):
                hook(x0.detach(), "x0")
            return Prepared(cached.F, X0, cached.k, cached.excluded, cached.constraint, cached.group, cached.method)
        F, X0 = flat_map(self.f, x0, batch=self.batch)
        constraint, group, excluded = check_constraint(self.constraint, self.group, F.system_shape())
        check_constraint_holds(self.f, F, X0, constraint, group)
        if self.jac is not None:
            check_jac(self.jac, F, X0)
        if self.batch:
            check_independent(F, X0)
        available = F.n - excluded
        if available < 1:
            raise ValueError(f"the constraint removes all {F.n} directions of the state; check `group`.")
        k = check_k(self.k, available, excluded=excluded)
        if k is None:
            k = available if available <= 64 else 16
        method = self.method
        if method == "auto":
            method = "dense" if (self.jac is not None or F.n <= 64 or 2 * k > F.n) else "jvp"
            if method == "jvp" and F.has_tangent:
                method = "analytic"
        if method == "analytic":
            check_tangent(F, X0)
        prepared = Prepared(F, X0, k, excluded, constraint, group, method)
        self._cache[key] = prepared
        return prepared

    def initial_basis(self, p: Prepared, seed: int = 0) -> Tensor:
        """A random orthonormal ``(B, n, k)`` basis, with the constraint's radial (and mean) directions removed."""
        gen = torch.Generator().manual_seed(check_seed(seed))
        B, n = p.X0.shape
        V = torch.randn(B, n, p.k, generator=gen, dtype=p.X0.dtype).to(p.X0.device)
        if p.constraint is not None:
            g = p.group
            Vg = V.reshape(B, n // g, g, p.k)
            Xg = p.X0.reshape(B, n // g, g, 1)
            if p.constraint == "layer":
                Vg = Vg - Vg.mean(-2, keepdim=True)
                Xg = Xg - Xg.mean(-2, keepdim=True)
            u = Xg / torch.linalg.vector_norm(Xg, dim=-2, keepdim=True).clamp_min(torch.finfo(V.dtype).tiny)
            Vg = Vg - u * (u * Vg).sum(-2, keepdim=True)
            V = Vg.reshape(B, n, p.k)
        return qr_log(V)[0]

    def start(self, p: Prepared, seed: int = 0) -> _Run:
        """A fresh run at ``p.X0``."""
        B = p.X0.shape[0]
        return _Run(
            X=p.X0.clone(),
            Q=self.initial_basis(p, seed),
            t=0,
            alive=torch.ones(B, dtype=torch.bool, device=p.X0.device),
            diverged_at=torch.full((B,), -1, dtype=torch.long, device=p.X0.device),
        )

    # -------------------------------------------------------------------------------- engines
    def blocks(self, p: Prepared, run: _Run, lengths: list[int]) -> Tensor:
        """Advance ``run`` by blocks of ``lengths`` steps with a QR after each block.

        Returns the local exponents ``log|diag R|`` of every block, shape ``(len(lengths), B, k)``; a system's
        entries are NaN for every block that reaches its divergence (a non-finite state or tangent).
        """
        if p.method in ("analytic", "jvp", "fd"):
            push = {"analytic": analytic_tangent, "jvp": batched_jvp, "fd": central_differences}[p.method]
            return self._blocks_jvp(p, run, lengths, push=push)
        if p.F.n == 1:
            return self._blocks_scalar(p, run, lengths)
        return self._blocks_dense(p, run, lengths)

    def _blocks_jvp(
        self,
        p: Prepared,
        run: _Run,
        lengths: list[int],
        push: Callable[[FlatMap, Tensor, Tensor], tuple[Tensor, Tensor]] = batched_jvp,
    ) -> Tensor:
        """The matrix-free engines: ``push(F, X, V) -> (F(X), J V)`` (forward AD, the map's tangent or FD)."""
        start, out = run.t, []
        for m in lengths:
            X0, V0 = run.X, run.Q.permute(2, 0, 1)  # (k, B, n): tangents on the vmapped axis
            X, V, norms = X0, V0, []
            try:  # fast path: no check and no sync per step
                for _ in range(m):
                    norms.append(torch.linalg.vector_norm(X, dim=-1))
                    X, V = push(p.F, X, V)
                fine = bool(torch.isfinite(X.sum()))
            except (ValueError, RuntimeError):
                fine = False
            if not fine:  # replay the block step by step: mark and freeze the systems that diverge
                X, V, norms = X0, V0, []
                for i in range(m):
                    norms.append(torch.linalg.vector_norm(X, dim=-1))
                    Y, W = push(p.F, X, V)
                    ok = torch.isfinite(Y).all(-1)
                    if not bool(ok.all()):
                        run.mark(~ok, run.t + i + 1)
                        Y = torch.where(ok[:, None], Y, X)
                    X, V = Y, W
            run.t += m
            run.norms.append(torch.stack(norms))
            run.X = X
            run.Q, d = _qr_diag(V.permute(1, 2, 0))
            out.append(d)
        ends = start + torch.tensor(lengths, device=run.X.device).cumsum(0)
        return self._validate(run, torch.stack(out).abs().log(), ends)

    def _trajectory(self, p: Prepared, run: _Run, steps: int) -> Tensor:
        """Run the state ahead: returns ``x_t .. x_{t+steps-1}`` (the Jacobians' base points), ``(steps, B, n)``.

        Fast path without per-step checks; if the chunk ends non-finite (or the map raised on a non-finite
        input), it is replayed step by step: a system whose next state is not finite is marked divergent at
        that step and frozen at its last finite state, so that its Jacobians stay finite (its later local
        exponents are discarded). A map with a componentwise kernel (see :func:`_kernel_of`) runs it in Python
        floats or numpy instead of torch, with the same states and the same marks.
        """
        kern = _kernel_of(p)
        if kern is not None:
            states = (_orbit_floats if kern.one else _orbit_numpy)(kern, run, steps)
            run.t += steps
            run.norms.append(torch.linalg.vector_norm(states, dim=-1))
            return states
        X, Xs = run.X, []
        try:
            for _ in range(steps):
                Xs.append(X)
                X = p.F(X)
            fine = bool(torch.isfinite(X.sum()))
        except (ValueError, RuntimeError):
            fine = False
        if not fine:
            X, Xs = run.X, []
            for i in range(steps):
                Xs.append(X)
                Y = p.F(X)
                ok = torch.isfinite(Y).all(-1)
                if not bool(ok.all()):
                    run.mark(~ok, run.t + i + 1)
                    Y = torch.where(ok[:, None], Y, X)
                X = Y
        run.X, run.t = X, run.t + steps
        states = torch.stack(Xs)
        run.norms.append(torch.linalg.vector_norm(states, dim=-1))
        return states

    def _jacobians(self, p: Prepared, Xs: Tensor) -> Tensor:
        """Dense Jacobians ``(c, B, n, n)`` at the states ``Xs`` ``(c, B, n)``: autodiff, or the given ``jac``."""
        if self.jac is None:
            return dense_jacobians(p.F, Xs, budget=_DENSE_BUDGET)
        shape, n, jac = p.F.system_shape(), p.F.n, self.jac

        def one(x: Tensor) -> Tensor:
            return jac(x.reshape(shape)).reshape(n, n)

        with transform_errors("jac"):
            return vmap(vmap(one))(Xs)

    def _blocks_dense(self, p: Prepared, run: _Run, lengths: list[int]) -> Tensor:
        kern = _kernel_of(p)
        if kern is not None:
            return self._blocks_small(p, run, lengths, kern)
        B, n = run.X.shape
        start, remaining = run.t, sum(lengths)
        chunk = max(1, min(remaining, _DENSE_BUDGET // max(1, B * n * n), 1024))
        Js: Sequence[Tensor] = []
        pos, diags = 0, []
        Q = run.Q
        for m in lengths:
            V = Q
            for _ in range(m):
                if pos == len(Js):
                    Js = self._jacobians(p, self._trajectory(p, run, min(chunk, remaining))).unbind(0)
                    remaining -= len(Js)
                    pos = 0
                V = Js[pos] @ V
                pos += 1
            Q, d = _qr_diag(V)
            diags.append(d)
        run.Q = Q
        L = torch.stack(diags).abs().log()  # (blocks, B, k)
        ends = start + torch.tensor(lengths, device=L.device).cumsum(0)
        return self._validate(run, L, ends)

    def _small_jacobians(self, p: Prepared, Xs: Tensor, kern: _Kernel) -> Tensor:
        """``(c, B, n, n)`` at ``Xs`` ``(c, B, n)``: the given ``jac``, else the system's analytic ``jacobian``
        (vectorized over the chunk and the batch in one call)."""
        return self._jacobians(p, Xs) if self.jac is not None else kern.jacobian(Xs)

    def _blocks_small(self, p: Prepared, run: _Run, lengths: list[int], kern: _Kernel) -> Tensor:
        r""":meth:`_blocks_dense` for a kernel map: ``V \leftarrow J_t V`` and the Gram-Schmidt QR in Python floats
        (one system) or numpy over the batch, the Jacobians of a chunk from one vectorized call."""
        B, n = run.X.shape
        start, remaining = run.t, sum(lengths)
        chunk = max(1, min(remaining, _SMALL_CHUNK // B, 1024))
        Js: Any = ()
        pos, diags = 0, []
        Q: Any = run.Q[0].T.tolist() if kern.one else run.Q.permute(1, 2, 0).numpy().copy()  # Cols | (n, k, B)
        for m in lengths:
            V = Q
            for _ in range(m):
                if pos == len(Js):
                    J = self._small_jacobians(p, self._trajectory(p, run, min(chunk, remaining)), kern)
                    Js = J[:, 0].numpy().tolist() if kern.one else J.permute(0, 2, 3, 1).contiguous().numpy()
                    remaining -= len(Js)
                    pos = 0
                if kern.one:
                    V = [[sum(map(mul, row, v)) for row in Js[pos]] for v in V]
                else:
                    with np.errstate(all="ignore"):
                        V = (Js[pos][:, :, None, :] * V[None]).sum(1)  # (n, n, B) x (n, k, B)
                pos += 1
            Q, d = mgs_floats(V) if kern.one else mgs_numpy(V)
            diags.append(d)
        if kern.one:
            run.Q = torch.tensor(Q, dtype=torch.float64).T[None].contiguous()
            L = torch.tensor(diags, dtype=torch.float64)[:, None]  # (blocks, 1, k)
        else:
            run.Q = torch.from_numpy(np.ascontiguousarray(Q.transpose(2, 0, 1)))
            L = torch.from_numpy(np.stack(diags).transpose(0, 2, 1).copy())  # (blocks, B, k)
        ends = start + torch.tensor(lengths).cumsum(0)
        return self._validate(run, L.abs().log(), ends)

    def _validate(self, run: _Run, L: Tensor, ends: Tensor) -> Tensor:
        """NaN-out each system's blocks from its divergence on (``ends``: the step each block ends at).

        A NaN or +inf local exponent (an overflowing tangent) is itself a divergence at the end of its block;
        -inf (an exactly singular Jacobian) is a legitimate value.
        """
        total = float(L.sum())  # one pass: finite, or -inf only from exact zeros, is the common case
        bad = None
        if not (math.isfinite(total) or total == -math.inf):
            bad = (torch.isnan(L) | torch.isposinf(L)).any(-1)  # (blocks, B)
        if bad is not None and bool(bad.any()):
            hit = bad.any(0)
            at = ends[bad.float().argmax(0)]
            earlier = hit & ((run.diverged_at < 0) | (at < run.diverged_at))
            run.diverged_at[earlier] = at[earlier]
            run.alive &= ~hit
            run.any_diverged = True
        if not run.any_diverged:
            return L
        valid = (run.diverged_at[None] < 0) | (run.diverged_at[None] > ends[:, None])
        return torch.where(valid[..., None], L, torch.nan)

    def _blocks_scalar(self, p: Prepared, run: _Run, lengths: list[int]) -> Tensor:
        """n = 1: the tangent is a number and a block's local exponent is sum_t log|f'(x_t)|, fully vectorized."""
        start, kern = run.t, _kernel_of(p)
        states = self._trajectory(p, run, sum(lengths))
        J = self._jacobians(p, states) if kern is None else self._small_jacobians(p, states, kern)
        logs = J[..., 0, 0].abs().log_()  # (c, B)
        sizes = torch.tensor(lengths, device=logs.device)
        if len(lengths) == logs.shape[0]:  # one step per block (the default): the blocks are the steps
            L = logs[..., None]
        else:
            block_of_step = torch.repeat_interleave(torch.arange(len(lengths), device=logs.device), sizes)
            L = torch.zeros(len(lengths), logs.shape[1], dtype=logs.dtype, device=logs.device)
            L = L.index_add(0, block_of_step, logs)[..., None]  # (blocks, B, 1); -inf where f'(x_t) = 0 exactly
        return self._validate(run, L.expand(-1, -1, p.k), start + sizes.cumsum(0))
