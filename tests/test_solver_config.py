"""One source of truth: ModelConfig feeds the solver, TrainConfig, the CLI flags and the checkpoints; a Sudoku
dynamics is one registry entry; old module paths still import (with a DeprecationWarning); no import cycles."""

from __future__ import annotations

import importlib
import inspect
import math
import shlex
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import pytest
import torch
from problems import TINY_TRAINING

import sadyn
from sadyn.cli import build_parser, main
from sadyn.dynamics import SUDOKU_DYNAMICS, ItrSA, SudokuDynamics, register_sudoku_dynamics
from sadyn.solver import ModelConfig, SudokuSolver, TrainConfig, load_checkpoint, load_model, train
from sadyn.solver.progress import Progress
from sadyn.solver.regularizers import REGULARIZERS
from sadyn.sudoku import generate

ROOT = Path(__file__).resolve().parents[1]
TINY = dict(
    TINY_TRAINING,
    epochs=1,
    train_size=64,
    val_size=32,
    lr=1e-3,
)


# ------------------------------------------------------------------------------------------ one source of defaults
def test_solver_signature_defaults_are_the_model_config_defaults():
    params = inspect.signature(SudokuSolver.__init__).parameters
    assert [f.name for f in fields(ModelConfig)] == [p for p in params if p != "self"]
    for f in fields(ModelConfig):
        assert params[f.name].default == f.default, f.name
        assert f.metadata["help"], f"{f.name} has no help text"


def test_solver_from_a_config_equals_from_keywords():
    config = ModelConfig(dim=16, heads=2, size=4, dynamics="akorn", seed=3)
    a, b = SudokuSolver(config), SudokuSolver(16, 2, size=4, dynamics="akorn", seed=3)
    assert a.config() == b.config() == SudokuSolver.from_config(a.config()).config()
    assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values(), strict=True))
    assert a.config()["norm"] == "sphere" and a.config()["gamma"] == 1.0  # resolved from the registry
    assert dict(config)["dim"] == 16 and SudokuSolver(**config).config() == a.config()  # a read-only mapping


def test_train_config_takes_a_model_config_and_stores_the_completed_dict():
    model = ModelConfig(dim=8, heads=2, size=4, dynamics="akorn")
    config = TrainConfig(**{**TINY, "model": model, "seed": 4})
    assert config == TrainConfig(**{**TINY, "model": {"dim": 8, "heads": 2, "size": 4, "dynamics": "akorn"}, "seed": 4})
    assert "seed" not in config.model and config.model["norm"] == "default" and config.model["omega"] == 0.5
    assert config.model_config == ModelConfig(dim=8, heads=2, size=4, dynamics="akorn", seed=4)


