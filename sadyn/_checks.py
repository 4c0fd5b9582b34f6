"""Validation at the public door: one place that turns bad input into a clear error.

Every message names the argument, what was expected, what was received and how to fix it.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

__all__ = ["check_tensor", "check_state", "check_positive", "check_same_shape", "check_in", "under_transform"]


def under_transform(x: Tensor) -> bool:
    """True inside torch.func transforms (jvp, vjp, vmap, jacrev, ...), where values cannot steer Python control flow."""
    return bool(torch._C._functorch.is_functorch_wrapped_tensor(x))


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
    """Require `c` to have exactly the shape of `x` (broadcasting is not silently allowed)."""
    c = check_tensor(c, name)
    if c.shape != x.shape:
        raise ValueError(f"`{name}` must have the same shape as `{ref}` {tuple(x.shape)}, got {tuple(c.shape)}.")
    if c.dtype != x.dtype or c.device != x.device:
        raise TypeError(
            f"`{name}` must have the dtype and device of `{ref}` ({x.dtype}, {x.device}), got ({c.dtype}, {c.device}); "
            f"use {name}.to({ref})."
        )
    return c


def check_positive(value: float, name: str, *, allow_zero: bool = False) -> float:
    """Require a finite positive (or non-negative) number."""
    v = float(value.detach()) if isinstance(value, Tensor) else float(value)
    ok = (v >= 0 if allow_zero else v > 0) and math.isfinite(v)
    if not ok:
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"`{name}` must be a finite number {bound}, got {value}.")
    return v


def check_in(value: object, name: str, allowed: tuple) -> object:
    """Require `value` to be one of `allowed`."""
    if value not in allowed:
        raise ValueError(f"`{name}` must be one of {allowed}, got {value!r}.")
    return value
