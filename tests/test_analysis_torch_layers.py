"""torch's own attention layers go through the engine: fused SDPA kernels and the encoder fast path are bypassed."""

import torch

import sadyn as sd


def test_transformer_encoder_layer_is_analysable_and_settings_are_restored():
    torch.manual_seed(0)
    layer = torch.nn.TransformerEncoderLayer(16, 4, dim_feedforward=32, dropout=0.0, batch_first=True).double().eval()
    X = torch.randn(1, 5, 16, dtype=torch.float64)
    J = sd.jacobian(layer, X)
    v = torch.randn(5 * 16, dtype=torch.float64)
    eps = 1e-6
    fd = (layer(X + eps * v.reshape(X.shape)) - layer(X - eps * v.reshape(X.shape))).flatten() / (2 * eps)
    assert torch.allclose(J @ v, fd, atol=1e-7)
    spectrum = sd.lyapunov_spectrum(layer, X, steps=20, k=2, constraint="layer")
    assert spectrum.excluded == 10 and spectrum.status == "ok"
    assert torch.backends.mha.get_fastpath_enabled()
