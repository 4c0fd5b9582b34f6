"""Validation at the public doors: the one place that turns bad input into a clear error.

Every message names the argument, what was expected, what was received and how to fix it. Wrong kinds
(a string or a bool where a number goes, a class where a map goes) raise ``TypeError``; right kind, wrong value
(a negative count, an unknown option, a shape mismatch) raises ``ValueError``. These checks run once per call of
a public function (``step``, ``rollout``, ``as_map``, the analyses, the constructors), never inside the per-step
maps, so that a state overflowing in the middle of a rollout comes out as inf/NaN for the caller to report.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from typing import Literal

import torch
from torch import Tensor

__all__ = [
    "under_transform",
    "check_tensor",
    "check_state",
    "check_same_shape",
    "check_in",
    "check_option",
    "check_positive",
    "check_number",
    "check_int",
    "check_count",
    "check_seed",
    "check_bool",
    "check_dtype",
    "check_device",
    "check_callable",
    "check_k",
    "check_tol",
    "check_fraction",
    "CONSTRAINTS",
    "check_constraint",
]

Constraint = Literal["sphere", "layer"]  # the manifold a map keeps its state on; None: unconstrained
CONSTRAINTS: tuple[Constraint | None, ...] = (None, "sphere", "layer")


def under_transform(x: Tensor) -> bool:
    """True inside torch.func transforms (jvp, vjp, vmap, jacrev, ...), where values cannot steer Python control flow."""
    return bool(torch._C._functorch.is_functorch_wrapped_tensor(x))


# ----------------------------------------------------------------------------------------------- scalars
def _is_bool(value: object) -> bool:
    return isinstance(value, bool) or (isinstance(value, Tensor) and value.dtype == torch.bool)


def check_number(value: object, name: str) -> float:
    """Require a real number (int, float, numpy scalar or 0-d tensor); refuse bools and strings. Returns a float."""
    if _is_bool(value) or isinstance(value, (str, bytes)):
        raise TypeError(
            f"`{name}` must be a number, got {name}={value!r} ({type(value).__name__}); pass e.g. {name}=1.0."
        )
    if isinstance(value, Tensor):
        if value.numel() != 1 or value.is_complex():
            raise TypeError(f"`{name}` must be a real number, got a tensor of shape {tuple(value.shape)}.")
        return float(value.detach())
    if not isinstance(value, numbers.Real):
        raise TypeError(f"`{name}` must be a number, got {type(value).__name__}.")
    return float(value)


def check_positive(value: object, name: str, *, allow_zero: bool = False, maximum: float | None = None) -> float:
    """Require a finite number > 0 (>= 0 with ``allow_zero``; <= ``maximum`` if given)."""
    v = check_number(value, name)
    ok = (v >= 0 if allow_zero else v > 0) and math.isfinite(v) and (maximum is None or v <= maximum)
    if not ok:
        bound = ">= 0" if allow_zero else "> 0"
        top = f" and <= {maximum:g}" if maximum is not None else ""
        raise ValueError(f"`{name}` must be a finite number {bound}{top}, got {name}={value!r}.")
    return v


def check_int(value: object, name: str, *, minimum: int | None = None, hint: str = "") -> int:
    """Require an integer (an integral float such as 16.0 is accepted; 16.9, bools and strings are not)."""
    if _is_bool(value) or isinstance(value, (str, bytes)) or not isinstance(value, (numbers.Real, Tensor)):
        raise TypeError(f"`{name}` must be an integer, got {name}={value!r} ({type(value).__name__}).")
    v = check_number(value, name)
    if not (math.isfinite(v) and v.is_integer()):
        at_least = f" >= {minimum}" if minimum is not None else ""
        raise ValueError(
            f"`{name}` must be an integer{at_least}, got {name}={value!r}; round it explicitly if you mean it."
        )
    if minimum is not None and v < minimum:
        extra = f"; {hint}" if hint else ""
        raise ValueError(f"`{name}` must be an integer >= {minimum}, got {name}={value!r}{extra}.")
    return int(v)


def check_count(value: object, name: str, *, minimum: int = 1, hint: str = "") -> int:
    """Require an integer >= ``minimum`` (bools, strings and non-integral floats are refused)."""
    return check_int(value, name, minimum=minimum, hint=hint)


def check_seed(value: object, name: str = "seed") -> int:
    """Require a seed: a non-negative integer."""
    return check_int(value, name, minimum=0, hint="seeds are non-negative integers")


def check_bool(value: object, name: str) -> bool:
    """Require a bool (``batch="yes"`` or ``batch=1.5`` are refused; 0 and 1 pass as False and True)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise TypeError(f"`{name}` must be True or False, got {name}={value!r} ({type(value).__name__}).")


