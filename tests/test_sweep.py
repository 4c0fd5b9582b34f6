"""Sweeps: spec parsing, grid expansion, local runs that resume and skip, failures recorded, and the Slurm path
through submitit (debug executor for the mechanics, a stand-in `sbatch` for the job script and resubmission)."""

from __future__ import annotations

import csv
import json
import os
import stat
from pathlib import Path

import pytest
import torch
from problems import tiny_sweep_spec

import sadyn as sd
from sadyn.solver.sweep import collect_results, expand, load_spec, run_sweep

SPEC = tiny_sweep_spec(
    """
[grid]
"model.heads" = [1, 2]
[sweep]
eval_steps = [2, 4]
eval_limit = 20
[slurm]
partition = "gpu"
gpus = 1
time = 30
mem_gb = 16
""",
    epochs=1,
    train_size=64,
    val_size=32,
)


def _spec(tmp_path: Path, text: str = SPEC) -> Path:
    path = tmp_path / "spec.toml"
    path.write_text(text)
    return path


def _rows(out: Path) -> list[dict[str, str]]:
    with open(out / "results.csv") as fh:
        return list(csv.DictReader(fh))


def test_spec_expands_to_the_cross_product_with_dotted_keys_and_named_variants(tmp_path):
    text = SPEC.replace('"model.heads" = [1, 2]', '"model.heads" = [1, 2]\nseed = [0, 1, 2]')
    text += '\n[[run]]\nname = "rms"\n"model.norm" = "rms"\n"sweep.minutes" = 5\n[[run]]\nname = "sphere"\n"model.norm" = "sphere"\n'
    runs = expand(load_spec(_spec(tmp_path, text)))
    assert runs[0].options == {"minutes": 5} and runs[-1].options == {}
    assert len(runs) == 2 * 2 * 3
    assert runs[0].name == "rms,heads=1,seed=0" and runs[-1].name == "sphere,heads=2,seed=2"
    assert (
        runs[-1].config.model["heads"] == 2 and runs[-1].config.model["norm"] == "sphere" and runs[-1].config.seed == 2
    )
    assert runs[0].values == {"run": "rms", "model.heads": 1, "seed": 0}


@pytest.mark.parametrize(
    "text, message",
    [
        ("[grid]\nx = [1]\n", "needs a \\[base\\] table"),
        (SPEC + "\n[other]\na = 1\n", "unknown tables \\['other'\\]"),
        (SPEC.replace("[1, 2]", "[]"), "must be a non-empty list"),
        (SPEC.replace('"model.heads" = [1, 2]', "steps = [0]"), "sweep run 'steps=0': `steps` must be an integer >= 1"),
        (
            SPEC.replace("eval_limit = 20", "eval_limit = 20\nworkers = 3"),
            "unknown keys \\['workers'\\] in the spec's \\[sweep\\]",
        ),
        ("[base\n", "is not valid TOML"),
    ],
)
def test_bad_specs_get_clear_errors(tmp_path, text, message):
    with pytest.raises(ValueError, match=message):
        expand(load_spec(_spec(tmp_path, text)))


@pytest.mark.slow
def test_local_sweep_runs_two_runs_writes_results_and_a_second_call_skips_both(tmp_path):
    out = tmp_path / "sweep"
    first = run_sweep(_spec(tmp_path), out, executor="local", jobs=2, log=lambda *_: None)
    assert first["runs"] == 2 and first["submitted"] == 2 and first["skipped"] == 0
    rows = _rows(out)
    assert [r["name"] for r in rows] == ["heads=1", "heads=2"] and {r["status"] for r in rows} == {"done"}
    assert {"sudoku4-id_T2_board", "sudoku4-ood_T4_board", "best_val_board", "train_seconds"} <= set(rows[0])
    assert (out / "heads=1" / "best.pt").exists() and sd.load_model(out / "heads=2" / "best.pt").heads == 2
    second = run_sweep(_spec(tmp_path), out, executor="local", jobs=2, log=lambda *_: None)
    assert second["submitted"] == 0 and second["skipped"] == 2 and len(_rows(out)) == 2


