"""classify_regime: the four regimes, the tolerance band, batches, and the divergent status."""

from __future__ import annotations

import math

import pytest
import torch

from sadyn.analysis import classify_regime, lyapunov_spectrum
from sadyn.systems import Henon, Linear, Logistic

F64 = torch.float64


@pytest.mark.parametrize(
    "value, regime",
    [
        (0.3, "chaotic"),
        (-0.3, "convergent"),
        (0.04, "critical"),
        (-0.04, "critical"),
        (math.nan, "divergent"),
        (math.inf, "divergent"),
        (-math.inf, "convergent"),
    ],
)
def test_floats(value, regime):
    assert classify_regime(value) == regime


def test_tolerance_is_the_band():
    assert classify_regime(0.04, tol=0.01) == "chaotic"
    assert classify_regime(torch.tensor([0.009, -1.0]), tol=0.01) == "critical"
    with pytest.raises(ValueError, match="`tol` must be a finite number > 0"):
        classify_regime(0.1, tol=0)


def test_tensors_take_the_largest():
    assert classify_regime(torch.tensor([-2.0, 0.5, -1.0])) == "chaotic"
    assert classify_regime(torch.tensor([[-2.0, -3.0], [0.5, 0.0], [math.nan, 0.0]])) == (
        "convergent",
        "chaotic",
        "divergent",
    )
    with pytest.raises(ValueError, match=r"shape \(k,\) or \(B, k\)"):
        classify_regime(torch.zeros(2, 2, 2))
    with pytest.raises(TypeError, match="must be a LyapunovSpectrum"):
        classify_regime("chaotic")


def test_spectra():
    chaotic = lyapunov_spectrum(Henon(), Henon().initial_state(), steps=2000, transient=50)
    assert classify_regime(chaotic) == "chaotic"
    rotation = Linear(torch.tensor([[0.0, -1.0], [1.0, 0.0]], dtype=F64))
    assert classify_regime(lyapunov_spectrum(rotation, torch.ones(2, dtype=F64), steps=50)) == "critical"
    r = torch.tensor([2.5, 3.83, 4.0, 4.5], dtype=F64)
    batch = lyapunov_spectrum(Logistic(r), torch.full((4, 1), 0.3, dtype=F64), steps=3000, transient=200, batch=True)
    assert classify_regime(batch) == ("convergent", "convergent", "chaotic", "divergent")


def test_stderr_widens_the_band():
    """A short estimate near zero stays 'critical' when its standard error covers the tolerance."""
    h = Logistic(3.5699456)  # the accumulation point: lambda -> 0
    r = lyapunov_spectrum(h, torch.tensor([0.3], dtype=F64), steps=400, transient=2000)
    assert abs(r.max) < 0.05 and classify_regime(r) == "critical"


def test_exploding_is_a_regime_of_its_own():
    from sadyn.analysis.regime import REGIMES

    assert "exploding" in REGIMES
    linear = torch.arange(1.0, 41.0, dtype=torch.float64)[:, None] * torch.ones(40, 3, dtype=torch.float64)
    bounded = torch.sin(torch.arange(40.0, dtype=torch.float64))[:, None] * torch.ones(40, 3, dtype=torch.float64)
    assert classify_regime(0.3, orbit=linear) == "exploding"  # x_t ~ t: second-half max / first-half max = 2
    assert classify_regime(-0.3, orbit=linear) == "exploding"
    assert classify_regime(0.3, orbit=bounded) == "chaotic"
    assert classify_regime(0.3) == "chaotic"  # no orbit: boundedness cannot be checked
    assert classify_regime(torch.tensor([[0.3], [0.3]]), orbit=torch.stack((linear, bounded), 1)) == (
        "exploding",
        "chaotic",
    )


def test_lyapunov_spectrum_reports_orbit_growth():
    grow = lyapunov_spectrum(lambda x: 1.1 * x, torch.ones(2, dtype=torch.float64), steps=40)
    assert grow.orbit_growth == pytest.approx(1.1**20, rel=1e-9) and not grow.bounded
    assert classify_regime(grow) == "exploding"
    rot = torch.tensor([[0.6, -0.8], [0.8, 0.6]], dtype=torch.float64)
    still = lyapunov_spectrum(lambda x: rot @ x, torch.ones(2, dtype=torch.float64), steps=40)
    assert still.orbit_growth == pytest.approx(1.0) and still.bounded
    assert classify_regime(still, tol=0.01) == "critical"