def check_in(value: object, name: str, allowed: Sequence) -> object:
    """Require ``value`` to be one of ``allowed`` (the members of an option ``Literal``)."""
    allowed = tuple(allowed)
    if isinstance(value, (list, dict, set, Tensor)) or value not in allowed:
        raise ValueError(f"`{name}` must be one of {allowed}, got {name}={value!r}.")
    return value


check_option = check_in


def check_dtype(dtype: object, name: str = "dtype") -> torch.dtype | None:
    """Require ``None`` or a floating torch dtype (float32 / float64 / ...)."""
    if dtype is None:
        return None
    if not isinstance(dtype, torch.dtype):
        raise TypeError(
            f"`{name}` must be a torch.dtype such as torch.float64, got {dtype!r} ({type(dtype).__name__})."
        )
    if not dtype.is_floating_point:
        raise TypeError(f"`{name}` must be a floating dtype (torch.float32 or torch.float64), got {dtype}.")
    return dtype


def check_device(device: object, name: str = "device") -> torch.device | None:
    """Require ``None`` or a device that exists on this machine (``"cuda"`` without CUDA is refused here)."""
    if device is None:
        return None
    try:
        dev = torch.device(device)  # type: ignore[call-overload]  # any object: torch refuses the wrong ones
    except (RuntimeError, TypeError):
        raise ValueError(f"`{name}` must be a torch device such as 'cpu' or 'cuda', got {device!r}.") from None
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(
                f"`{name}`={device!r} asks for a GPU, but CUDA is not available in this torch build or machine; use device='cpu'."
            )
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise ValueError(f"`{name}`={device!r}: only {torch.cuda.device_count()} CUDA device(s) are available.")
    elif dev.type == "mps" and not torch.backends.mps.is_available():
        raise ValueError(f"`{name}`={device!r} asks for Apple's MPS, which is not available here; use device='cpu'.")
    return dev


def check_tol(tol: object, name: str = "tol") -> float:
    """Require a finite positive tolerance."""
    return check_positive(tol, name)


def check_fraction(value: object, name: str) -> float:
    """Require a number in (0, 1]."""
    v = check_number(value, name)
    if not (0 < v <= 1):
        raise ValueError(f"`{name}` must be a number in (0, 1], got {name}={value!r}.")
    return v


