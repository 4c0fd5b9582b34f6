"""Training stops cleanly on Ctrl-C / SIGTERM and resumes bit-identically; one trainer per run folder; resuming
with another thread count warns."""

from __future__ import annotations

import importlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest
import torch
from problems import TINY_TRAINING

from sadyn.cli import main
from sadyn.solver import CheckpointError, TrainConfig, load_checkpoint, train
from sadyn.solver.lock import LOCK_NAME, RunLock, RunLocked

REPO = Path(__file__).resolve().parents[1]
TINY = dict(
    TINY_TRAINING,
    epochs=12,
    warmup_steps=3,
    train_size=96,  # 3 batches per epoch
    val_size=32,
)


@pytest.fixture
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def straight(tmp_path_factory) -> Path:
    """The uninterrupted run (one thread, as the subprocesses below)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    out = tmp_path_factory.mktemp("straight")
    try:
        train(TrainConfig(**TINY), out, show_progress=False)
    finally:
        torch.set_num_threads(before)
    return out


def _same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}


@pytest.mark.parametrize(
    ("signum", "status"),
    [(signal.SIGINT, 130), pytest.param(signal.SIGTERM, 143, marks=pytest.mark.slow)],
    ids=["SIGINT", "SIGTERM"],
)
def test_signal_mid_run_saves_and_resume_is_bit_identical(straight, tmp_path, one_thread, signum, status):
    out = tmp_path / "run"
    config = TrainConfig(**TINY)
    argv = [sys.executable, "-m", "sadyn", "train", "--out", str(out), *config.to_argv(), "--quiet"]
    proc = subprocess.Popen(argv, cwd=tmp_path, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not (out / "log.txt").is_file() or not (out / "log.txt").read_text().strip():
            assert proc.poll() is None, f"the run ended before the signal: {proc.communicate()}"
            assert time.monotonic() < deadline, "no epoch finished in 120 s"
            time.sleep(0.01)
        # while it runs, the folder is locked: a second trainer is refused, naming the first one's PID and host
        with pytest.raises(
            RunLocked, match=rf"in use by another trainer: PID {proc.pid} on host {socket.gethostname()}"
        ):
            train(config, out, show_progress=False)
        proc.send_signal(signum)
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == status, stderr
    assert "Traceback" not in stderr and "Traceback" not in stdout
    assert f"sadyn train: stopped by {signal.Signals(signum).name}; resumable checkpoint" in stdout
    assert not (out / LOCK_NAME).exists(), "the lock must be released on a clean stop"
    progress = load_checkpoint(out / "last.pt")["progress"]
    assert 3 <= progress["update"] < 36, progress  # stopped after the first epoch, before the end
    result = train(config, out, show_progress=False)
    assert result.stopped == "done"
    a, b = load_checkpoint(straight / "last.pt"), load_checkpoint(out / "last.pt")
    assert _same(a["model"], b["model"]) and _same(a["ema"], b["ema"])
    assert [r["loss"] for r in a["history"]] == [r["loss"] for r in b["history"]]


def test_a_signal_in_the_library_returns_an_interrupted_result(tmp_path, one_thread, monkeypatch):
    """`train` itself returns TrainResult(stopped="interrupted", signal=...) after saving: no exception."""
    loop = importlib.import_module("sadyn.solver.train")  # the module (sadyn.solver.train is also the function)

    real_update, calls = loop._update, []

    def update_then_signal(*args, **kwargs):
        calls.append(1)
        out = real_update(*args, **kwargs)
        if len(calls) == 2:
            os.kill(os.getpid(), signal.SIGINT)  # arrives in the middle of the epoch
        return out

    monkeypatch.setattr(loop, "_update", update_then_signal)
    before = signal.getsignal(signal.SIGINT)
    result = train(TrainConfig(**TINY), tmp_path, show_progress=False)
    assert (result.stopped, result.signal) == ("interrupted", signal.SIGINT)
    assert signal.getsignal(signal.SIGINT) is before, "the original handler must be restored"
    assert load_checkpoint(result.last)["progress"]["update"] == 2 == len(calls)


def _lock_file(folder: Path, **record) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOCK_NAME
    path.write_text(json.dumps({"started": "earlier", "command": "sadyn train ...", **record}))
    return path


def test_a_live_lock_refuses_a_second_trainer(tmp_path, one_thread):
    config = TrainConfig(**{**TINY, "epochs": 1})
    _lock_file(tmp_path, pid=os.getppid(), host=socket.gethostname())
    with pytest.raises(RunLocked, match=rf"PID {os.getppid()} on host {socket.gethostname()}.*delete the lock file"):
        train(config, tmp_path, show_progress=False)
    assert not (tmp_path / "last.pt").exists(), "nothing may be written next to a live trainer"
    _lock_file(tmp_path, pid=12345, host="another-host")  # fresh heartbeat on another host: may be alive
    with pytest.raises(RunLocked, match="PID 12345 on host another-host"):
        train(config, tmp_path, show_progress=False)


def test_stale_locks_are_taken_over(tmp_path, one_thread):
    config = TrainConfig(**{**TINY, "epochs": 1})
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    _lock_file(tmp_path, pid=dead.pid, host=socket.gethostname())  # a crashed trainer on this host
    with pytest.warns(UserWarning, match=rf"stale lock .* PID {dead.pid} .*not running"):
        assert train(config, tmp_path, show_progress=False, max_batches=1).stopped == "max_batches"
    assert not (tmp_path / LOCK_NAME).exists()
    lock = _lock_file(tmp_path, pid=12345, host="another-host")  # another host, no heartbeat for 2 hours
    old = time.time() - 2 * 3600
    os.utime(lock, (old, old))
    with pytest.warns(UserWarning, match="heartbeat is 120 minutes old"):
        train(config, tmp_path, show_progress=False, max_batches=1)


def test_the_lock_is_released_when_train_fails(tmp_path, one_thread):
    config = TrainConfig(**{**TINY, "epochs": 1})
    train(config, tmp_path, show_progress=False, max_batches=1)
    with pytest.raises(CheckpointError, match="exists; resume it"):
        train(config, tmp_path, show_progress=False, resume=False)
    assert not (tmp_path / LOCK_NAME).exists()
    with RunLock(tmp_path) as lock:
        assert lock.holder()["pid"] == os.getpid()
        with pytest.raises(RunLocked, match="this process"):
            RunLock(tmp_path).acquire()
    assert not (tmp_path / LOCK_NAME).exists()


def test_resuming_with_another_thread_count_warns(tmp_path, one_thread):
    config = TrainConfig(**TINY)
    train(config, tmp_path, show_progress=False, max_batches=1)
    torch.set_num_threads(2)
    with pytest.warns(UserWarning, match=r"torch_threads 1 -> 2: .* not be bit-identical.*--threads 1"):
        train(config, tmp_path, show_progress=False, max_batches=1)
    torch.set_num_threads(2)  # the last checkpoint now records 2: the same count again is silent
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        train(config, tmp_path, show_progress=False, max_batches=1)
    ckpt = torch.load(tmp_path / "last.pt", weights_only=True)  # as if written on a GPU (hardware is not digested)
    torch.save({**ckpt, "hardware": {**ckpt["hardware"], "device": "cuda:0"}}, tmp_path / "last.pt")
    with pytest.warns(UserWarning, match=r"device cuda:0 -> cpu: .* not be bit-identical"):
        train(config, tmp_path, show_progress=False, max_batches=1)


def test_a_run_folder_that_cannot_hold_a_lock_is_a_value_error(tmp_path, monkeypatch, one_thread):
    import sadyn.solver.lock as lock_module

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(lock_module.os, "open", refuse)
    with pytest.raises(ValueError, match=r"cannot create the lock file .*Permission denied.*`out_dir`"):
        train(TrainConfig(**TINY), tmp_path, show_progress=False)
    file = tmp_path / "a-file"
    file.write_text("x")
    with pytest.raises(ValueError, match="`out_dir` .* is a file"):
        train(TrainConfig(**TINY), file, show_progress=False)


@pytest.mark.filterwarnings(
    "default::UserWarning"
)  # the CLI prints warnings; the suite's default turns them into errors
def test_cli_resume_keeps_the_recorded_threads_unless_told(tmp_path, one_thread, capsys, monkeypatch):
    out = tmp_path / "run"
    flags = ["train", "--out", str(out), *TrainConfig(**TINY).to_argv(), "--quiet", "--minutes", "0.0001"]
    assert main([*flags, "--threads", "1"]) == 0
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    capsys.readouterr()
    assert main(flags) == 0  # no --threads: the run's own count (1), not $OMP_NUM_THREADS
    assert torch.get_num_threads() == 1 and "warning" not in capsys.readouterr().err
    assert main([*flags, "--threads", "2"]) == 0
    err = capsys.readouterr().err
    assert "sadyn train: warning: resuming" in err and "not be bit-identical" in err and "Traceback" not in err
