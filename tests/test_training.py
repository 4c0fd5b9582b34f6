"""Training: exact resume after interruption, checkpoints that refuse mismatches, evaluation, and the CLI."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
import torch
from problems import TINY_TRAINING

from sadyn.cli import build_parser, main
from sadyn.cli.train import config_from_args
from sadyn.solver import (
    CheckpointError,
    TrainConfig,
    evaluate,
    format_table,
    load_checkpoint,
    load_model,
    save_checkpoint,
    train,
)
from sadyn.solver.integrity import weights_digest

TINY = dict(
    TINY_TRAINING,
    epochs=2,
    warmup_steps=3,
    train_size=96,  # 3 batches per epoch
    val_size=32,
)


def _config(**changes) -> TrainConfig:
    return TrainConfig(**{**TINY, **changes})


def _same_state(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


@pytest.fixture(scope="module")
def straight(tmp_path_factory) -> Path:
    """An uninterrupted 2-epoch run."""
    out = tmp_path_factory.mktemp("straight")
    train(_config(), out, show_progress=False)
    return out


@pytest.mark.parametrize("stops", [(2,), (3,), (1, 3)], ids=["mid-epoch", "epoch-end", "twice"])
def test_resume_after_interruption_equals_uninterrupted_run(straight, tmp_path, stops):
    for k in stops:
        result = train(_config(), tmp_path, show_progress=False, max_batches=k)
        assert result.stopped == "max_batches"
    result = train(_config(), tmp_path, show_progress=False)
    assert result.stopped == "done"
    a, b = load_checkpoint(straight / "last.pt"), load_checkpoint(tmp_path / "last.pt")
    assert _same_state(a["model"], b["model"]) and _same_state(a["ema"], b["ema"])
    assert a["progress"]["update"] == b["progress"]["update"] == 6
    drop = lambda h: [{k: v for k, v in row.items() if k != "elapsed_s"} for row in h]  # noqa: E731
    assert drop(a["history"]) == drop(b["history"])


def test_different_seed_gives_a_different_run(straight, tmp_path):
    train(_config(seed=1), tmp_path, show_progress=False, max_batches=1)
    a, b = load_checkpoint(straight / "last.pt"), load_checkpoint(tmp_path / "last.pt")
    assert not torch.equal(a["model"]["digit_embedding.weight"], b["model"]["digit_embedding.weight"])


def test_checkpoint_carries_its_provenance(straight):
    ckpt = load_checkpoint(straight / "last.pt")
    assert ckpt["config"] == _config().to_dict()
    assert ckpt["model_config"]["gamma"] == pytest.approx(8**0.5) and ckpt["model_config"]["seed"] == 0
    assert ckpt["data"]["train"]["name"] == "sudoku4-id" and len(ckpt["data"]["train"]["digest"]) == 16
    assert ckpt["command"].startswith("sadyn train --out ")
    assert ckpt["sadyn_version"] and ckpt["hardware"]["cpus"] >= 1
    assert [row["epoch"] for row in ckpt["history"]] == [1, 2]
    best = load_checkpoint(straight / "best.pt")
    assert best["metrics"]["best_val"]["epoch"] == len(best["history"])  # best.pt is the best epoch's state
    json.dumps({k: ckpt[k] for k in ("config", "model_config", "data", "command", "history", "metrics")})


def test_recorded_command_rebuilds_the_config(straight):
    command = load_checkpoint(straight / "last.pt")["command"]
    argv = shlex.split(command)[1:]
    args = build_parser("train").parse_args(argv)
    assert config_from_args(args) == _config()


def test_resume_refuses_a_different_config(straight, tmp_path):
    import shutil

    shutil.copy(straight / "last.pt", tmp_path / "last.pt")
    with pytest.raises(CheckpointError, match=r"its config differs .*lr: 0.003 != 0.01.*model.dim: 8 != 16"):
        train(_config(lr=1e-2, model={"dim": 16, "heads": 2, "size": 4}), tmp_path, show_progress=False)
    with pytest.raises(CheckpointError, match="exists; resume it"):
        train(_config(), tmp_path, show_progress=False, resume=False)
    # more epochs is a continuation, not a different run
    result = train(_config(epochs=3), tmp_path, show_progress=False, max_batches=1)
    assert result.stopped == "max_batches"


def test_loading_refuses_foreign_or_mismatched_files(straight, tmp_path):
    ckpt = load_checkpoint(straight / "last.pt")
    payload = {k: v for k, v in ckpt.items() if k not in ("format", "format_version", "sadyn_version", "torch_version")}
    bad = dict(payload, data={"train": {**ckpt["data"]["train"], "digest": "0" * 16}, "ood": None})
    save_checkpoint(tmp_path / "data.pt", bad)
    with pytest.raises(CheckpointError, match="train dataset 'sudoku4-id'.*numbers would not be comparable"):
        load_checkpoint(tmp_path / "data.pt")
    torch.save({**ckpt, "format_version": 99}, tmp_path / "future.pt")
    with pytest.raises(CheckpointError, match="format 99, this sadyn reads formats 1 to 2"):
        load_checkpoint(tmp_path / "future.pt")
    torch.save({"state_dict": {}}, tmp_path / "other.pt")
    with pytest.raises(CheckpointError, match="not a sadyn Sudoku checkpoint"):
        load_checkpoint(tmp_path / "other.pt")
    torch.save(
        {"format": "sadyn-sudoku-checkpoint", "code": Path("x")}, tmp_path / "code.pt"
    )  # needs unpickling a class
    with pytest.raises(CheckpointError, match="weights-only"):
        load_checkpoint(tmp_path / "code.pt")
    with pytest.raises(FileNotFoundError, match="no checkpoint at"):
        load_checkpoint(tmp_path / "missing.pt")


def test_load_model_and_evaluate(straight):
    model = load_model(straight / "best.pt")
    assert not model.training
    rows = evaluate(model, steps=(2, 4), restarts=(1, 2), limit=20)
    assert [(r["dataset"], r["steps"], r["restarts"]) for r in rows][:3] == [
        ("sudoku4-id", 2, 1),
        ("sudoku4-id", 4, 1),
        ("sudoku4-id", 2, 2),
    ]
    assert all(0 <= r["board"] <= r["cell"] + 1e-12 or r["board"] <= 1 for r in rows)
    assert all(r["n"] == 20 for r in rows)
    assert "sudoku4-ood" in format_table(rows)
    with pytest.raises(ValueError, match="has size 9 but the model solves size 4"):
        evaluate(model, ["sudoku9-id"])
    assert "vote" not in rows[0] and rows[2]["vote"] == "energy"  # only K > 1 votes
    voted = evaluate(model, ["sudoku4-id"], steps=(4,), restarts=(3,), limit=20, vote="confidence")[0]
    assert voted["vote"] == "confidence"
    from sadyn.sudoku import board_accuracy, load_dataset

    test = load_dataset("sudoku4-id", "test", show_progress=False)
    by_hand = model.solve(test.puzzles[:20], steps=4, restarts=3, vote="confidence")
    assert voted["board"] == board_accuracy(by_hand, test.solutions[:20], test.puzzles[:20])
    with pytest.raises(ValueError, match="`vote` must be one of"):
        evaluate(model, steps=(2,), vote="best")


def test_nonfinite_steps_are_counted_not_fatal(tmp_path):
    # unnormalized ItrSA with a huge step: the state overflows and the loss is not finite
    config = _config(model={"dim": 8, "heads": 2, "size": 4, "norm": None, "eta": 1e30}, epochs=1)
    result = train(config, tmp_path, show_progress=False)
    assert result.history[0]["nonfinite"] == 3 and result.stopped == "done"


def test_config_validation_and_json_round_trip():
    config = _config(regularizer="spectral", reg_weight=1e-4)
    assert TrainConfig.from_dict(json.loads(json.dumps(config.to_dict()))) == config
    with pytest.raises(ValueError, match=r"unknown TrainConfig keys \['learning_rate'\]"):
        TrainConfig.from_dict({**config.to_dict(), "learning_rate": 1})
    with pytest.raises(ValueError, match="model size 9 does not match dataset 'sudoku4-id'"):
        _config(model={"dim": 8, "heads": 2})
    with pytest.raises(ValueError, match="`regularizer` must be None or one of"):
        _config(regularizer="l2")
    with pytest.raises(ValueError, match="`ema` must be in"):
        _config(ema=1.0)
    with pytest.raises(ValueError, match="regularizer='e_single' is for single-head models"):
        _config(regularizer="e_single")
    with pytest.raises(ValueError, match="must not set 'seed'"):
        _config(model={"dim": 8, "heads": 2, "size": 4, "seed": 3})
    with pytest.raises(TypeError, match="`config` must be a TrainConfig"):
        train({"model": {}}, "runs/x")


def test_cli_train_then_eval(tmp_path, capsys):
    out = tmp_path / "run"
    argv = [
        "train",
        "--out",
        str(out),
        "--size",
        "4",
        "--dim",
        "8",
        "--heads",
        "2",
        "--steps",
        "2",
        "--epochs",
        "1",
        "--batch-size",
        "32",
        "--train-size",
        "64",
        "--val-size",
        "32",
        "--quiet",
    ]
    assert main(argv) == 0
    assert (out / "best.pt").exists() and (out / "log.txt").read_text().count("\n") == 1
    report = tmp_path / "eval.json"
    assert main(["eval", str(out / "best.pt"), "--steps", "2", "4", "--limit", "10", "--json", str(report)]) == 0
    printed = capsys.readouterr().out
    assert "board %" in printed and "sudoku4-ood" in printed
    rows = json.loads(report.read_text())["rows"]
    assert {(r["dataset"], r["steps"]) for r in rows} == {(d, t) for d in ("sudoku4-id", "sudoku4-ood") for t in (2, 4)}
    assert main(["eval", str(tmp_path / "nothing.pt")]) == 2
    assert "neither a file nor a pretrained model name" in capsys.readouterr().err
    assert main(["eval", str(out / "best.pt"), "--datasets", "sudoku9-id", "--steps", "2"]) == 2
    assert "has size 9 but the model solves size 4" in capsys.readouterr().err


def test_cli_eval_accepts_a_pretrained_name(capsys):
    import sadyn

    if "itrsa4-rms" not in sadyn.pretrained_models():
        pytest.skip("itrsa4-rms is not shipped in this checkout")
    assert main(["eval", "itrsa4-rms", "--steps", "8", "--limit", "50", "--datasets", "sudoku4-id"]) == 0
    assert "itrsa4-rms.pt" in capsys.readouterr().out
    argv = ["eval", "itrsa4-rms", "--steps", "8", "--restarts", "2", "--vote", "confidence", "--limit", "5"]
    assert main([*argv, "--datasets", "sudoku4-id"]) == 0
    assert '"vote": "confidence"' in capsys.readouterr().out


@pytest.mark.slow
def test_toy_config_learns_visibly_in_seconds(tmp_path):
    # the live-notebook configuration: after 6 epochs (about 10 s on one idle core) most blank cells are right
    result = train(TrainConfig.toy(epochs=6), tmp_path, show_progress=False)
    assert result.history[0]["val_cell"] < 0.4 < 0.6 < result.history[-1]["val_cell"]


def test_augmented_cosine_run_resumes_exactly_and_changes_the_data(tmp_path):
    cfg = _config(augment=True, schedule="cosine", lr_min=1e-4)
    full = train(cfg, tmp_path / "full", show_progress=False)
    train(cfg, tmp_path / "cut", show_progress=False, max_batches=2)
    train(cfg, tmp_path / "cut", show_progress=False)
    a, b = load_checkpoint(tmp_path / "full" / "last.pt"), load_checkpoint(tmp_path / "cut" / "last.pt")
    assert _same_state(a["model"], b["model"]) and _same_state(a["ema"], b["ema"])
    plain = load_checkpoint(tmp_path / "full" / "last.pt")
    assert full.history[-1]["lr"] < cfg.lr  # decayed
    train(_config(schedule="cosine", lr_min=1e-4), tmp_path / "plain", show_progress=False)
    c = load_checkpoint(tmp_path / "plain" / "last.pt")
    assert not torch.equal(plain["model"]["digit_embedding.weight"], c["model"]["digit_embedding.weight"])
    assert "--augment" in a["command"] and "--schedule cosine" in a["command"]


def test_cosine_schedule_warms_up_then_decays_to_lr_min():
    from sadyn.solver.recipe import learning_rate as _learning_rate

    cfg = _config(schedule="cosine", lr_min=1e-4, warmup_steps=10)
    lrs = [_learning_rate(cfg, u, 110) for u in range(111)]
    assert lrs[0] == pytest.approx(cfg.lr / 10) and lrs[9] == pytest.approx(cfg.lr)
    assert lrs[10] == pytest.approx(cfg.lr) and lrs[60] == pytest.approx((cfg.lr + 1e-4) / 2)
    assert lrs[110] == pytest.approx(1e-4) and all(a >= b for a, b in zip(lrs[10:], lrs[11:], strict=False))
    with pytest.raises(ValueError, match="`lr_min` must be <= `lr`"):
        _config(schedule="cosine", lr_min=1.0)
    with pytest.raises(ValueError, match="`schedule` must be one of"):
        _config(schedule="step")


def test_init_from_starts_at_the_checkpoint_weights_and_refuses_other_models(straight, tmp_path):
    cfg = _config(init_from=str(straight / "best.pt"), epochs=1)
    train(cfg, tmp_path / "ft", show_progress=False, max_batches=1)
    ckpt = load_checkpoint(tmp_path / "ft" / "last.pt")
    assert ckpt["init_from"]["path"] == str(straight / "best.pt") and len(ckpt["init_from"]["sha256"]) == 64
    start = load_checkpoint(straight / "best.pt")
    assert ckpt["init_from"]["weights_sha256"] == weights_digest(start["ema"])
    with pytest.raises(CheckpointError, match="holds a model with other settings \\(dim"):
        train(
            _config(model={"dim": 16, "heads": 2, "size": 4}, init_from=str(straight / "best.pt")),
            tmp_path / "x",
            show_progress=False,
        )
    with pytest.raises(CheckpointError, match="not a file"):
        train(_config(init_from=str(tmp_path / "missing.pt")), tmp_path / "y", show_progress=False)


def test_a_stage_shipped_after_its_fine_tune_started_is_found_by_its_weights(straight, tmp_path, monkeypatch):
    """The fine-tune recorded the sha256 of a file with optimizer state; the stage ships without it (EMA only), so
    the file differs but the weights digest still names it. An EMA-only file refuses ema=False with a clear error."""
    import sadyn.solver.pretrained as pretrained

    train(_config(init_from=str(straight / "best.pt"), epochs=1), tmp_path / "ft", show_progress=False, max_batches=1)
    record = load_checkpoint(tmp_path / "ft" / "last.pt")["init_from"]
    full = load_checkpoint(straight / "best.pt")
    shipped = {k: v for k, v in full.items() if k not in ("optimizer", "digest")} | {"model": None}
    save_checkpoint(tmp_path / "stage.pt", shipped)
    monkeypatch.setattr(pretrained, "pretrained_models", lambda: ["stage"])
    monkeypatch.setattr(pretrained, "pretrained_path", lambda name: tmp_path / f"{name}.pt")
    assert pretrained.shipped_parent(record) == "stage"
    assert pretrained.shipped_parent({**record, "weights_sha256": "0" * 64}) is None
    assert pretrained.shipped_parent(None) is None
    model = load_model(tmp_path / "stage.pt")
    assert _same_state(model.state_dict(), full["ema"])
    with pytest.raises(CheckpointError, match="holds only its EMA weights .* use ema=True"):
        load_model(tmp_path / "stage.pt", ema=False)