# submitit's debug executor redirects each job's stdout/stderr into DEBUG_<id>_0_log.{out,err} and never closes
# them (its bug, not ours): the files are garbage-collected open, a ResourceWarning pytest would raise.
@pytest.mark.filterwarnings(r"ignore:unclosed file .*DEBUG_\d+_0_log\.(out|err):ResourceWarning")
def test_interrupted_runs_resume_and_failed_runs_are_reported_without_stopping_the_others(tmp_path):
    spec = load_spec(_spec(tmp_path))
    one, two = expand(spec)
    out = tmp_path / "sweep"
    torch.set_num_threads(1)  # as the sweep resumes it ([sweep] threads = 1), so resuming does not warn
    sd.train(one.config, out / one.name, show_progress=False, max_batches=1)  # an interrupted run
    (out / two.name).mkdir()
    (out / two.name / "last.pt").write_bytes(b"not a checkpoint")  # a run that cannot go on
    lines: list[str] = []
    report = run_sweep(spec, out, executor="slurm", cluster="debug", log=lines.append)  # submitit's mechanics
    assert "heads=1: resume" in lines and "heads=2: resume" in lines and report["submitted"] == 2
    rows = {r["name"]: r for r in _rows(out)}
    assert rows["heads=1"]["status"] == "done" and float(rows["heads=1"]["sudoku4-id_T4_board"]) >= 0
    assert rows["heads=2"]["status"] == "failed" and "could not be read" in rows["heads=2"]["error"]
    assert json.loads((out / "heads=1" / "result.json").read_text())["test"][0]["n"] == 20
    # the cause removed, a second call retries only the failed run
    (out / two.name / "last.pt").unlink()
    again = run_sweep(spec, out, executor="slurm", cluster="debug", log=lambda *_: None)
    assert again["skipped"] == 1 and again["submitted"] == 1
    assert {r["status"] for r in _rows(out)} == {"done"}


SBATCH = """#!/usr/bin/env bash
# stand-in for Slurm's sbatch: keep the job script, answer like sbatch does
n=$(ls "$SBATCH_LOG" 2>/dev/null | wc -l)
cp "$1" "$SBATCH_LOG/job$n.sh"
echo "Submitted batch job $((4242 + n))"
"""


