"""Bad inputs at the doors of the models, normalizations, systems and rollouts: the exact kind of each answer.

Families (issues 10 and 11): bools, strings and non-integral floats as numbers; dtypes and devices; option
strings; states of the wrong kind; and divergence in the middle of a rollout, which is a report, not an error.
"""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import sadyn as sd
from sadyn import systems
from sadyn._validate import check_device
from sadyn.attention import MultiHeadSelfAttention

F64 = torch.float64
_NO_CUDA = not torch.cuda.is_available()

_CTOR = {
    "msa_float_dim": (lambda: MultiHeadSelfAttention(16.9, 4), ValueError, "`dim` must be an integer"),
    "msa_str_dim": (lambda: MultiHeadSelfAttention("16", 4), TypeError, "`dim` must be an integer"),
    "msa_bool_heads": (lambda: MultiHeadSelfAttention(16, True), TypeError, "`heads` must be an integer"),
    "msa_zero_heads": (lambda: MultiHeadSelfAttention(16, 0), ValueError, "`heads` must be an integer >= 1"),
    "msa_indivisible": (lambda: MultiHeadSelfAttention(16, 3), ValueError, "divisible by `heads`"),
    "msa_int_dtype": (lambda: MultiHeadSelfAttention(16, 4, dtype=torch.int64), TypeError, "floating dtype"),
    "msa_str_dtype": (lambda: MultiHeadSelfAttention(16, 4, dtype="float64"), TypeError, "`dtype` must be a torch.dtype"),
    "msa_bad_device": (lambda: MultiHeadSelfAttention(16, 4, device="gpu0"), ValueError, "`device` must be a torch device"),
    "msa_beta_str": (lambda: MultiHeadSelfAttention(16, 4, beta="1"), TypeError, "`beta` must be a number"),
    "msa_beta_zero": (lambda: MultiHeadSelfAttention(16, 4, beta=0.0), ValueError, "`beta` must be a finite number > 0"),
    "msa_scale_nan": (lambda: MultiHeadSelfAttention(16, 4, scale=float("nan")), ValueError, "`scale`"),
    "msa_bias_str": (lambda: MultiHeadSelfAttention(16, 4, bias="yes"), TypeError, "`bias` must be True or False"),
    "itrsa_eta_str": (lambda: sd.ItrSA(8, 2, eta="1.0"), TypeError, "`eta` must be a number"),
    "itrsa_eta_true": (lambda: sd.ItrSA(8, 2, eta=True), TypeError, "`eta` must be a number"),
    "itrsa_eta_zero": (lambda: sd.ItrSA(8, 2, eta=0), ValueError, "`eta` must be a finite number > 0"),
    "itrsa_eta_inf": (lambda: sd.ItrSA(8, 2, eta=float("inf")), ValueError, "`eta` must be a finite number > 0"),
    "itrsa_norm_typo": (lambda: sd.ItrSA(8, 2, norm="rmss"), ValueError, "`norm` must be one of"),
    "itrsa_gamma_true": (lambda: sd.ItrSA(8, 2, gamma=True), TypeError, "`gamma` must be a number"),
    "itrsa_group_float": (lambda: sd.ItrSA(8, 2, group=2.5), ValueError, "`group` must be an integer"),
    "itrsa_group_bad": (lambda: sd.ItrSA(8, 2, group=3), ValueError, "`group` must be a positive divisor"),
    "itrsa_int_dtype": (lambda: sd.ItrSA(8, 2, dtype=torch.int64), TypeError, "floating dtype"),
    "itrsa_learn_eta_str": (lambda: sd.ItrSA(8, 2, learn_eta="no"), TypeError, "`learn_eta`"),
    "itrsa_float_dim": (lambda: sd.ItrSA(8.5, 2), ValueError, "`dim` must be an integer"),
    "akorn_odd_osc": (lambda: sd.AKOrN(8, 2, oscillator_dim=3), ValueError, "`oscillator_dim` must be an even"),
    "akorn_float_osc": (lambda: sd.AKOrN(8, 2, oscillator_dim=2.5), ValueError, "`oscillator_dim` must be an integer"),
    "akorn_omega_str": (lambda: sd.AKOrN(8, 2, omega="1"), TypeError, "`omega` must be a number"),
    "akorn_omega_nan": (lambda: sd.AKOrN(8, 2, omega=float("nan")), ValueError, "`omega` must be a finite"),
    "akorn_mode": (lambda: sd.AKOrN(8, 2, omega_mode="local"), ValueError, "`omega_mode` must be one of"),
    "akorn_project_str": (lambda: sd.AKOrN(8, 2, project="yes"), TypeError, "`project`"),
    "akorn_int_dtype": (lambda: sd.AKOrN(8, 2, dtype=torch.int32), TypeError, "floating dtype"),
    "energy_dt_str": (lambda: sd.EnergySA(8, dt="0.1"), TypeError, "`dt` must be a number"),
    "energy_heads_float": (lambda: sd.EnergySA(8, heads=2.5), ValueError, "`heads` must be an integer"),
    "energy_break_big": (lambda: sd.EnergySA(8, symmetry_breaking=2), ValueError, "`symmetry_breaking`"),
    "energy_break_true": (lambda: sd.EnergySA(8, symmetry_breaking=True), TypeError, "`symmetry_breaking`"),
    "energy_condition": (lambda: sd.EnergySA(8, condition="sym"), ValueError, "`condition` must be one of"),
    "energy_int_dtype": (lambda: sd.EnergySA(8, dtype=torch.int64), TypeError, "floating dtype"),
    "energy_project_str": (lambda: sd.EnergySA(8, project="no"), TypeError, "`project`"),
    "toy_odd_dim": (lambda: sd.OscillatorToy(3), ValueError, "`dim` must be an even integer"),
    "toy_str_dim": (lambda: sd.OscillatorToy("4"), TypeError, "`dim` must be an integer"),
    "toy_omega_str": (lambda: sd.OscillatorToy(4, omega="1"), TypeError, "`omega`"),
    "toy_normalize_str": (lambda: sd.OscillatorToy(4, normalize="yes"), TypeError, "`normalize`"),
    "norm_kind": (lambda: sd.Normalization("batch", 8), ValueError, "`norm` must be one of"),
    "norm_group": (lambda: sd.Normalization("rms", 8, group=3), ValueError, "positive divisor"),
    "norm_gamma_str": (lambda: sd.Normalization("rms", 8, gamma="1"), TypeError, "`gamma` must be a number"),
    "norm_dim_float": (lambda: sd.Normalization("rms", 8.5), ValueError, "`dim` must be an integer"),
    "threads_zero": (lambda: sd.threads(0).__enter__(), ValueError, "`n` must be an integer >= 1"),
    "threads_true": (lambda: sd.threads(True).__enter__(), TypeError, "`n` must be an integer"),
    "henon_a_str": (lambda: systems.Henon(a="1.4"), TypeError, "`a` must be a number"),
    "logistic_r_str": (lambda: systems.Logistic("4"), TypeError, "`r` must be a number"),
    "lorenz_dt_zero": (lambda: systems.Lorenz(dt=0), ValueError, "`dt` must be a finite number > 0"),
    "lorenz_rho_str": (lambda: systems.Lorenz(rho="28"), TypeError, "`rho` must be a number"),
    "kuramoto_omega_str": (lambda: systems.Kuramoto("abc"), TypeError, "`omega`"),
    "kuramoto_K_str": (lambda: systems.Kuramoto([0.0, 1.0], K="1"), TypeError, "`K` must be a number"),
    "lorentzian_n_zero": (lambda: systems.lorentzian_frequencies(0), ValueError, "`n` must be an integer >= 1"),
    "lorentzian_gamma_true": (lambda: systems.lorentzian_frequencies(4, gamma=True), TypeError, "`gamma`"),
    "initial_batch_true": (lambda: systems.Henon().initial_state(True), TypeError, "`batch` must be an integer"),
    "initial_seed_neg": (lambda: systems.Henon().initial_state(2, seed=-1), ValueError, "`seed` must be an integer >= 0"),
    "initial_int_dtype": (lambda: systems.Henon().initial_state(dtype=torch.int64), TypeError, "floating dtype"),
    "system_rollout_true": (lambda: systems.Henon().rollout(systems.Henon().initial_state(), True), TypeError, "`steps`"),
    "toy_exponents_model": (lambda: systems.toy_exponents(sd.ItrSA(8, 2)), TypeError, "OscillatorToy instance"),
    "toy_exponents_tokens": (lambda: systems.toy_exponents(sd.OscillatorToy(4), tokens=0), ValueError, "`tokens`"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(_CTOR))
def test_constructor_and_system_arguments(case):
    call, kind, match = _CTOR[case]
    with pytest.raises(kind, match=match):
        call()


@pytest.mark.skipif(not _NO_CUDA, reason="only meaningful on a build without CUDA")
@pytest.mark.parametrize(
    "make",
    [
        lambda: MultiHeadSelfAttention(8, 2, device="cuda"),
        lambda: sd.ItrSA(8, 2, device="cuda"),
        lambda: sd.AKOrN(8, 2, device="cuda:0"),
        lambda: sd.OscillatorToy(4, device="cuda"),
        lambda: sd.Normalization("rms", 8, device="cuda"),
    ],
)
def test_cuda_without_cuda_is_a_clear_error(make):
    with pytest.raises(ValueError, match=r"`device`='cuda(:0)?' asks for a GPU, but CUDA is not available"):
        make()


def test_check_device_accepts_cpu():
    assert check_device("cpu") == torch.device("cpu") and check_device(None) is None


def _m():
    return sd.ItrSA(8, 2, dtype=F64, generator=torch.Generator().manual_seed(0))


_X = torch.randn(3, 8, dtype=F64, generator=torch.Generator().manual_seed(1))
_DOOR = {
    "rollout_steps_true": (lambda: _m().rollout(_X, steps=True), TypeError, "`steps` must be an integer"),
    "rollout_steps_str": (lambda: _m().rollout(_X, steps="3"), TypeError, "`steps` must be an integer"),
    "rollout_steps_float": (lambda: _m().rollout(_X, steps=2.5), ValueError, "`steps` must be an integer"),
    "rollout_steps_neg": (lambda: _m().rollout(_X, steps=-1), ValueError, "`steps` must be an integer >= 1"),
    "rollout_list": (lambda: _m().rollout(_X.tolist()), TypeError, "torch.Tensor"),
    "rollout_float32": (lambda: _m().rollout(_X.float()), TypeError, "model's parameters"),
    "rollout_nan": (lambda: _m().rollout(_X * float("nan")), ValueError, "NaN or inf"),
    "step_wrong_dim": (lambda: _m().step(_X[:, :6]), ValueError, "trailing dimension D=8"),
    "step_C_shape": (lambda: _m().step(_X, _X[:2]), ValueError, "`C` must have the same shape"),
    "step_C_dtype": (lambda: _m().step(_X, _X.float()), TypeError, "dtype and device"),
    "as_map_C_float32": (lambda: _m().as_map(_X.float()), TypeError, "model's parameters"),
    "as_map_C_list": (lambda: _m().as_map([[0.0] * 8]), TypeError, "torch.Tensor"),
    "as_map_like": (lambda: _m().as_map(_X, like=_X[:2]), ValueError, "same shape"),
    "energy_toy": (lambda: sd.OscillatorToy(4).energy(torch.randn(2, 4)), ValueError, "defines no energy"),
    "energy_with_C": (lambda: sd.EnergySA(8, dtype=F64).energy(_X, _X), ValueError, "autonomous flow only"),
    "set_head_weights_shape": (lambda: MultiHeadSelfAttention(8, 2).set_head_weights(*[torch.zeros(1)] * 4), ValueError, "`wq` must have shape"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(_DOOR))
def test_model_doors(case):
    call, kind, match = _DOOR[case]
    with pytest.raises(kind, match=match):
        call()


@settings(max_examples=30, deadline=None)
@given(bad=st.one_of(st.text(max_size=4), st.booleans(), st.none(), st.complex_numbers(allow_nan=False)))
def test_hypothesis_non_numbers_for_model_scalars(bad):
    for make, name in (
        (lambda: sd.ItrSA(8, 2, eta=bad), "eta"),
        (lambda: sd.EnergySA(8, dt=bad), "dt"),
        (lambda: MultiHeadSelfAttention(8, 2, scale=bad), "scale"),
        (lambda: MultiHeadSelfAttention(bad, 2), "dim"),
    ):
        with pytest.raises(TypeError, match=f"`{name}`"):
            make()


@settings(max_examples=30, deadline=None)
@given(d=st.floats(min_value=1.01, max_value=64, allow_nan=False).filter(lambda v: not v.is_integer()))
def test_hypothesis_non_integral_dims_never_build(d):
    with pytest.raises(ValueError, match="`dim` must be an integer"):
        MultiHeadSelfAttention(d, 1)


# --------------------------------------------------------------------------- divergence is a report
def test_overflow_in_the_middle_of_a_long_rollout_is_reported_not_raised():
    m = sd.ItrSA(8, 2, norm=None, eta=1.0, scale=4.0, dtype=torch.float32, generator=torch.Generator().manual_seed(0))
    X0 = torch.randn(4, 8, generator=torch.Generator().manual_seed(1))
    traj = m.rollout(X0, steps=400)
    assert traj.diverged and 5 < traj.diverged_at < 400 and traj.diverged_in in ("state", "energy")
    assert torch.isfinite(traj.final).all() and torch.isnan(traj.states[traj.diverged_at :]).all()
    assert torch.isfinite(traj.states[: traj.diverged_at]).all()


def test_overflow_mid_run_gives_a_divergent_spectrum_with_every_engine():
    m = sd.ItrSA(8, 2, norm=None, eta=1.0, scale=4.0, dtype=torch.float32, generator=torch.Generator().manual_seed(0))
    X0 = torch.randn(4, 8, generator=torch.Generator().manual_seed(1))
    at = None
    X = X0
    for t in range(1, 401):  # the first non-finite state (the pseudo-energy may overflow earlier)
        X = m.as_map()(X)
        if not torch.isfinite(X).all():
            at = t
            break
    for method in ("jvp", "dense", "fd"):
        spec = sd.lyapunov_spectrum(m.as_map(), X0, steps=400, k=2, method=method)
        assert spec.status == "divergent" and abs(spec.diverged_at - at) <= 1, (method, spec.diverged_at, at)
        assert sd.classify_regime(spec) == "divergent"


def test_energy_overflow_is_reported_like_a_diverged_state():
    m = sd.EnergySA(8, heads=2, dt=0.5, scale=3.0, dtype=torch.float32, generator=torch.Generator().manual_seed(0))
    X0 = 3 * torch.randn(6, 8, generator=torch.Generator().manual_seed(1))
    traj = m.rollout(X0, steps=300)
    assert traj.diverged and traj.diverged_in in ("energy", "state")
    assert torch.isfinite(traj.energies[: traj.diverged_at]).all()
    assert "diverged at step" in repr(traj)
