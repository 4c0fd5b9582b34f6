"""Bad inputs at every public door of the analysis engine: each case asserts the exact kind of answer.

Families (issue 11, sections 2-3): non-finite Jacobians (crash cases run in a subprocess), zero tokens under a
normalization, huge but finite Jacobians, caller assertions that do not hold (constraint, jac, batch), tangent
and state mismatches, wrong kinds of arguments (bools, strings, classes), and unbounded orbits.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import sadyn as sd
from sadyn.systems import Henon, Logistic, Lorenz

F64 = torch.float64


def _x(*shape, seed=0, dtype=F64):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=dtype)


def sqrt_abs(x):
    return x.abs().sqrt()


def distance_attention(X):
    """softmax(-||x_i - x_j||) X: sqrt(0) at i = j has a NaN derivative at every state."""
    d = ((X[:, None, :] - X[None, :, :]) ** 2).sum(-1).sqrt()
    return torch.softmax(-d, dim=-1) @ X


def _itrsa(norm="rms", **kw):
    return sd.ItrSA(8, 2, norm=norm, dtype=F64, generator=torch.Generator().manual_seed(0), **kw)


# --------------------------------------------------------------------------- 1. non-finite Jacobians
NAN_JACOBIAN = r"Jacobian of `f`.*NaN or inf"
_NAN_MAPS = {
    "sqrt_abs_at_0": (sqrt_abs, lambda: torch.zeros(3, dtype=F64)),
    "distance_attention": (distance_attention, lambda: _x(5, 4)),
}
_DOORS = {
    "jacobian": lambda f, x: sd.jacobian(f, x),
    "jvp": lambda f, x: sd.jvp(f, x, torch.ones_like(x)),
    "vjp": lambda f, x: sd.vjp(f, x, torch.ones_like(x)),
    "spectral_norm": lambda f, x: sd.spectral_norm(f, x),
    "spectral_norm_exact": lambda f, x: sd.spectral_norm(f, x, exact=True),
    "contribution_index": lambda f, x: sd.contribution_index(f, x),
    "lyapunov_spectrum": lambda f, x: sd.lyapunov_spectrum(f, x, steps=5),
    "lyapunov_spectrum_jvp": lambda f, x: sd.lyapunov_spectrum(f, x, steps=5, method="jvp"),
    "finite_time_lyapunov": lambda f, x: sd.finite_time_lyapunov(f, x, horizon=4),
    "finite_time_volume": lambda f, x: sd.finite_time_volume(f, x, horizon=4),
    "TangentMap.prepare": lambda f, x: sd.TangentMap(f).prepare(x),
}


@pytest.mark.parametrize("door", sorted(_DOORS))
@pytest.mark.parametrize("case", sorted(_NAN_MAPS))
def test_nan_jacobian_is_refused_at_every_door(door, case):
    f, x = _NAN_MAPS[case]
    with pytest.raises(ValueError, match=NAN_JACOBIAN):
        _DOORS[door](f, x())


_CRASH = """
import torch, sadyn as sd
def distance_attention(X):
    d = ((X[:, None, :] - X[None, :, :]) ** 2).sum(-1).sqrt()
    return torch.softmax(-d, dim=-1) @ X
cases = {{"sqrt": (lambda x: x.abs().sqrt(), torch.zeros(3, dtype=torch.float64)),
         "distance": (distance_attention, torch.randn(5, 4, dtype=torch.float64))}}
f, x = cases[{case!r}]
try:
    sd.eigenvalues(f, x{extra})
except ValueError as err:
    print("REFUSED:", err)
