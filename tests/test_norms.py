"""Normalizations in the paper's convention and their relation to torch's RMSNorm."""

import math

import pytest
import torch

import sadyn as sd
from sadyn.norms import Normalization

D64 = torch.float64


def test_rms_norm_gives_tokens_of_norm_gamma_and_matches_torch_up_to_sqrt_d():
    y = torch.randn(3, 5, 16, dtype=D64)
    out = sd.rms_norm(y, 2.5)
    torch.testing.assert_close(out.norm(dim=-1), torch.full((3, 5), 2.5, dtype=D64))
    # torch's RMSNorm (torch >= 2.4; written out by hand for the oldest supported torch, 2.3): x / rms(x)
    rms_norm = getattr(torch.nn.functional, "rms_norm", None)
    ref = rms_norm(y, (16,), eps=0.0) if rms_norm else y / y.pow(2).mean(-1, keepdim=True).sqrt()
    torch.testing.assert_close(ref, math.sqrt(16) * sd.rms_norm(y))


def test_group_wise_normalization_normalizes_each_oscillator():
    y = torch.randn(4, 12, dtype=D64)
    out = sd.sphere_project(y, group=4)
    torch.testing.assert_close(out.unflatten(-1, (3, 4)).norm(dim=-1), torch.ones(4, 3, dtype=D64))


def test_tangent_projection_is_orthogonal_to_x_and_idempotent():
    x, y = torch.randn(6, 8, dtype=D64), torch.randn(6, 8, dtype=D64)
    p = sd.tangent_project(x, y, group=2)
    dots = (p.unflatten(-1, (4, 2)) * x.unflatten(-1, (4, 2))).sum(-1)
    assert dots.abs().max() < 1e-12
    torch.testing.assert_close(sd.tangent_project(x, p, group=2), p)


def test_layer_norm_is_centred_and_unit():
    y = torch.randn(5, 8, dtype=D64)
    out = sd.layer_norm(y)
    assert out.mean(-1).abs().max() < 1e-12
    torch.testing.assert_close(out.norm(dim=-1), torch.ones(5, dtype=D64))


def test_normalization_module_kinds_and_gain():
    assert Normalization("rms", 8, gamma=0.5).max_gain() == 0.5
    assert Normalization("sphere", 8).max_gain() == 1.0
    assert Normalization(None, 8).max_gain() == math.inf
    y = torch.randn(3, 8)
    torch.testing.assert_close(Normalization(None, 8)(y), y)
    with pytest.raises(ValueError, match="`norm` must be one of"):
        Normalization("batch", 8)
    with pytest.raises(ValueError, match="`group`"):
        Normalization("rms", 8, group=3)
