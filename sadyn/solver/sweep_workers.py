"""Worker processes of a local sweep (:func:`sadyn.solver.sweep.run_sweep`), and how a signal stops them.

The trainers run in spawned worker processes, each in its own session, so a Ctrl-C at the terminal (SIGINT to the
foreground process group) reaches the sweep alone. The sweep forwards the first SIGINT or SIGTERM as one SIGTERM to
each worker, whose trainer saves a resumable ``last.pt`` after its current batch
(:class:`~sadyn.solver.stopping.Interrupts`); queued runs are cancelled, and a worker that was asked to stop starts
no further run. A signal during the evaluation that follows training stops it too (:func:`stop_raises`): no
``result.json`` is written, and the next call evaluates the finished run. A worker whose sweep died without a word
(SIGKILL) notices that its parent changed and stops itself the same way, so no trainer outlives its sweep holding the
run's lock.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

__all__ = ["StopWorkers", "SweepStopped", "run_in_worker", "stop_raises", "worker_start"]

_WORKER_STOP: list[int] = []  # in a worker: the signal that asked it to stop, once one has
_WORKER_BUSY = threading.Event()  # in a worker: set while a run is in hand
_IN_WORKER: list[bool] = []  # [True] in a sweep worker process


class SweepStopped(BaseException):
    """Raised inside :func:`stop_raises` by a stop signal (a BaseException, like KeyboardInterrupt, so that no
    ``except Exception`` on the way swallows it)."""


def worker_start(parent: int) -> None:
    """Pool initializer: a session of its own, a stop flag for signals between runs, a watch on the parent."""
    _IN_WORKER.append(True)
    if hasattr(os, "setsid"):
        with contextlib.suppress(OSError):  # already a session leader
            os.setsid()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda number, frame: _WORKER_STOP.append(number))

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os.kill(os.getpid(), signal.SIGTERM)  # the sweep is gone: stop like a forwarded SIGTERM ...
        time.sleep(0.1)
        while _WORKER_BUSY.is_set():  # ... let the trainer save ...
            time.sleep(0.1)
        os._exit(0)  # ... and leave: no one will send this worker another run or read its result

    threading.Thread(target=watch, name="sadyn-sweep-parent-watch", daemon=True).start()


@contextlib.contextmanager
def stop_raises() -> Iterator[None]:
    """In a sweep worker, make a stop signal (SIGINT/SIGTERM, during the block or already received) raise
    :class:`SweepStopped` out of the block; elsewhere (a Slurm job, a test calling ``run_one``) do nothing."""
    if not _IN_WORKER or threading.current_thread() is not threading.main_thread():
        yield
        return
    if _WORKER_STOP:
        raise SweepStopped(_WORKER_STOP[0])

    def stop(number: int, frame: Any) -> None:
        _WORKER_STOP.append(number)
        raise SweepStopped(number)

    saved = {signum: signal.signal(signum, stop) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, handler in saved.items():
            signal.signal(signum, handler)


def run_in_worker(
    fn: Callable[..., dict[str, Any]], run: Any, folder: Path, options: Mapping[str, Any]
) -> dict[str, Any]:
    """``fn(run, folder, options)`` (:func:`~sadyn.solver.sweep.run_one`) in a pool worker, unless the worker was
    already asked to stop; then the record says "not started"."""
    _WORKER_BUSY.set()
    try:
        if _WORKER_STOP:
            return {"name": run.name, "status": "interrupted", "stopped": "not started", "seconds": 0.0}
        record = fn(run, folder, options)
    finally:
        _WORKER_BUSY.clear()
    if record["status"] == "interrupted" and record.get("stopped") in ("interrupted", "evaluation"):
        _WORKER_STOP.append(0)
    return record


class StopWorkers:
    """While a local sweep runs: the first SIGINT/SIGTERM is recorded and forwarded to the workers as SIGTERM."""

    def __init__(self, workers: Any, log: Any) -> None:
        self.workers, self.log = workers, log
        self.signal: int | None = None
        self._saved: dict[int, Any] = {}

    def _handle(self, signum: int, frame: Any) -> None:
        self.signal = signum
        self._restore()  # a second signal acts as usual
        self.log(
            f"sweep: {signal.Signals(signum).name} received: each running trainer saves a resumable last.pt after "
            "its current batch; queued runs are cancelled (run the same command to continue)"
        )
        for process in self.workers():
            if process.pid is not None:
                with contextlib.suppress(ProcessLookupError):  # it ended meanwhile
                    os.kill(process.pid, signal.SIGTERM)

    def _restore(self) -> None:
        for signum, handler in self._saved.items():
            signal.signal(signum, handler)
        self._saved = {}

    def __enter__(self) -> StopWorkers:
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                self._saved[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        self._restore()
