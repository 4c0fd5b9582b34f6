"""Tests of sadyn.reproduce: every reproduction runs on a reduced setting, writes its files and computes verdicts;
the verdict rules, the CLI entry and REPRODUCTION.md's generator are checked on their own."""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import pytest
import torch

from sadyn.reproduce import FIGURES, VERDICTS, Result, reproduce, reproduce_all
from sadyn.reproduce._core import compare, jsonable, judge, retrain_command

ROOT = Path(__file__).resolve().parent.parent


def _script():
    spec = importlib.util.spec_from_file_location(
        "make_reproduction", ROOT / "scripts" / "maintenance" / "make_reproduction.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def reduced(tmp_path_factory) -> tuple[Path, list[Result]]:
    """Every reproduction on the reduced "test" setting (about 20 s on one core), run once for this module."""
    torch.set_num_threads(1)
    out = tmp_path_factory.mktemp("reproduction")
    return out, reproduce_all(setting="test", out=out)


# ------------------------------------------------------------------ verdict rules
def test_judge_maps_outcomes_to_verdicts():
    assert judge("c", "k", True, x=1.0).verdict == "holds"
    assert judge("c", "k", False, x=1.0).verdict == "does not hold"
    assert judge("c", "k", None, x=1.0).verdict == "inconclusive"


def test_judge_never_decides_on_nan_evidence():
    assert judge("c", "k", True, x=math.nan).verdict == "inconclusive"
    assert judge("c", "k", False, x=math.inf).verdict == "inconclusive"


def test_compare_uses_two_standard_errors():
    assert compare(0.9, 0.5, 1000) is True
    assert compare(0.5, 0.9, 1000) is False
    assert compare(0.51, 0.50, 1000) is None  # 1 point on 1000 puzzles is noise (2 SE ~ 4.5 points)


def test_compare_paired_is_symmetric_and_tighter_than_independent_errors():
    import numpy as np

    from sadyn.reproduce._core import compare_paired

    rng = np.random.default_rng(0)
    a = rng.random(1000) < 0.6
    b = a.copy()
    b[rng.choice(np.flatnonzero(a), 30, replace=False)] = False  # B fails 30 puzzles A solves, nothing else differs
    verdict, diff, se = compare_paired(a.astype(float) - b)
    assert verdict is True and diff == 0.03 and se < 0.006  # independent binomial errors: 2 SE ~ 0.044, "noise"
    assert compare(0.6, 0.57, 1000) is None
    assert compare_paired(b.astype(float) - a)[0] is False  # symmetric
    assert compare_paired(np.zeros(100))[0] is None  # identical models: within noise, never a verdict
    assert compare_paired(np.zeros(1))[0] is None  # one puzzle has no error bar


def test_solved_is_board_accuracy_per_board():
    import numpy as np

    from sadyn.sudoku import board_accuracy, solved

    board = [[1, 2, 3, 4], [3, 4, 1, 2], [2, 1, 4, 3], [4, 3, 2, 1]]
    sol = np.array([board, board])
    pred = sol.copy()
    pred[1, 0, 0] = 2
    assert solved(pred, sol).tolist() == [True, False] and board_accuracy(pred, sol) == 0.5


def test_jsonable_makes_valid_json():
    data = jsonable({"t": torch.tensor([1.0, math.nan]), "i": torch.tensor(3), "inf": math.inf})
    assert json.loads(json.dumps(data, allow_nan=False)) == {"t": [1.0, "nan"], "i": 3, "inf": "inf"}


# ------------------------------------------------------------------ bad input
def test_reproduce_rejects_unknown_figure():
    with pytest.raises(ValueError, match=r"`figure` must be one of \['fig1'.*got 'fig9'"):
        reproduce("fig9")


def test_reproduce_rejects_unknown_setting():
    with pytest.raises(ValueError, match=r"`setting` must be one of \('test', 'quick', 'full'\), got 'fast'"):
        reproduce("fig1", setting="fast")


def test_retrain_command_replaces_out_and_epochs(tmp_path):
    argv = retrain_command("itrsa4-rms", tmp_path / "x", epochs=100)
    assert argv[0] == "train"
    assert argv[argv.index("--out") + 1] == str(tmp_path / "x")
    assert argv[argv.index("--epochs") + 1] == "100"
    assert argv.count("--epochs") == 1 and argv[argv.index("--dynamics") + 1] == "itrsa"
    from sadyn.cli import build_parser

    args = build_parser("train").parse_args(argv)  # the train subcommand accepts it as is
    assert args.epochs == 100


def test_cli_registers_reproduce():
    from sadyn.cli import SUBCOMMANDS, build_parser

    assert "reproduce" in SUBCOMMANDS
    args = build_parser("reproduce").parse_args(["reproduce", "all", "--full", "--out", "x"])
    assert (args.figure, args.setting, str(args.out)) == ("all", "full", "x")
    assert build_parser("reproduce").parse_args(["reproduce", "fig2"]).setting == "quick"


def test_reproduce_all_rejects_bad_jobs_and_unknown_figures(tmp_path):
    for bad in (0, -1, 1.5, True, "2"):
        with pytest.raises(ValueError, match=r"`jobs` must be a positive integer"):
            reproduce_all(setting="test", out=tmp_path, figures=["fig1"], jobs=bad)
    with pytest.raises(ValueError, match=r"`jobs` > 1 with setting='full'.*Use jobs=1"):
        reproduce_all(setting="full", out=tmp_path, jobs=2)
    with pytest.raises(ValueError, match=r"`figures` must be keys of FIGURES.*\['fig9'\]"):
        reproduce_all(setting="test", out=tmp_path, figures=["fig1", "fig9"])
    assert not (tmp_path / "summary.json").exists()


def test_reproduce_all_default_jobs_are_the_usable_cpus_for_quick_only(monkeypatch):
    from sadyn import reproduce as rp
    from sadyn.sudoku import _generate

    monkeypatch.setattr(_generate, "available_cpus", lambda: 2)
    assert rp._check_jobs(None, "quick", 8) == 2 and rp._check_jobs(None, "quick", 1) == 1
    assert rp._check_jobs(None, "full", 8) == 1 and rp._check_jobs(None, "test", 8) == 1
    assert rp._check_jobs(5, "quick", 3) == 3  # never more workers than figures


def test_cli_reproduce_refuses_bad_jobs(capsys):
    from sadyn.cli import main

    with pytest.raises(SystemExit) as exit_:  # argparse's own error, as for every counted flag
        main(["reproduce", "all", "--jobs", "0"])
    assert exit_.value.code == 2
    assert "argument --jobs: must be an integer >= 1, got 0" in capsys.readouterr().err
    assert main(["reproduce", "fig1", "--jobs", "2"]) == 2
    assert "applies to `all` only" in capsys.readouterr().err
    assert main(["reproduce", "all", "--full", "--jobs", "2", "--out", "unused"]) == 2
    assert "Use jobs=1 for --full" in capsys.readouterr().err


def test_reproduce_all_in_worker_processes_gives_the_same_numbers(tmp_path):
    """Two spawned workers (figures longest first) write the same numbers and verdicts as one process, and the
    results and summary keep the requested order."""
    torch.set_num_threads(1)
    figures = ["fig2", "fig1"]
    serial = reproduce_all(setting="test", out=tmp_path / "one", figures=figures, jobs=1)
    parallel = reproduce_all(setting="test", out=tmp_path / "two", figures=figures, jobs=2)
    assert [r.figure for r in serial] == [r.figure for r in parallel] == figures
    for figure in figures:
        a, b = (json.loads((tmp_path / d / f"{figure}.json").read_text()) for d in ("one", "two"))
        assert a["numbers"] == b["numbers"] and a["claims"] == b["claims"], figure
    summary = json.loads((tmp_path / "two" / "summary.json").read_text())
    assert list(summary["figures"]) == figures and summary["errors"] == {}
    assert summary["machine"]["jobs"] == 2 and summary["machine"]["threads"] == 1
    assert _script()._workers(summary["machine"]) == "2 worker processes of 1 thread each"
    assert _script()._workers({"threads": 1}) == "1 thread"  # a summary from before workers existed


# ------------------------------------------------------------------ every reproduction, reduced
@pytest.mark.slow
def test_every_figure_produces_files_and_verdicts(reduced):
    out, results = reduced
    assert [r.figure for r in results] == list(FIGURES)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["errors"] == {}
    for r in results:
        assert (out / f"{r.figure}.png").stat().st_size > 1000
        record = json.loads((out / f"{r.figure}.json").read_text())
        assert record["figure"] == r.figure and record["setting"] == "test" and record["seconds"] > 0
        assert record["claims"], f"{r.figure} judged no claim"
        for claim in record["claims"]:
            assert claim["verdict"] in VERDICTS
            assert claim["criterion"] and claim["evidence"]
            assert bool(claim["cause"]) == (claim["verdict"] == "does not hold"), claim["claim"]


@pytest.mark.slow
def test_verdicts_follow_from_numbers(reduced):
    """Spot checks that a verdict is what its criterion gives on the recorded numbers (not typed by hand)."""
    out, _ = reduced
    fig1 = json.loads((out / "fig1.json").read_text())
    slope = fig1["numbers"]["slopes"]["None"]
    assert fig1["claims"][0]["verdict"] == ("holds" if slope > 0.2 else "does not hold")
    trained = fig1["numbers"]["prop51_trained"]
    assert all(
        m <= b * (1 + 1e-6) for m, b in zip(trained["measured"], trained["bound"], strict=True)
    )  # Prop. 5.1 is a theorem
    fig2 = json.loads((out / "fig2.json").read_text())
    toy = fig2["numbers"]["b_toy"]
    assert all(abs(a - t) < 1e-9 for a, t in zip(toy["raw_max_modulus"], toy["theory"], strict=True))
    assert fig2["claims"][2]["verdict"] == "holds"  # eqs. (18)-(20) are exact


@pytest.mark.slow
def test_make_reproduction_renders_every_claim(reduced, tmp_path):
    out, results = reduced
    script = _script()
    report = tmp_path / "REPRODUCTION.md"
    assert script.main([str(out), "--output", str(report)]) == 0
    text = report.read_text()
    for r in results:
        assert f"## {r.figure}:" in text and f"({out.as_posix()}/{r.figure}.png)" in text
        for c in r.claims:
            assert c.claim.replace("|", "\\|") in text
    held = sum(c.verdict == "holds" for r in results for c in r.claims)
    assert f"{held} held" in text
    assert script.main([str(out), "--output", str(report), "--check"]) == 0
    report.write_text(text + "edited\n")
    assert script.main([str(out), "--output", str(report), "--check"]) == 1


def test_report_names_the_figures_rerun_since_the_all_figures_run():
    """A figure re-run on its own after the all-figures run (its JSON's time differs from summary.json's record)
    is named in the header with its own time; an untouched one is not."""
    script = _script()
    summary = {"figures": {"fig1": {"seconds": 24.3}, "fig5": {"seconds": 157.0}}}
    records = {"fig1": {"seconds": 24.3}, "fig5": {"seconds": 259.4}, "fig6": {"seconds": 50.0}}
    (line,) = script._remeasured(records, summary)
    assert "fig5 (259 s)" in line and "fig1" not in line and "fig6" not in line
    assert script._remeasured({"fig1": {"seconds": 24.3}}, summary) == []
    assert script._remeasured(records, {}) == []


def test_committed_report_matches_committed_results():
    """REPRODUCTION.md is exactly what scripts/maintenance/make_reproduction.py makes from docs/reproduction/*.json."""
    if not (ROOT / "docs" / "reproduction" / "summary.json").is_file():
        pytest.skip("no committed reproduction results")
    assert (
        _script().main([str(ROOT / "docs" / "reproduction"), "--output", str(ROOT / "REPRODUCTION.md"), "--check"]) == 0
    )


def test_figures_evaluate_only_checkpoints_of_their_board_size():
    """Issue 11: fig3 fed 4x4 puzzles to the shipped 9x9 models; the figures now pick 4x4 checkpoints only."""
    import sadyn as sd
    from sadyn.experiments import shipped_solvers
    from sadyn.reproduce._core import available

    four, nine = shipped_solvers(4), shipped_solvers(9)
    assert four and set(four).isdisjoint(nine)
    assert all(sd.load_pretrained(name).size == 4 for name in four)
    assert all(sd.load_pretrained(name).size == 9 for name in nine)
    assert available(sd.pretrained_models()) == four


@pytest.mark.slow
def test_every_figure_runs_its_quick_model_choice(tmp_path):
    """The quick path of every figure (quick's models and variants, test's sample sizes) runs through: no figure
    may choose a model that its evaluation rejects."""
    results = reproduce_all(setting="smoke", out=tmp_path)
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["errors"] == {} and [r.figure for r in results] == list(FIGURES)
    fig3 = json.loads((tmp_path / "fig3.json").read_text())
    scales = fig3["numbers"]["scales"]
    assert "itrsa4-rms eta x0.5" in scales["4x4"]["variants"]  # quick's variants, not test's
    assert {"akorn9 W^V x0.85", "itrsa9-rms eta x0.5", "energy9"} <= set(scales["9x9"]["variants"])
    for name, row in scales["9x9"]["variants"].items():  # both exponents for every normalized 9x9 model
        assert not row["normalized"] or all(isinstance(row[k], float) for k in ("max", "qr")), name


def test_full_setting_retrains_from_the_manifest_command(tmp_path):
    """``--full`` reruns the shipped run's manifest command (here itrsa4-rms for 1 epoch, for real): the retrained
    checkpoint's config is the manifest's, only ``epochs`` changed, and ``solver(..., "full")`` loads it."""
    import dataclasses

    import sadyn as sd
    from sadyn.reproduce import _core
    from sadyn.solver._flags import config_from_argv
    from sadyn.solver.checkpoint import load_checkpoint
    from sadyn.solver.pretrained import pretrained_info

    folder = tmp_path / "checkpoints" / "itrsa4-rms"
    best = _core.retrain("itrsa4-rms", folder, epochs=1)
    assert best == folder / "best.pt" and best.is_file()
    want = dataclasses.replace(config_from_argv(pretrained_info("itrsa4-rms")["command"].split()), epochs=1)
    assert sd.TrainConfig.from_dict(load_checkpoint(best)["config"]) == want
    assert (
        _core.retrain_command("itrsa4-rms", folder)[_core.retrain_command("itrsa4-rms", folder).index("--epochs") + 1]
        == "20"
    )
    _core._CACHE.clear()
    model = _core.solver("itrsa4-rms", "full", tmp_path)  # reuses the folder's best.pt, no second training
    assert isinstance(model, sd.SudokuSolver) and not any(p.requires_grad for p in model.parameters())


@pytest.mark.parametrize(
    "chain, starts, epochs",
    [
        (["itrsa9-rms-stage1", "itrsa9-rms"], ["best.pt"], 10),
        (["akorn9-stage1", "akorn9-stage2"], ["last.pt"], 14),
        (["akorn9-stage1", "akorn9-stage2", "akorn9-stage3"], ["last.pt", "best.pt"], 40),
        (
            ["akorn9-stage1", "akorn9-stage2", "akorn9-stage3", "akorn9-stage4"],
            ["last.pt", "best.pt", "best.pt"],
            40,
        ),
        (
            ["akorn9-stage1", "akorn9-stage2", "akorn9-stage3", "akorn9-stage4", "akorn9"],
            ["last.pt", "best.pt", "best.pt", "best.pt"],
            40,
        ),
    ],
    ids=["best", "last", "three-stages", "four-stages", "five-stages"],
)
def test_full_setting_retrains_a_fine_tune_from_its_retrained_stage(tmp_path, monkeypatch, chain, starts, epochs):
    """A fine-tune (itrsa9-rms starts from itrsa9-rms-stage1's best.pt, akorn9-stage2 from akorn9-stage1's last.pt,
    the state its time box ended at, akorn9-stage3 from akorn9-stage2's best.pt, akorn9-stage4 from akorn9-stage3's
    and akorn9 from akorn9-stage4's; stages 3 and 4 ship as their records alone) first retrains the stages before it,
    each from the file of its parent that shipped.toml names, not from a path on the machine that shipped it."""
    from problems import recording_train

    import sadyn as sd
    from sadyn.reproduce import _core

    calls: list = []
    monkeypatch.setattr(sd, "train", recording_train(calls))
    name = chain[-1]
    best = _core.retrain(name, tmp_path / name)
    assert best == tmp_path / name / "best.pt"
    assert [c[0] for c in calls] == chain
    assert [c[1] for c in calls] == [None] + [str(tmp_path / a / f) for a, f in zip(chain[:-1], starts, strict=True)]
    assert calls[-1][2] == epochs  # the manifest's epochs, not a fixed count
    # each run stops where the shipped one did: the stage at its time box, not at its command's 100 epochs
    from sadyn.solver.pretrained import pretrained_info

    shipped = [pretrained_info(n)["training"]["updates_total"] for n in chain]
    assert [c[3] for c in calls] == shipped and shipped[0] < 100 * 170  # 100 epochs of 170 batches


def test_full_setting_resumes_a_partial_retrain_up_to_the_shipped_updates(tmp_path):
    """A retrain interrupted after 3 updates has the shipped run's ``updates_total`` minus 3 left to make (so a
    resumed retrain ends where the shipped run ended), and none once it got there."""

    import sadyn as sd
    from sadyn.reproduce import _core
    from sadyn.solver._flags import config_from_argv
    from sadyn.solver.pretrained import pretrained_info

    folder = tmp_path / "itrsa4-rms"
    config = config_from_argv(_core.retrain_command("itrsa4-rms", folder)[1:])
    sd.train(config, folder, max_batches=3, show_progress=False)
    total = pretrained_info("itrsa4-rms")["training"]["updates_total"]
    assert _core._updates_left("itrsa4-rms", folder) == total - 3
    assert _core._updates_left("itrsa4-rms", tmp_path / "new") == total
    with pytest.MonkeyPatch.context() as patch:  # a run that made only 3 updates is complete once it has them
        info = dict(pretrained_info("itrsa4-rms"), training={"updates_total": 3})
        patch.setattr("sadyn.solver.pretrained.pretrained_info", lambda name: info)
        assert _core._updates_left("itrsa4-rms", folder) == 0
        assert _core.retrain("itrsa4-rms", folder) == folder / "last.pt"  # no best.pt before an epoch ends