"""


@pytest.mark.parametrize("case", ["sqrt", "distance"])
@pytest.mark.parametrize("extra", ["", ", k=2"])
def test_eigenvalues_of_a_nan_jacobian_do_not_kill_the_process(case, extra):
    # Before: oneMKL "Parameter 3 was incorrect on entry to DGEBAL", then a segfault. Run in a subprocess.
    code = textwrap.dedent(_CRASH.format(case=case, extra=extra))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "REFUSED:" in out.stdout and "NaN or inf" in out.stdout


def test_nan_jacobian_later_on_a_finite_orbit_is_a_clear_error_in_finite_time():
    # x -> |x - 1/2|^(1/2) from 3/4: x_1 = 1/2 exactly, where the derivative is infinite (the state stays finite).
    def f(x):
        return (x - 0.5).abs().sqrt()

    with pytest.raises(ValueError, match=r"Jacobian of `f` has NaN or inf entries at step 1 of the orbit"):
        sd.finite_time_lyapunov(f, torch.tensor([0.75], dtype=F64), horizon=4)


# --------------------------------------------------------------------------- 2. zero tokens under a normalization
_ZERO_MODELS = {
    "itrsa_rms": lambda: _itrsa("rms"),
    "itrsa_sphere": lambda: _itrsa("sphere"),
    "itrsa_layer": lambda: _itrsa("layer"),
    "akorn": lambda: sd.AKOrN(8, 2, oscillator_dim=2, dtype=F64, generator=torch.Generator().manual_seed(0)),
    "energy_sa": lambda: sd.EnergySA(8, dtype=F64, generator=torch.Generator().manual_seed(0)),
    "toy": lambda: sd.OscillatorToy(4, dtype=F64),
}
_ZERO_DOORS = {
    "lyapunov_spectrum": lambda f, x: sd.lyapunov_spectrum(f, x, steps=5),
    "finite_time_lyapunov": lambda f, x: sd.finite_time_lyapunov(f, x, horizon=4),
    "finite_time_volume": lambda f, x: sd.finite_time_volume(f, x, horizon=4),
    "spectral_norm": lambda f, x: sd.spectral_norm(f, x),
    "eigenvalues": lambda f, x: sd.eigenvalues(f, x),
}


@pytest.mark.parametrize("door", sorted(_ZERO_DOORS))
@pytest.mark.parametrize("model", sorted(_ZERO_MODELS))
def test_zero_tokens_under_a_normalization_are_bad_input(model, door):
    m = _ZERO_MODELS[model]()
    X = torch.zeros(3, m.dim, dtype=F64)
    with pytest.raises(ValueError, match="zero norm"):
        _ZERO_DOORS[door](m.as_map(), X)


def test_zero_state_with_an_input_is_fine_and_unnormalized_zero_is_fine():
    m = _itrsa("rms")
    C = _x(3, 8)
    spec = sd.lyapunov_spectrum(m.as_map(C), torch.zeros(3, 8, dtype=F64), steps=5, constraint="sphere")
    assert spec.status == "ok" and spec.max < 5  # not ln(1e12) = 28
    assert sd.spectral_norm(_itrsa(None).as_map(), torch.zeros(3, 8, dtype=F64)) < 10


# --------------------------------------------------------------------------- 3. huge but finite Jacobians
@pytest.mark.parametrize(
    "scale, dtype", [(1e200, F64), (1e160, F64), (1e300, F64), (1e20, torch.float32), (1e30, torch.float32)]
)
def test_spectral_norm_of_huge_jacobians_is_finite_and_right(scale, dtype):
    x = _x(6, dtype=dtype)
    got = sd.spectral_norm(lambda v: scale * v, x)
    assert abs(got / scale - 1) < 1e-4


def test_spectral_norm_of_a_scaled_matrix_keeps_its_value():
    A = _x(6, 6)
    want = float(torch.linalg.matrix_norm(A, 2))
    got = sd.spectral_norm(lambda v: 1e180 * (A @ v), _x(6, seed=1))
    assert abs(got / 1e180 / want - 1) < 1e-6


# --------------------------------------------------------------------------- 4. caller assertions, checked
def _grow(x):
    return 2 * x


_CONSTRAINT_CASES = {
    "sphere_on_2x": (_grow, lambda: _x(3, 4), "sphere", None, "does not normalize"),
    "layer_on_2x": (_grow, lambda: _x(3, 4), "layer", None, "does not normalize"),
    "sphere_on_unnormalized_itrsa": (lambda: _itrsa(None).as_map(), lambda: _x(3, 8), "sphere", None, "normalization is None"),
    "layer_on_rms_itrsa": (lambda: _itrsa("rms").as_map(), lambda: _x(3, 8), "layer", None, "pass constraint=\"sphere\""),
    "sphere_on_layer_itrsa": (lambda: _itrsa("layer").as_map(), lambda: _x(3, 8), "sphere", None, "constraint=\"layer\""),
    "wrong_group": (lambda: _itrsa("rms").as_map(), lambda: _x(3, 8), "sphere", 4, "does not match"),
    "sphere_on_unnormalized_toy": (lambda: sd.OscillatorToy(4, normalize=False, dtype=F64).as_map(), lambda: _x(2, 4), "sphere", None, "normalization is None"),
    "sphere_on_rotation": (lambda: (lambda x: x @ torch.tensor([[0.0, 1.0], [-1.0, 0.0]], dtype=F64) * 1.1), lambda: _x(3, 2), "sphere", None, "does not normalize"),
}  # fmt: skip


@pytest.mark.parametrize("door", ["lyapunov_spectrum", "finite_time_lyapunov", "finite_time_volume"])
@pytest.mark.parametrize("case", sorted(_CONSTRAINT_CASES))
def test_a_constraint_the_map_does_not_satisfy_is_refused(case, door):
    make, x, constraint, group, match = _CONSTRAINT_CASES[case]
    f = make() if make is not _grow else _grow
    with pytest.raises(ValueError, match=match):
        if door == "lyapunov_spectrum":
            sd.lyapunov_spectrum(f, x(), steps=5, constraint=constraint, group=group)
        elif door == "finite_time_lyapunov":
            sd.finite_time_lyapunov(f, x(), horizon=4, constraint=constraint, group=group)
        else:
            sd.finite_time_volume(f, x(), horizon=4, constraint=constraint, group=group)


def test_true_constraints_still_pass():
    from sadyn.norms import layer_norm, sphere_project

    A = _x(4, 4)
    for f, c in ((lambda x: sphere_project(x @ A), "sphere"), (lambda x: 3.0 * layer_norm(x @ A), "layer")):
        assert sd.lyapunov_spectrum(f, _x(3, 4, seed=2), steps=5, constraint=c).status == "ok"
    assert sd.lyapunov_spectrum(_itrsa("rms").as_map(), _x(3, 8), steps=5, constraint="sphere").status == "ok"


def _henon_jac_wrong_sign(x):
    return -Henon().jacobian(x)


_JAC_CASES = {
    "sign_flipped": (_henon_jac_wrong_sign, ValueError, "disagrees"),
    "transposed": (lambda x: Henon().jacobian(x).T, ValueError, "disagrees"),
    "wrong_shape": (lambda x: torch.zeros(3, 3, dtype=F64), ValueError, r"\(2, 2\) Jacobian"),
    "not_a_tensor": (lambda x: [[1.0, 0.0], [0.0, 1.0]], TypeError, "must return a torch.Tensor"),
    "raises": (lambda x: x.foo(), TypeError, "`jac` failed"),
    "wrong_dtype": (lambda x: Henon().jacobian(x).float(), TypeError, "dtype"),
}


@pytest.mark.parametrize("case", sorted(_JAC_CASES))
def test_a_wrong_hand_written_jacobian_is_refused(case):
    jac, kind, match = _JAC_CASES[case]
    with pytest.raises(kind, match=match):
        sd.lyapunov_spectrum(Henon(), Henon().initial_state(), steps=5, jac=jac)


def test_the_right_hand_written_jacobian_passes():
    h = Henon()
    spec = sd.lyapunov_spectrum(h, h.initial_state(), steps=2000, transient=100, jac=h.jacobian)
    assert abs(spec.exponents.sum() - h.exponent_sum()) < 1e-10


_COUPLED = {
    "mean_field": lambda x: torch.tanh(x + x.mean(0)),
    "roll": lambda x: 0.9 * torch.roll(x, 1, dims=0),
    "batch_norm": lambda x: (x - x.mean(0)) / x.std(0),
}


@pytest.mark.parametrize("door", ["lyapunov_spectrum", "finite_time_lyapunov", "finite_time_volume", "jacobian"])
@pytest.mark.parametrize("case", sorted(_COUPLED))
def test_batch_true_with_a_coupling_map_is_refused(case, door):
    f, x = _COUPLED[case], _x(4, 3)
    with pytest.raises(ValueError, match="couples"):
        if door == "lyapunov_spectrum":
            sd.lyapunov_spectrum(f, x, steps=5, batch=True)
        elif door == "finite_time_lyapunov":
            sd.finite_time_lyapunov(f, x, horizon=3, batch=True)
        elif door == "finite_time_volume":
            sd.finite_time_volume(f, x, horizon=3, batch=True)
        else:
            sd.jacobian(f, x, batch=True)


def test_batch_true_with_per_system_parameters_passes():
    r = torch.linspace(3.5, 4.0, 5, dtype=F64)
    spec = sd.lyapunov_spectrum(Logistic(r), torch.full((5, 1), 0.3, dtype=F64), steps=50, batch=True)
    assert spec.exponents.shape == (5, 1)


# --------------------------------------------------------------------------- 5. mismatches on the cheap paths
def _as_map_cases():
    m = _itrsa("rms")
    C = _x(3, 8)
    return {
        "float32_state": (m.as_map(C), _x(3, 8, dtype=torch.float32), TypeError, "float32.*model's parameters"),
        "other_token_count": (m.as_map(C), _x(5, 8), ValueError, r"S = 3 tokens"),
        "wrong_dim": (m.as_map(C), _x(3, 6), ValueError, "trailing dimension D=8"),
        "no_token_axis": (m.as_map(), _x(8), ValueError, r"shape \(\.\.\., S, D\)"),
        "int_state": (m.as_map(), torch.zeros(3, 8, dtype=torch.int64), TypeError, "floating dtype"),
    }


@pytest.mark.parametrize("door", ["jacobian", "spectral_norm", "lyapunov_spectrum", "eigenvalues"])
@pytest.mark.parametrize("case", sorted(_as_map_cases()))
def test_as_map_at_a_mismatched_state_names_the_problem(case, door):
    f, x, kind, match = _as_map_cases()[case]
    call = {
        "jacobian": lambda: sd.jacobian(f, x),
        "spectral_norm": lambda: sd.spectral_norm(f, x),
        "lyapunov_spectrum": lambda: sd.lyapunov_spectrum(f, x, steps=3),
        "eigenvalues": lambda: sd.eigenvalues(f, x),
    }[door]
    with pytest.raises(kind, match=match):
        call()


@pytest.mark.parametrize("fn", ["prop51_bound", "pseudo_energy"])
@pytest.mark.parametrize(
    "case",
    [
        ("float32_X", lambda: (_x(3, 8, dtype=torch.float32), None), TypeError, "float32"),
        ("float32_C", lambda: (_x(3, 8), _x(3, 8, dtype=torch.float32)), TypeError, "dtype and device"),
        ("C_shape", lambda: (_x(3, 8), _x(4, 8)), ValueError, "same shape"),
        ("list_X", lambda: ([[0.0] * 8] * 3, None), TypeError, "torch.Tensor"),
        ("nan_X", lambda: (torch.full((3, 8), float("nan"), dtype=F64), None), ValueError, "NaN or inf"),
    ],
    ids=lambda c: c[0] if isinstance(c, tuple) else c,
)
def test_model_tools_check_dtype_and_shape(fn, case):
    _, make, kind, match = case
    X, C = make()
    with pytest.raises(kind, match=match):
        getattr(sd, fn)(_itrsa("rms"), X, C)


@pytest.mark.parametrize(
    "v, kind, match",
    [
        (torch.zeros(0, 6, dtype=F64), ValueError, "no tangent vectors"),
        (torch.zeros(0, 2, 3, dtype=F64), ValueError, "no tangent vectors"),
        (torch.zeros(2, 3, dtype=torch.float32), TypeError, "dtype and device"),
        (torch.zeros(7, dtype=F64), ValueError, "must have the shape of x"),
        ("v", TypeError, "torch.Tensor"),
    ],
)
@pytest.mark.parametrize("door", ["jvp", "vjp"])
def test_tangent_mismatches(door, v, kind, match):
    with pytest.raises(kind, match=match):
        getattr(sd, door)(torch.tanh, _x(2, 3), v)


def test_zero_valued_tangents_give_zero():
    assert torch.equal(sd.jvp(torch.tanh, _x(2, 3), torch.zeros(2, 3, dtype=F64)), torch.zeros(2, 3, dtype=F64))


# --------------------------------------------------------------------------- 6. wrong kinds of arguments
_X = _x(4)
_KIND_CASES = {
    "steps_true": (lambda: sd.lyapunov_spectrum(torch.tanh, _X, steps=True), TypeError, "`steps` must be an integer"),
    "steps_str": (lambda: sd.lyapunov_spectrum(torch.tanh, _X, steps="10"), TypeError, "`steps` must be an integer"),
    "steps_float": (lambda: sd.lyapunov_spectrum(torch.tanh, _X, steps=2.5), ValueError, "`steps` must be an integer"),
    "transient_none": (lambda: sd.lyapunov_spectrum(torch.tanh, _X, steps=3, transient=None), TypeError, "`transient`"),
    "k_true": (lambda: sd.lyapunov_spectrum(torch.tanh, _X, steps=3, k=True), TypeError, "`k` must be an integer"),
    "k_str": (lambda: sd.lyapunov_spectrum(torch.tanh, _X, steps=3, k="2"), TypeError, "`k` must be an integer"),
    "k_float": (lambda: sd.lyapunov_spectrum(torch.tanh, _X, steps=3, k=1.5), ValueError, "`k` must be an integer"),
    "seed_str": (lambda: sd.lyapunov_spectrum(torch.tanh, _X, steps=3, seed="a"), TypeError, "`seed` must be an integer"),
    "seed_negative": (lambda: sd.lyapunov_spectrum(torch.tanh, _X, steps=3, seed=-1), ValueError, "`seed` must be an integer >= 0"),
    "dt_str": (lambda: sd.lyapunov_spectrum(torch.tanh, _X, steps=3, dt="0.1"), TypeError, "`dt` must be a number"),
    "dt_true": (lambda: sd.lyapunov_spectrum(torch.tanh, _X, steps=3, dt=True), TypeError, "`dt` must be a number"),
    "batch_yes": (lambda: sd.lyapunov_spectrum(torch.tanh, _x(2, 2), steps=3, batch="yes"), TypeError, "`batch` must be True or False"),
    "progress_str": (lambda: sd.lyapunov_spectrum(torch.tanh, _X, steps=3, show_progress="no"), TypeError, "`show_progress`"),
    "method_none": (lambda: sd.lyapunov_spectrum(torch.tanh, _X, steps=3, method=None), ValueError, "`method` must be one of"),
    "constraint_true": (lambda: sd.lyapunov_spectrum(torch.tanh, _X, steps=3, constraint=True), ValueError, "`constraint` must be one of"),
    "group_float": (lambda: sd.lyapunov_spectrum(torch.tanh, _x(2, 4), steps=3, constraint="sphere", group=2.0), ValueError, "`group`"),
    "horizon_true": (lambda: sd.finite_time_lyapunov(torch.tanh, _X, horizon=True), TypeError, "`horizon` must be an integer"),
    "horizon_float": (lambda: sd.finite_time_lyapunov(torch.tanh, _X, horizon=2.5), ValueError, "`horizon` must be an integer"),
    "ftle_batch_str": (lambda: sd.finite_time_lyapunov(torch.tanh, _x(2, 2), batch="yes"), TypeError, "`batch`"),
    "tol_str": (lambda: sd.spectral_norm(torch.tanh, _X, tol="x"), TypeError, "`tol` must be a number"),
    "tol_zero": (lambda: sd.spectral_norm(torch.tanh, _X, tol=0), ValueError, "`tol` must be a finite number > 0"),
    "iters_true": (lambda: sd.spectral_norm(torch.tanh, _X, iters=True), TypeError, "`iters` must be an integer"),
    "exact_str": (lambda: sd.spectral_norm(torch.tanh, _X, exact="yes"), TypeError, "`exact`"),
    "eig_tol_str": (lambda: sd.eigenvalues(torch.tanh, _X, tol="x"), TypeError, "`tol` must be a number"),
    "eig_k_str": (lambda: sd.eigenvalues(torch.tanh, _X, k="all"), TypeError, "`k` must be an integer"),
    "eig_seed_float": (lambda: sd.eigenvalues(torch.tanh, _X, seed=0.5), ValueError, "`seed` must be an integer"),
    "fraction_true": (lambda: sd.contribution_index(torch.tanh, _X, fraction=True), TypeError, "`fraction` must be a number"),
    "fraction_str": (lambda: sd.contribution_index(torch.tanh, _X, fraction="0.1"), TypeError, "`fraction` must be a number"),
    "fraction_zero": (lambda: sd.contribution_index(torch.tanh, _X, fraction=0), ValueError, r"`fraction` must be a number in \(0, 1\]"),
    "jacobian_batch_str": (lambda: sd.jacobian(torch.tanh, _x(2, 2), batch="no"), TypeError, "`batch`"),
    "prop51_exact_str": (lambda: sd.prop51_bound(_itrsa(), _x(3, 8), exact="no"), TypeError, "`exact`"),
    "classify_tol_str": (lambda: sd.classify_regime(0.1, tol="x"), TypeError, "`tol` must be a number"),
    "classify_true": (lambda: sd.classify_regime(True), TypeError, "`exponents` must be"),
    "classify_orbit_list": (lambda: sd.classify_regime(0.1, orbit=[1, 2, 3]), TypeError, "`orbit` must be"),
    "tangentmap_method": (lambda: sd.TangentMap(torch.tanh, method="qr"), ValueError, "`method` must be one of"),
    "tangentmap_batch": (lambda: sd.TangentMap(torch.tanh, batch="yes"), TypeError, "`batch`"),
    "x_list": (lambda: sd.jacobian(torch.tanh, [1.0, 2.0]), TypeError, "torch.Tensor"),
    "x_int": (lambda: sd.jacobian(torch.tanh, torch.arange(3)), TypeError, "floating dtype"),
    "x_nan": (lambda: sd.jacobian(torch.tanh, torch.tensor([float("nan")], dtype=F64)), ValueError, "NaN or inf"),
    "x_empty": (lambda: sd.jacobian(torch.tanh, torch.zeros(0, dtype=F64)), ValueError, "at least one entry"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(_KIND_CASES))
def test_wrong_kinds_of_arguments_name_the_argument(case):
    call, kind, match = _KIND_CASES[case]
    with pytest.raises(kind, match=match):
        call()


_CLASSES = {"ItrSA": sd.ItrSA, "Henon": Henon, "Lorenz": Lorenz, "AKOrN": sd.AKOrN}
_CLASS_DOORS = {
    "jacobian": lambda f: sd.jacobian(f, _x(3, 8)),
    "jvp": lambda f: sd.jvp(f, _x(3, 8), _x(3, 8)),
    "spectral_norm": lambda f: sd.spectral_norm(f, _x(3, 8)),
    "eigenvalues": lambda f: sd.eigenvalues(f, _x(3, 8)),
    "lyapunov_spectrum": lambda f: sd.lyapunov_spectrum(f, _x(3, 8), steps=3),
    "finite_time_lyapunov": lambda f: sd.finite_time_lyapunov(f, _x(3, 8)),
    "finite_time_volume": lambda f: sd.finite_time_volume(f, _x(3, 8)),
    "contribution_index": lambda f: sd.contribution_index(f, _x(3, 8)),
    "TangentMap": lambda f: sd.TangentMap(f),
}


@pytest.mark.parametrize("door", sorted(_CLASS_DOORS))
@pytest.mark.parametrize("cls", sorted(_CLASSES))
def test_a_class_where_a_map_is_expected(cls, door):
    with pytest.raises(TypeError, match=rf"got the class {cls} itself"):
        _CLASS_DOORS[door](_CLASSES[cls])


@pytest.mark.parametrize("fn", ["prop51_bound", "pseudo_energy"])
def test_a_model_class_where_a_model_is_expected(fn):
    with pytest.raises(TypeError, match="class ItrSA"):
        getattr(sd, fn)(sd.ItrSA, _x(3, 8))


@settings(max_examples=25, deadline=None)
@given(bad=st.one_of(st.text(max_size=5), st.booleans(), st.none(), st.lists(st.integers(), max_size=2)))
def test_hypothesis_non_numbers_for_counts_and_tolerances(bad):
    for call, name in (
        (lambda: sd.lyapunov_spectrum(torch.tanh, _X, steps=bad), "steps"),
        (lambda: sd.finite_time_lyapunov(torch.tanh, _X, horizon=bad), "horizon"),
        (lambda: sd.spectral_norm(torch.tanh, _X, tol=bad if bad is not None else "none"), "tol"),
        (lambda: sd.classify_regime(0.0, tol=bad if bad is not None else "none"), "tol"),
    ):
        with pytest.raises(TypeError, match=f"`{name}`"):
            call()


@settings(max_examples=25, deadline=None)
@given(
    v=st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6).filter(
        lambda v: not v.is_integer()
    )
)
def test_hypothesis_non_integral_floats_for_counts(v):
    with pytest.raises(ValueError, match="`steps` must be an integer"):
        sd.lyapunov_spectrum(torch.tanh, _X, steps=v)


# --------------------------------------------------------------------------- 7. exploding versus chaotic
def test_unnormalized_itrsa_is_exploding_not_chaotic():
    m = sd.ItrSA(16, 2, norm=None, dtype=F64, generator=torch.Generator().manual_seed(0))
    X0 = _x(8, 16)
    spec = sd.lyapunov_spectrum(m.as_map(_x(8, 16, seed=1)), X0, steps=120, k=2)
    assert spec.orbit_growth > 1.5 and not spec.bounded
    assert sd.classify_regime(spec) == "exploding"
    traj = m.rollout(X0, _x(8, 16, seed=1), steps=120)
    assert sd.classify_regime(float(spec.max), orbit=traj) == "exploding"


@pytest.mark.parametrize(
    "system, x0, want",
    [
        (Lorenz(), torch.tensor([1.0, 1.0, 1.0], dtype=F64), "chaotic"),
        (Henon(), Henon().initial_state(), "chaotic"),
        (Logistic(4.0), torch.tensor([0.3], dtype=F64), "chaotic"),
        (Logistic(2.8), torch.tensor([0.3], dtype=F64), "convergent"),
    ],
    ids=["lorenz", "henon", "logistic4", "logistic2.8"],
)
def test_bounded_chaos_stays_chaotic(system, x0, want):
    spec = sd.lyapunov_spectrum(system, x0, steps=3000, transient=200, k=1, dt=getattr(system, "dt", 1.0))
    assert spec.bounded and sd.classify_regime(spec, tol=0.01) == want


def test_exploding_in_a_batch_and_for_finite_time():
    f = lambda x: x * torch.tensor([[2.0], [0.5]], dtype=F64)  # noqa: E731 - system 0 grows, system 1 decays
    spec = sd.lyapunov_spectrum(f, torch.ones(2, 1, dtype=F64), steps=50, batch=True)
    assert sd.classify_regime(spec) == ("exploding", "convergent")
    ftle = sd.finite_time_lyapunov(lambda x: 1.5 * x, torch.ones(3, dtype=F64), horizon=16)
    assert sd.classify_regime(ftle) == "exploding"


def test_a_reused_tangent_map_checks_each_new_state():
    tm = sd.TangentMap(_itrsa("rms").as_map(), constraint="sphere")
    assert sd.lyapunov_spectrum(tm, _x(3, 8), steps=3).status == "ok"
    with pytest.raises(ValueError, match="zero norm"):
        sd.lyapunov_spectrum(tm, torch.zeros(3, 8, dtype=F64), steps=3)
