"""The CLI contract, case by case: every bad input is `sadyn <command>: error: <what and how to fix>` on stderr,
exit status 2, the argument named, no traceback, and nothing computed first.

Each case runs in-process (fast) and, in the slow suite, as `python -m sadyn ...` in a subprocess (what a user
sees, interpreter start-up included). A few cases run as subprocesses in the fast suite too.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from sadyn.cli import main

REPO = Path(__file__).resolve().parents[1]
CKPT = REPO / "sadyn" / "solver" / "pretrained" / "itrsa4-rms.pt"
TRAIN = ["--size", "4", "--dim", "8", "--heads", "2", "--steps", "1", "--epochs", "1", "--train-size", "16"]
TRAIN += ["--val-size", "4", "--quiet"]


def _read_only_folder() -> Path | None:
    """A folder this process cannot create files in (root ignores permission bits: then /sys if it refuses)."""
    if os.geteuid() != 0:
        folder = Path(tempfile.mkdtemp(prefix="sadyn-ro-"))
        folder.chmod(0o500)
        return folder
    try:
        with tempfile.TemporaryFile(dir="/sys"):
            return None
    except OSError:
        return Path("/sys")


READ_ONLY = _read_only_folder()

# (id, argv, text the error line must contain: the argument it names). Placeholders: OUT (a fresh folder),
# FILE (an existing file), TEXT (a text file that is no checkpoint), RO (a read-only folder).
CASES: list[tuple[str, list[str], str]] = [
    # model config (ModelConfig fields and their combinations)
    ("dim-not-divisible", ["train", "--out", "OUT", *TRAIN, "--dim", "15"], "--dim must be divisible by"),
    ("dim-zero", ["train", "--out", "OUT", *TRAIN, "--dim", "0"], "--dim must be an integer >= 1"),
    ("dim-not-int", ["train", "--out", "OUT", *TRAIN, "--dim", "1.5"], "argument --dim: expected an integer"),
    ("heads-negative", ["train", "--out", "OUT", *TRAIN, "--heads", "-1"], "--heads must be an integer >= 1"),
    ("norm-typo", ["train", "--out", "OUT", *TRAIN, "--norm", "rmss"], "argument --norm: invalid choice: 'rmss'"),
    (
        "norm-for-dynamics",
        ["train", "--out", "OUT", *TRAIN, "--dynamics", "energy", "--heads", "1", "--norm", "rms"],
        "--norm must be one of",
    ),
    ("eta-zero", ["train", "--out", "OUT", *TRAIN, "--eta", "0"], "--eta must be a finite number > 0"),
    ("dt-nan", ["train", "--out", "OUT", *TRAIN, "--dt", "nan"], "--dt must be a finite number > 0"),
    (
        "gamma-text",
        ["train", "--out", "OUT", *TRAIN, "--gamma", "big"],
        "argument --gamma: expected a number or 'none'",
    ),
    ("omega-inf", ["train", "--out", "OUT", *TRAIN, "--omega", "inf"], "--omega must be a finite number"),
    # a negative value argparse does not recognize as a number (`-inf`, `-1e-3`) is still read as the value
    ("omega-minus-inf", ["train", "--out", "OUT", *TRAIN, "--omega", "-inf"], "--omega must be a finite number"),
    ("lr-minus-exp", ["train", "--out", "OUT", *TRAIN, "--lr", "-1e-3"], "--lr must be a finite number > 0"),
    (
        "group-not-divisor",
        ["train", "--out", "OUT", *TRAIN, "--group", "5"],
        "--group must be a positive divisor of --dim",
    ),
    (
        "energy-two-heads",
        ["train", "--out", "OUT", *TRAIN, "--dynamics", "energy", "--heads", "2"],
        "is a 1-head model: use --heads 1, got --heads 2",
    ),
    ("oscillator-dim", ["train", "--out", "OUT", *TRAIN, "--oscillator-dim", "3"], "--oscillator-dim"),
    ("readout-zero", ["train", "--out", "OUT", *TRAIN, "--readout-features", "0"], "--readout-features must be"),
    ("size-5", ["train", "--out", "OUT", *TRAIN, "--size", "5"], "--size must be a perfect square"),
    ("bool-with-value", ["train", "--out", "OUT", *TRAIN, "--orthogonal-values", "yes"], "unrecognized arguments: yes"),
    # training config (TrainConfig fields)
    ("lr-nan", ["train", "--out", "OUT", *TRAIN, "--lr", "nan"], "--lr must be a finite number > 0"),
    ("lr-min-above-lr", ["train", "--out", "OUT", *TRAIN, "--lr-min", "1"], "--lr-min must be <= --lr"),
    ("ema-one", ["train", "--out", "OUT", *TRAIN, "--ema", "1"], "--ema must be in [0, 1)"),
    ("seed-negative", ["train", "--out", "OUT", *TRAIN, "--seed", "-1"], "--seed must be an integer >= 0"),
    ("batch-size-zero", ["train", "--out", "OUT", *TRAIN, "--batch-size", "0"], "--batch-size must be an integer >= 1"),
    ("dataset-unknown", ["train", "--out", "OUT", *TRAIN, "--dataset", "mnist"], "--dataset must be one of"),
    (
        "dataset-other-size",
        ["train", "--out", "OUT", *TRAIN, "--dataset", "sudoku9-id"],
        "does not match dataset 'sudoku9-id'",
    ),
    (
        "regularizer-heads",
        ["train", "--out", "OUT", *TRAIN, "--regularizer", "e_single"],
        "--regularizer 'e_single' is for single-head models",
    ),
    ("schedule-typo", ["train", "--out", "OUT", *TRAIN, "--schedule", "cos"], "argument --schedule: invalid choice"),
    ("init-from-missing", ["train", "--out", "OUT", *TRAIN, "--init-from", "no/such.pt"], "--init-from"),
    ("config-missing", ["train", "--out", "OUT", "--config", "no/such.json"], "--config no/such.json cannot be read"),
    ("config-not-json", ["train", "--out", "OUT", "--config", "TEXT"], "cannot be read as JSON"),
    # run options
    ("device-cuda", ["train", "--out", "OUT", *TRAIN, "--device", "cuda:9"], "--device 'cuda:9'"),
    ("device-unknown", ["train", "--out", "OUT", *TRAIN, "--device", "tpu"], "--device must be a torch device"),
    ("minutes-negative", ["train", "--out", "OUT", *TRAIN, "--minutes", "-1"], "argument --minutes"),
    ("threads-zero", ["train", "--out", "OUT", *TRAIN, "--threads", "0"], "argument --threads"),
    ("out-missing", ["train", *TRAIN], "the following arguments are required: --out"),
    ("out-is-file", ["train", "--out", "FILE", *TRAIN], "--out FILE is a file"),
    ("out-under-file", ["train", "--out", "FILE/run", *TRAIN], "is a file, not a folder"),
    ("out-read-only", ["train", "--out", "RO/run", *TRAIN], "is not writable"),
    # eval
    ("eval-json-folder", ["eval", str(CKPT), "--json", "OUT", "--limit", "2"], "--json OUT is a folder"),
    ("eval-json-under-file", ["eval", str(CKPT), "--json", "FILE/rows.json", "--limit", "2"], "--json"),
    ("eval-json-read-only", ["eval", str(CKPT), "--json", "RO/rows.json", "--limit", "2"], "is not writable"),
    ("eval-device", ["eval", str(CKPT), "--device", "gpu", "--limit", "2"], "--device must be a torch device"),
    ("eval-missing", ["eval", "no/such.pt"], "neither a file nor a pretrained model name"),
    ("eval-not-a-checkpoint", ["eval", "TEXT"], "could not be read as a weights-only checkpoint"),
    (
        "eval-dataset",
        ["eval", str(CKPT), "--datasets", "sudoku4-id", "sudoku9-id", "--limit", "2"],
        "has size 9 but the model solves size 4",
    ),
    ("eval-limit", ["eval", str(CKPT), "--limit", "-1"], "argument --limit: must be an integer >= 1"),
    ("eval-steps", ["eval", str(CKPT), "--steps", "x"], "argument --steps"),
    # reproduce, sweep, lab
    ("reproduce-out-file", ["reproduce", "fig2", "--out", "FILE"], "--out FILE is a file"),
    ("reproduce-out-read-only", ["reproduce", "fig2", "--out", "RO/fig"], "is not writable"),
    ("reproduce-figure", ["reproduce", "fig9"], "argument FIG: invalid choice"),
    ("reproduce-jobs-zero", ["reproduce", "all", "--jobs", "0"], "argument --jobs: must be an integer >= 1"),
    ("reproduce-jobs-text", ["reproduce", "all", "--jobs", "two"], "argument --jobs: expected an integer >= 1"),
    ("reproduce-jobs-one-figure", ["reproduce", "fig2", "--jobs", "2"], "--jobs applies to `all` only"),
    ("sweep-out-file", ["sweep", "TEXT", "--out", "FILE"], "--out FILE is a file"),
    ("sweep-out-read-only", ["sweep", "TEXT", "--out", "RO/sweep"], "is not writable"),
    ("sweep-jobs-zero", ["sweep", "TEXT", "--out", "OUT", "--jobs", "0"], "argument --jobs: must be an integer >= 1"),
    ("sweep-spec-missing", ["sweep", "no/such.toml", "--out", "OUT"], "cannot be read"),
    ("lab-port", ["lab", "--port", "0", "--dry-run"], "--port must be in 1..65535"),
    ("unknown-flag", ["eval", str(CKPT), "--fast"], "unrecognized arguments: --fast"),
]
FAST = [c for c in CASES if c[0] in ("group-not-divisor", "device-unknown", "eval-json-folder", "out-is-file")]


def _materialize(argv: list[str], needle: str, tmp: Path) -> tuple[list[str], str] | None:
    places = {"OUT": tmp / "out", "FILE": tmp / "a-file", "TEXT": tmp / "text.txt"}
    if any("RO" in a.split("/") for a in argv):
        if READ_ONLY is None:
            return None
        places["RO"] = READ_ONLY
    (tmp / "a-file").write_text("x")
    (tmp / "text.txt").write_text("not a checkpoint\n")
    (tmp / "out").mkdir(exist_ok=True)

    def sub(text: str) -> str:
        head, _, tail = text.partition("/")
        return str(places[head]) + ("/" + tail if tail else "") if head in places else text

    return [sub(a) for a in argv], " ".join(sub(w) for w in needle.split(" "))


def _check(argv: list[str], code: int, out: str, err: str, needle: str) -> None:
    command = argv[0]
    assert code == 2, (code, err)
    assert "Traceback" not in err and "Traceback" not in out, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines and lines[-1].startswith(f"sadyn {command}: error: "), err
    assert needle in lines[-1], (needle, lines[-1])
    assert "board %" not in out, "nothing may be computed before an argument error"


@pytest.mark.parametrize(("argv", "needle"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_in_process(argv, needle, tmp_path, capsys):
    case = _materialize(argv, needle, tmp_path)
    if case is None:
        pytest.skip("no read-only folder on this machine")
    argv, needle = case
    try:
        code = main(argv)
    except SystemExit as exit_:  # argparse's own errors
        code = exit_.code
    captured = capsys.readouterr()
    _check(argv, code, captured.out, captured.err, needle)
    assert not (tmp_path / "out" / "last.pt").exists()


def _subprocess_case(argv, needle, tmp_path):
    case = _materialize(argv, needle, tmp_path)
    if case is None:
        pytest.skip("no read-only folder on this machine")
    argv, needle = case
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "sadyn", *argv], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    _check(argv, proc.returncode, proc.stdout, proc.stderr, needle)


@pytest.mark.slow
@pytest.mark.parametrize(("argv", "needle"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_in_a_subprocess(argv, needle, tmp_path):
    _subprocess_case(argv, needle, tmp_path)


@pytest.mark.parametrize(("argv", "needle"), [c[1:] for c in FAST], ids=[c[0] for c in FAST])
def test_bad_input_in_a_subprocess_fast_sample(argv, needle, tmp_path):
    _subprocess_case(argv, needle, tmp_path)


def test_an_unexpected_error_is_one_line_asking_for_a_report(monkeypatch, capsys):
    import sadyn.cli.lab as lab

    monkeypatch.setattr(lab, "lab_command", lambda *a, **k: 1 / 0)
    assert main(["lab", "--dry-run"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("sadyn lab: error: unexpected ZeroDivisionError: division by zero. This is a bug")
    assert "Traceback" not in err
    monkeypatch.setenv("SADYN_DEBUG", "1")
    with pytest.raises(ZeroDivisionError):
        main(["lab", "--dry-run"])


def _field_cases() -> list[tuple[str, list[str], str]]:
    """One or two bad values for EVERY ModelConfig / TrainConfig field, found by introspection (new fields are
    covered without editing this file): each must be refused, naming the field's flag."""
    import typing
    from dataclasses import fields

    from sadyn.solver import ModelConfig, TrainConfig

    cases = []
    for cls in (ModelConfig, TrainConfig):
        hints = typing.get_type_hints(cls)
        for f in fields(cls):
            if f.name == "model":
                continue
            flag = "--" + f.name.replace("_", "-")
            kind = hints[f.name]
            base = next((a for a in typing.get_args(kind) if a is not type(None)), kind)
            if base is bool:
                bad = [[flag, "maybe"]]
            elif base is int:
                bad = [[flag, "-1"], [flag, "2.5"]]
            elif base is float:
                bad = [[flag, "nan"], [flag, "x"]]
            else:  # strings: a registry name, a literal choice or a path
                bad = [[flag, "no-such-value"]]
            for extra in bad:
                needle = "unrecognized arguments: maybe" if base is bool else flag
                cases.append((f"{f.name}={extra[-1]}", ["train", "--out", "OUT", *TRAIN, *extra], needle))
    return cases


FIELD_CASES = _field_cases()


@pytest.mark.parametrize(("argv", "needle"), [c[1:] for c in FIELD_CASES], ids=[c[0] for c in FIELD_CASES])
def test_every_config_field_refuses_a_bad_value_naming_its_flag(argv, needle, tmp_path, capsys):
    argv, needle = _materialize(argv, needle, tmp_path)
    try:
        code = main(argv)
    except SystemExit as exit_:
        code = exit_.code
    captured = capsys.readouterr()
    _check(argv, code, captured.out, captured.err, needle)


def test_negative_values_round_trip_through_the_command_line():
    from sadyn.solver._flags import config_from_argv, config_to_argv, glue_negative_numbers

    assert glue_negative_numbers(["--omega", "-inf", "-v", "--lr", "-1e-3"]) == ["--omega=-inf", "-v", "--lr=-1e-3"]
    config = config_from_argv(["--size", "4", "--omega", "-1e-1"])
    assert config.model["omega"] == -0.1
    assert config_from_argv(config_to_argv(config)) == config
