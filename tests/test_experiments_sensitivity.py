"""Growth rate of the distance of two trajectories: exponential growth, contraction and drift told apart."""

from __future__ import annotations

import numpy as np
import pytest

from sadyn.experiments.sensitivity import distance_growth_rate


def test_exponential_growth_then_saturation_gives_the_exponent():
    t = np.arange(0, 300)
    d = np.minimum(1e-3 * np.exp(0.1 * t), 5.0)  # lambda = 0.1, saturates at 5
    r = distance_growth_rate(t, d)
    assert r["rate"] == pytest.approx(0.1, rel=1e-9) and r["window"][1] < 70


def test_contraction_gives_the_negative_exponent_and_drift_a_rate_near_zero():
    t = np.arange(0, 500)
    assert distance_growth_rate(t, 8.3 * np.exp(-0.05 * t))["rate"] == pytest.approx(-0.05, rel=1e-9)
    drift = 1e-3 * (1 + 0.02 * t)  # linear drift: 11x over the run, not exponential
    r = distance_growth_rate(t, drift)
    assert drift[-1] / drift[0] > 10 and 0 < r["rate"] < 0.01


def test_the_fit_stops_at_the_floating_point_floor_and_refuses_bad_input():
    t = np.arange(40.0)
    d = np.maximum(1e-3 * np.exp(-1.0 * t), 1e-16)  # contracts at rate 1, then sits at the rounding floor
    r = distance_growth_rate(t, d)
    assert r["rate"] == pytest.approx(-1.0, rel=1e-9) and r["window"][1] <= 21
    d = np.array([1e-3, 1e-4, 1e-5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0])
    assert distance_growth_rate(np.arange(10.0), d)["rate"] == pytest.approx(np.log(0.1))
    with pytest.raises(ValueError, match="same length >= 3"):
        distance_growth_rate([0, 1], [1, 2])
    with pytest.raises(ValueError, match="finite, non-negative"):
        distance_growth_rate([0, 1, 2], [1, np.nan, 2])