# ----------------------------------------------------------------------------------------------- tensors
def check_tensor(x: object, name: str, *, finite: bool = True) -> Tensor:
    """Require a floating-point torch tensor (optionally with only finite entries)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"`{name}` must be a torch.Tensor, got {type(x).__name__}; wrap it with torch.as_tensor(...).")
    if not (x.is_floating_point() or x.is_complex()):
        raise TypeError(
            f"`{name}` must have a floating dtype (float32 or float64), got {x.dtype}; "
            f"convert it with {name}.double() or {name}.float()."
        )
    if finite and not under_transform(x) and not bool(torch.isfinite(x).all()):
        raise ValueError(f"`{name}` contains NaN or inf entries; pass a finite tensor.")
    return x


def check_state(x: object, name: str, dim: int, *, finite: bool = True) -> Tensor:
    """Require a state of shape (..., S, D) with D == dim (and finite entries unless ``finite=False``)."""
    x = check_tensor(x, name, finite=finite)
    if x.ndim < 2:
        raise ValueError(
            f"`{name}` must have shape (..., S, D) with S tokens of dimension D={dim}, got shape {tuple(x.shape)}; "
            f"add a token axis, e.g. {name}.unsqueeze(0)."
        )
    if x.shape[-1] != dim:
        raise ValueError(
            f"`{name}` must have trailing dimension D={dim} (the model's `dim`), got shape {tuple(x.shape)}."
        )
    return x


def check_same_shape(c: object, x: Tensor, name: str, ref: str) -> Tensor:
    """Require `c` to have exactly the shape, dtype and device of `x` (broadcasting is not silently allowed)."""
    c = check_tensor(c, name)
    if c.shape != x.shape:
        raise ValueError(f"`{name}` must have the same shape as `{ref}` {tuple(x.shape)}, got {tuple(c.shape)}.")
    if c.dtype != x.dtype or c.device != x.device:
        raise TypeError(
            f"`{name}` must have the dtype and device of `{ref}` ({x.dtype}, {x.device}), got ({c.dtype}, {c.device}); "
            f"use {name}.to({ref})."
        )
    return c


# ----------------------------------------------------------------------------------------------- analyses
def check_callable(f: object, name: str = "f") -> Callable:
    """Require a callable map (a function, a bound ``model.as_map(C)``, an ``nn.Module`` instance), not a class."""
    if isinstance(f, type):
        raise TypeError(
            f"`{name}` must be a map x -> x_next, got the class {f.__name__} itself; build one and pass its map, "
            f"e.g. {f.__name__}(...).as_map(C) for a model or {f.__name__}(...) for a system."
        )
    if not callable(f):
        raise TypeError(
            f"`{name}` must be a callable map x -> x_next (e.g. model.as_map(C) or a function), got {type(f).__name__}."
        )
    return f


def check_k(k: object, available: int, *, excluded: int = 0) -> int | None:
    """Require ``k`` in [1, available] (``None`` passes through); ``excluded`` explains a reduced range."""
    if k is None:
        return None
    why = f" (the state has {available + excluded} entries, {excluded} radial directions excluded)" if excluded else ""
    msg = f"`k` must be an integer in [1, {available}]{why}, got k={k!r}; pass k=None for all of them."
    if _is_bool(k) or isinstance(k, (str, bytes)) or not isinstance(k, numbers.Integral):
        raise (TypeError if not isinstance(k, numbers.Real) or _is_bool(k) else ValueError)(msg)
    if not 1 <= int(k) <= available:
        raise ValueError(msg)
    return int(k)


def check_constraint(constraint: object, group: object, shape: tuple[int, ...]) -> tuple[Constraint | None, int, int]:
    """Validate ``constraint``/``group`` for a state of one system of shape ``shape``.

    Returns ``(constraint, group, excluded)``: the group size (entries per token or oscillator) and how many
    tangent directions the constraint removes (one per group for "sphere", two for "layer").
    """
    if constraint not in CONSTRAINTS or _is_bool(constraint):
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
    if _is_bool(g) or not isinstance(g, numbers.Integral) or g < 1 or last % g:
        raise ValueError(
            f"`group` must be a positive divisor of the state's last dimension {last}, got group={group!r}; "
            f"use group=None for token-wise normalization or the model's oscillator size (model.norm.group)."
        )
    g = int(g)
    minimum = 3 if constraint == "layer" else 2
    if g < minimum:
        raise ValueError(f"`group` must be >= {minimum} for constraint={constraint!r}, got group={g}.")
    n = math.prod(shape)
    per = 2 if constraint == "layer" else 1
    return constraint, g, per * (n // g)