def test_slurm_path_writes_a_job_array_script_and_resubmits_only_unfinished_runs(tmp_path, monkeypatch):
    bindir, log = tmp_path / "bin", tmp_path / "sbatch-log"
    bindir.mkdir()
    log.mkdir()
    sbatch = bindir / "sbatch"
    sbatch.write_text(SBATCH)
    sbatch.chmod(sbatch.stat().st_mode | stat.S_IEXEC)
    srun = bindir / "srun"  # submitit looks for srun to decide it is on a cluster; the job script calls it
    srun.write_text("#!/usr/bin/env bash\nexit 0\n")
    srun.chmod(srun.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("SBATCH_LOG", str(log))
    out = tmp_path / "sweep"
    report = run_sweep(_spec(tmp_path), out, executor="slurm", jobs=2, log=lambda *_: None)
    assert report["job_ids"] == ["4242_0", "4242_1"]
    script = (log / "job0.sh").read_text()
    for line in (
        "#SBATCH --array=0-1%2",
        "#SBATCH --partition=gpu",
        "#SBATCH --gpus-per-node=1",
        "#SBATCH --time=30",
        "#SBATCH --mem=16GB",
        "submitit.core._submit",
    ):
        assert line in script, line
    assert {r["status"] for r in _rows(out)} == {"pending"}
    # one run finishes (as a job would record it): the next call resubmits only the other one, as a single job
    (out / "heads=1").mkdir(parents=True, exist_ok=True)
    (out / "heads=1" / "result.json").write_text(json.dumps({"status": "done", "test": [], "seconds": 1.0}))
    again = run_sweep(_spec(tmp_path), out, executor="slurm", jobs=2, log=lambda *_: None)
    assert again["skipped"] == 1 and again["job_ids"] == ["4243"]
    assert "--array" not in (log / "job1.sh").read_text()
    assert [r["status"] for r in _rows(out)] == ["done", "pending"]


def test_out_must_be_a_folder_and_jobs_positive(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValueError, match="is a file"):
        run_sweep(_spec(tmp_path), tmp_path / "file", log=lambda *_: None)
    with pytest.raises(ValueError, match="`jobs` must be a positive integer"):
        run_sweep(_spec(tmp_path), tmp_path / "o", jobs=0, log=lambda *_: None)
    assert collect_results([], tmp_path).read_text().startswith("name")


def test_the_shipped_spec_rebuilds_every_shipped_checkpoint_command():
    import shlex
    from importlib.resources import files

    manifest = json.loads(files("sadyn.solver.pretrained").joinpath("manifest.json").read_text())["models"]
    runs = {r.name: r for r in expand(load_spec(Path(str(files("sadyn.solver.pretrained").joinpath("shipped.toml")))))}
    assert set(runs) == set(manifest)
    from sadyn.solver.pretrained import shipped_parent, shipped_start

    for name, entry in manifest.items():
        recorded = sd.TrainConfig.from_argv(shlex.split(entry["command"]))
        spec = runs[name].config
        if recorded.init_from is not None:  # fine-tuned: same start, checked by the digest the run recorded
            stage = Path(spec.init_from).parent.name
            assert shipped_parent(shipped_start(name)) == stage, name
            recorded, spec = (
                recorded.__class__.from_dict({**recorded.to_dict(), "init_from": None}),
                spec.__class__.from_dict({**spec.to_dict(), "init_from": None}),
            )
        assert spec == recorded, name
    assert runs["itrsa9-rms"].options == {"minutes": 130} and runs["itrsa4-rms"].options == {}


def test_paper_preset_is_table_s1():
    c = sd.TrainConfig.paper()
    assert (c.model["dim"], c.model["heads"], c.steps, c.batch_size, c.epochs, c.lr) == (512, 8, 16, 100, 100, 5e-4)
    a = sd.TrainConfig.paper("akorn", epochs=3)
    assert a.model["dynamics"] == "akorn" and a.model["oscillator_dim"] == 4 and a.lr == 1e-3 and a.epochs == 3


def test_cli_sweep_dry_run_lists_runs_and_refuses_a_file_as_out(tmp_path, capsys):
    from sadyn.cli import main

    spec = _spec(tmp_path)
    assert main(["sweep", str(spec), "--out", str(tmp_path / "s"), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "heads=1: new" in out and "heads=2: new" in out and not (tmp_path / "s").exists()
    (tmp_path / "f").write_text("x")
    assert main(["sweep", str(spec), "--out", str(tmp_path / "f")]) == 2
    assert "sadyn sweep: error: --out" in capsys.readouterr().err
    assert main(["sweep", str(tmp_path / "missing.toml"), "--out", str(tmp_path / "s")]) == 2
    assert "cannot be read" in capsys.readouterr().err


def test_the_documented_toy_sweep_is_two_runs():
    root = Path(__file__).resolve().parents[1]
    runs = expand(load_spec(root / "docs" / "sweeps" / "toy.toml"))
    assert [r.name for r in runs] == ["heads=1", "heads=2"]
    assert "sadyn sweep docs/sweeps/toy.toml --out runs/toy-sweep --jobs 2" in (root / "README.md").read_text()


def test_the_paper_scale_sweep_is_13_models_by_5_seeds_at_table_s1():
    root = Path(__file__).resolve().parents[1]
    runs = expand(load_spec(root / "docs" / "sweeps" / "paper.toml"))
    assert len(runs) == 65 and len({r.values["run"] for r in runs}) == 13
    assert {r.config.seed for r in runs} == {0, 1, 2, 3, 4}
    paper = sd.TrainConfig.paper()
    base = next(r for r in runs if r.name == "itrsa-rms,seed=0").config
    assert base == paper
    assert sum(r.config.epochs == 100 for r in runs) == 55