def test_every_config_field_is_a_cli_flag_with_its_default_shown(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for f in fields(ModelConfig):
        if f.name != "seed":  # TrainConfig.seed seeds the weights
            assert f"--{f.name.replace('_', '-')}" in text, f.name
    for f in fields(TrainConfig):
        if f.name != "model":
            assert f"--{f.name.replace('_', '-')}" in text, f.name
    assert "D, token dimension (default: 128)" in text and "(default: 0.995)" in text
    for name in REGULARIZERS:
        assert name in text


@pytest.mark.parametrize(
    "change", [{"model": {"dim": 8, "heads": 1, "size": 4, "dynamics": "energy"}}, {"regularizer": "e_multi"}]
)
def test_to_argv_from_argv_round_trip(change):
    config = TrainConfig(**{**TINY, **change})
    assert TrainConfig.from_argv(config.to_argv()) == config
    assert TrainConfig.from_argv(["sadyn", "train", "--out", "runs/x", *config.to_argv()]) == config


def test_every_shipped_checkpoint_loads_unchanged_and_its_command_rebuilds_its_config():
    from sadyn.solver.pretrained import _manifest, pretrained_path

    entries = _manifest()["models"]
    assert entries, "the manifest lists the shipped checkpoints"
    for name, entry in entries.items():
        if not entry["file"]:  # a stage shipped as its record alone: its command still parses, its weights are named
            assert (
                TrainConfig.from_argv(shlex.split(entry["command"])).epochs >= 1 and len(entry["weights_sha256"]) == 64
            )
            continue
        ckpt = load_checkpoint(pretrained_path(name))
        assert TrainConfig.from_argv(shlex.split(entry["command"])) == TrainConfig.from_dict(ckpt["config"]), name
        model = sadyn.load_pretrained(name)
        assert model.config() == ckpt["model_config"], name
        Progress.from_dict(ckpt["progress"])  # the progress dicts of sadyn 0.1 read back


def test_progress_reads_old_dicts_and_writes_them_back():
    old = {"epoch": 3, "batch": 2, "update": 50, "elapsed_s": 1.5, "noise_rng": None, "sums": [1.0, 0.5, 2, 1]}
    p = Progress.from_dict(old)
    assert (p.epoch, p.batch, p.stats.batches, p.stats.nonfinite) == (3, 2, 2, 1)
    assert p.to_dict() == old
    assert "sums" not in Progress.from_dict({**old, "batch": 0}).to_dict()  # epoch boundary: no running sums


# ------------------------------------------------------------------------------------------ integer checks
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"readout_features": 0}, "`readout_features` must be an integer >= 1"),
        ({"dim": 16.9}, "`dim` must be an integer"),
        ({"heads": True}, "`heads` must be an integer"),
        ({"group": 0}, "`group` must be an integer >= 1"),
        ({"dynamics": "transformer"}, "`dynamics` must be one of"),
        ({"gamma": -1.0}, "`gamma` must be a finite number > 0"),
    ],
)
def test_model_config_refuses_bad_values(kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        SudokuSolver(**{"dim": 16, "heads": 2, "size": 4, **kwargs})


def test_counts_refuse_bools_and_non_integers():
    model, (puzzles, _) = SudokuSolver(8, 2, size=4), generate(2, size=4, seed=0)
    for call in (
        lambda: model.solve(puzzles, steps=True),
        lambda: model.solve_at(puzzles, steps=(2, True)),
        lambda: model.solve_at(puzzles, steps=(2,), restarts=2.0),
        lambda: TrainConfig(**{**TINY, "steps": True}),
        lambda: TrainConfig(**{**TINY, "train_size": 0}),
    ):
        with pytest.raises(ValueError, match="must be an integer"):
            call()


def test_cli_eval_refuses_a_negative_limit(capsys):
    with pytest.raises(SystemExit):
        main(["eval", "itrsa4-rms", "--limit", "-1"])
    assert "must be an integer >= 1, got -1" in capsys.readouterr().err


# ------------------------------------------------------------------------------------------ registries
class _Relax(ItrSA):
    """A dummy Sudoku dynamics: half a step of ItrSA, X_{t+1} = Norm((X + ItrSA(X)) / 2)."""

    def _step(self, X, C):
        return self.norm(0.5 * (X + super()._step(X, C)))


def test_a_new_sudoku_dynamics_is_one_registry_entry(tmp_path, capsys):
    entry = SudokuDynamics(
        build=lambda c, g: _Relax(c.dim, c.heads, norm=c.norm, gamma=c.gamma, eta=c.eta, generator=g),
        norms=("rms",),
        state_rms=lambda c: c.gamma / math.sqrt(c.dim),
        default_gamma=lambda c: math.sqrt(c.dim),
        help="half-step ItrSA (test dummy)",
    )
    register_sudoku_dynamics("relax", entry)
    try:
        with pytest.raises(ValueError, match="new non-empty string"):
            register_sudoku_dynamics("relax", entry)
        config = TrainConfig(**{**TINY, "model": {"dim": 8, "heads": 2, "size": 4, "dynamics": "relax"}})
        result = train(config, tmp_path / "lib", show_progress=False)
        model = load_model(result.last)
        assert isinstance(model.block, _Relax) and model.config()["norm"] == "rms"
        answers = model.solve(generate(3, size=4, seed=5)[0], steps=4, restarts=2)
        assert answers.shape == (3, 4, 4) and answers.min() >= 1
        with pytest.raises(ValueError, match=r"`norm` must be one of \('rms',\) for dynamics='relax'"):
            SudokuSolver(8, 2, size=4, dynamics="relax", norm="sphere")
        # the CLI sees it: in the choices of --dynamics and as a working value
        with pytest.raises(SystemExit):
            main(["train", "--help"])
        assert "relax" in capsys.readouterr().out
        out = tmp_path / "cli"
        argv = ["train", "--out", str(out), "--size", "4", "--dim", "8", "--heads", "2", "--dynamics", "relax"]
        argv += ["--steps", "2", "--epochs", "1", "--train-size", "64", "--val-size", "32", "--quiet"]
        assert main(argv) == 0
        assert load_checkpoint(out / "last.pt")["model_config"]["dynamics"] == "relax"
    finally:
        SUDOKU_DYNAMICS.pop("relax", None)
    assert "relax" not in build_parser("train").format_help()


def test_regularizer_registry_is_read_by_config_and_loop():
    from sadyn.solver.regularizers import Regularizer, register_regularizer

    register_regularizer("l2", Regularizer(lambda m: sum(p.pow(2).sum() for p in m.parameters()), "weight decay"))
    try:
        config = TrainConfig(**{**TINY, "regularizer": "l2", "reg_weight": 1e-3})
        assert TrainConfig.from_argv(config.to_argv()) == config
        with pytest.raises(ValueError, match="is for single-head models"):
            TrainConfig(**{**TINY, "regularizer": "e_single"})
    finally:
        REGULARIZERS.pop("l2")
    with pytest.raises(ValueError, match="`regularizer` must be None or one of"):
        TrainConfig(**{**TINY, "regularizer": "l2"})


# ------------------------------------------------------------------------------------------ layout and old paths
OLD_PATHS = {
    "sadyn.models": ("sadyn.solver.model", "SudokuSolver"),
    "sadyn.regularizers": ("sadyn.solver.regularizers", "spectral_regularizer"),
    "sadyn.pretrained": ("sadyn.solver.pretrained", "load_pretrained"),
    "sadyn.training": ("sadyn.solver", "train"),
    "sadyn.training.loop": ("sadyn.solver.train", "train"),
    "sadyn.training.config": ("sadyn.solver.config", "TrainConfig"),
    "sadyn.training.checkpoint": ("sadyn.solver.checkpoint", "load_model"),
    "sadyn.training.evaluate": ("sadyn.solver.evaluate", "evaluate"),
    "sadyn.training.cli": ("sadyn.cli.train", "run_train"),
}


@pytest.mark.parametrize("old", OLD_PATHS)
def test_old_module_paths_import_with_a_deprecation_warning(old, monkeypatch):
    new, name = OLD_PATHS[old]
    for key in [k for k in sys.modules if k == old or k.startswith(old + ".")]:
        monkeypatch.delitem(sys.modules, key)
    with pytest.warns(DeprecationWarning, match=rf"{old} is deprecated .* {new}"):
        module = importlib.import_module(old)
    assert getattr(module, name) is getattr(importlib.import_module(new), name)


def test_flat_names_and_new_paths_import_without_warnings():
    code = (
        "import sadyn as sd, sadyn.solver, sadyn.cli, sadyn.cli.train, sadyn.parametrize\n"
        "names = ['SudokuSolver', 'train', 'TrainConfig', 'ModelConfig', 'evaluate', 'load_model', "
        "'load_pretrained', 'pretrained_models', 'pretrained_info', 'spectral_regularizer', "
        "'energy_single_regularizer', 'energy_multi_regularizer']\n"
        "assert all(getattr(sd, n) is getattr(sadyn.solver, n) for n in names)\n"
        "sd.load_pretrained('itrsa4-rms')\n"
    )
    subprocess.run([sys.executable, "-W", "error::DeprecationWarning", "-c", code], check=True, cwd=ROOT)


def test_the_library_never_imports_the_cli():
    code = (
        "import sys, sadyn, sadyn.solver, sadyn.solver.train\n"
        "assert not [m for m in sys.modules if m.startswith('sadyn.cli')], 'the library imported the CLI'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_my_modules_stay_under_400_lines():
    roots = ["sadyn/solver", "sadyn/cli", "sadyn/parametrize.py", "sadyn/dynamics/__init__.py", "sadyn/training"]
    files = [p for r in roots for p in ((ROOT / r).rglob("*.py") if (ROOT / r).is_dir() else [ROOT / r])]
    assert files
    long = {str(p.relative_to(ROOT)): n for p in files if (n := len(p.read_text().splitlines())) > 400}
    assert not long, long
