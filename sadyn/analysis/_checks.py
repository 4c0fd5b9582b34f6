"""Argument checks shared by the analyses: one message per mistake, naming the argument, the value and the fix.

General tensor checks live in :mod:`sadyn._checks`; these are the ones only the analysis engine needs.
"""

from __future__ import annotations

import math
from collections.abc import Callable

__all__ = ["check_callable", "check_count", "check_k", "check_tol", "CONSTRAINTS", "check_constraint"]

CONSTRAINTS = (None, "sphere", "layer")


def check_callable(f: object, name: str = "f") -> Callable:
    """Require a callable map (a function, a bound ``model.as_map(C)``, an ``nn.Module``)."""
    if not callable(f):
        raise TypeError(
            f"`{name}` must be a callable map x -> x_next (e.g. model.as_map(C) or a function), got {type(f).__name__}."
        )
    return f


def check_count(value: object, name: str, *, minimum: int = 1, hint: str = "") -> int:
    """Require an integer >= ``minimum`` (bools and non-integral floats are refused)."""
    ok = isinstance(value, int) and not isinstance(value, bool)
    if not ok and isinstance(value, float) and value.is_integer():
        ok, value = True, int(value)
    if not ok or value < minimum:
        extra = f"; {hint}" if hint else ""
        raise ValueError(f"`{name}` must be an integer >= {minimum}, got {name}={value!r}{extra}.")
    return int(value)


def check_k(k: object, available: int, *, excluded: int = 0) -> int | None:
    """Require ``k`` in [1, available] (``None`` passes through); ``excluded`` explains a reduced range."""
    if k is None:
        return None
    why = f" (the state has {available + excluded} entries, {excluded} radial directions excluded)" if excluded else ""
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= available:
        raise ValueError(f"`k` must be an integer in [1, {available}]{why}, got k={k!r}; pass k=None for all of them.")
    return k


def check_tol(tol: object, name: str = "tol") -> float:
    """Require a finite positive tolerance."""
    try:
        t = float(tol)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise TypeError(f"`{name}` must be a number, got {type(tol).__name__}.") from None
    if not (t > 0 and math.isfinite(t)):
        raise ValueError(f"`{name}` must be a finite number > 0, got {name}={tol!r}.")
    return t


def check_constraint(constraint: object, group: object, shape: tuple[int, ...]) -> tuple[str | None, int, int]:
    """Validate ``constraint``/``group`` for a state of one system of shape ``shape``.

    Returns ``(constraint, group, excluded)``: the group size (entries per token or oscillator) and how many
    tangent directions the constraint removes (one per group for "sphere", two for "layer").
    """
    if constraint not in CONSTRAINTS:
        raise ValueError(
            f'`constraint` must be one of {CONSTRAINTS}, got {constraint!r}: "sphere" for maps that normalize '
            f'each token/oscillator (sphere projection, RMSNorm, AKOrN), "layer" for LayerNorm.'
        )
    if constraint is None:
        if group is not None:
            raise ValueError(f"`group` only applies with a constraint, got group={group!r} and constraint=None.")
        return None, 0, 0
    if len(shape) == 0:
        raise ValueError("`constraint` needs a state with at least one axis (tokens or oscillators on the last axis).")
    last = shape[-1]
    g = last if group is None else group
    if isinstance(g, bool) or not isinstance(g, int) or g < 1 or last % g:
        raise ValueError(
            f"`group` must be a positive divisor of the state's last dimension {last}, got group={group!r}; "
            f"use group=None for token-wise normalization or the model's oscillator size (model.norm.group)."
        )
    minimum = 3 if constraint == "layer" else 2
    if g < minimum:
        raise ValueError(f"`group` must be >= {minimum} for constraint={constraint!r}, got group={g}.")
    n = math.prod(shape)
    per = 2 if constraint == "layer" else 1
    return constraint, g, per * (n // g)
