"""Stopping a local sweep stops its trainers: a signal to the sweep (SIGTERM, or Ctrl-C's SIGINT to its process
group) is forwarded once, the trainer saves a resumable ``last.pt`` and exits, queued runs never start; a sweep
killed outright (SIGKILL) leaves no trainer behind either."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from problems import tiny_sweep_spec

from sadyn.solver import load_checkpoint
from sadyn.solver.lock import LOCK_NAME

pytestmark = pytest.mark.skipif(not hasattr(os, "killpg"), reason="POSIX signals and sessions")

REPO = Path(__file__).resolve().parents[1]
SPEC = tiny_sweep_spec(
    """
[grid]
seed = [0, 1]
[sweep]
eval_steps = [2]
eval_limit = 10
""",
    epochs=400,
    train_size=96,
    val_size=32,
)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _wait(condition, what: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what}: not within {timeout:.0f} s"
        time.sleep(0.05)


def _start(tmp_path: Path) -> tuple[subprocess.Popen[str], Path, int]:
    """A two-run sweep with one job; returns it once the first trainer has logged an epoch, and that trainer's PID."""
    (tmp_path / "spec.toml").write_text(SPEC)
    out = tmp_path / "sweep"
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    argv = [sys.executable, "-m", "sadyn", "sweep", str(tmp_path / "spec.toml"), "--out", str(out), "--jobs", "1"]
    proc = subprocess.Popen(
        argv, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    log = out / "seed=0" / "log.txt"

    def started() -> bool:
        assert proc.poll() is None, f"the sweep ended before the signal: {proc.communicate()}"
        return log.is_file() and bool(log.read_text().strip()) and (out / "seed=0" / LOCK_NAME).is_file()

    _wait(started, "the first epoch")
    worker = json.loads((out / "seed=0" / LOCK_NAME).read_text())["pid"]
    assert worker != proc.pid, "the trainer runs in a worker process"
    return proc, out, worker


def _stopped_cleanly(out: Path, worker: int) -> None:
    _wait(lambda: not _alive(worker), "the trainer exiting", 60)
    assert not (out / "seed=0" / LOCK_NAME).exists(), "the trainer must release its lock"
    progress = load_checkpoint(out / "seed=0" / "last.pt")["progress"]
    assert 3 <= progress["update"] < 400 * 3, progress
    assert not (out / "seed=0" / "result.json").exists(), "an interrupted run is not finished"
    assert not (out / "seed=1").exists(), "a queued run must not start after the stop"


@pytest.mark.parametrize(
    "how", ["SIGTERM to the sweep", pytest.param("Ctrl-C to its process group", marks=pytest.mark.slow)]
)
def test_a_signal_to_the_sweep_stops_and_saves_its_trainer(tmp_path, how):
    proc, out, worker = _start(tmp_path)
    try:
        if how.startswith("SIGTERM"):
            proc.send_signal(signal.SIGTERM)
            status, name = 128 + signal.SIGTERM, "SIGTERM"
        else:
            os.killpg(proc.pid, signal.SIGINT)  # what the terminal does on Ctrl-C
            status, name = 128 + signal.SIGINT, "SIGINT"
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == status, (stdout, stderr)
    assert "Traceback" not in stderr and "Traceback" not in stdout, stderr
    assert f"sadyn sweep: stopped by {name}" in stdout and "seed=0: interrupted" in stdout
    assert stderr.count("received: stopping after this batch") == 1, "the trainer is asked to stop once"
    _stopped_cleanly(out, worker)


def test_a_killed_sweep_leaves_no_trainer_running(tmp_path):
    proc, out, worker = _start(tmp_path)
    try:
        proc.send_signal(signal.SIGKILL)  # the sweep cannot forward anything: the worker sees its parent go
        proc.communicate(timeout=60)
        _stopped_cleanly(out, worker)
    finally:
        if _alive(worker):
            os.kill(worker, signal.SIGKILL)


def test_a_signal_during_the_final_evaluation_stops_it_and_the_next_call_evaluates(tmp_path):
    """Training ends after one batch; the long test-set evaluation that follows (T = 3000) is where SIGTERM lands."""
    spec = tiny_sweep_spec(
        "[grid]\nseed = [0]\n[sweep]\neval_steps = [3000]\neval_limit = 100\n", epochs=1, train_size=32, val_size=32
    )
    (tmp_path / "spec.toml").write_text(spec)
    out, run = tmp_path / "sweep", tmp_path / "sweep" / "seed=0"
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    argv = [sys.executable, "-m", "sadyn", "sweep", str(tmp_path / "spec.toml"), "--out", str(out), "--jobs", "1"]

    def sweep() -> subprocess.Popen[str]:
        return subprocess.Popen(argv, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    proc = sweep()
    try:

        def evaluating() -> bool:
            assert proc.poll() is None, f"the sweep ended before the signal: {proc.communicate()}"
            trained = (run / "log.txt").is_file() and bool((run / "log.txt").read_text().strip())
            return trained and (run / "last.pt").is_file() and not (run / LOCK_NAME).exists()

        _wait(evaluating, "the end of training")
        proc.send_signal(signal.SIGTERM)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 128 + signal.SIGTERM, (stdout, stderr)
    assert "seed=0: interrupted" in stdout and "Traceback" not in stderr, (stdout, stderr)
    assert not (run / "result.json").exists(), "an unevaluated run is not finished"
    again = sweep()
    stdout, stderr = again.communicate(timeout=300)
    assert again.returncode == 0 and "seed=0: resume" in stdout and "seed=0: done" in stdout, (stdout, stderr)
    assert json.loads((run / "result.json").read_text())["test"][0]["steps"] == 3000
