"""One trainer per run folder: a lock file that a crashed run does not leave stuck.

:func:`train` holds ``<out>/.lock`` while it runs. The file is created atomically (``O_CREAT | O_EXCL``) and says
who holds it: ``{"pid", "host", "started", "command"}``; a background thread touches it every
``HEARTBEAT_S`` seconds. A second trainer on the same folder is refused (:class:`RunLocked`, naming the PID and
host) unless the lock is stale:

- same host and the PID is not running (the trainer crashed or was killed with SIGKILL), or
- the heartbeat is older than ``STALE_AFTER_S`` (a holder on another host that died, or a reused PID).

A stale lock is taken over with a ``UserWarning`` saying whose it was.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
import warnings
from pathlib import Path
from typing import Any

__all__ = ["RunLock", "RunLocked", "LOCK_NAME", "HEARTBEAT_S", "STALE_AFTER_S"]

LOCK_NAME = ".lock"
HEARTBEAT_S = 30.0
STALE_AFTER_S = 30 * 60.0


class RunLocked(RuntimeError):
    """The run folder is held by another live trainer."""


def _alive(pid: int) -> bool:
    """Whether process ``pid`` exists on this host (a process we may not signal still exists)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


class RunLock:
    """``with RunLock(folder, command=...):`` holds ``folder/.lock`` for the block (see the module docstring)."""

    def __init__(self, folder: str | Path, *, command: str = "", stale_after_s: float = STALE_AFTER_S) -> None:
        self.path = Path(folder) / LOCK_NAME
        self.command = command
        self.stale_after_s = float(stale_after_s)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._held = False

    # ------------------------------------------------------------------ who holds it
    def holder(self) -> dict[str, Any] | None:
        """The lock file's record plus ``age_s`` (seconds since the last heartbeat), or None if there is none."""
        try:
            text, mtime = self.path.read_text(), self.path.stat().st_mtime
        except FileNotFoundError:
            return None
        try:
            record = json.loads(text)
            record = record if isinstance(record, dict) else {}
        except ValueError:  # a half-written file: its writer died between create and write
            record = {}
        record["age_s"] = max(0.0, time.time() - mtime)
        return record

    def stale_reason(self, record: dict[str, Any]) -> str | None:
        """Why ``record`` no longer holds the folder, or None if its trainer may still be running."""
        pid, host = record.get("pid"), record.get("host")
        if host == socket.gethostname() and isinstance(pid, int) and not _alive(pid):
            return f"PID {pid} is not running on {host}"
        if record["age_s"] > self.stale_after_s:
            return f"its last heartbeat is {record['age_s'] / 60:.0f} minutes old"
        if not isinstance(pid, int):
            return None if record["age_s"] < 2 * HEARTBEAT_S else "it is unreadable and not refreshed"
        return None

    # ------------------------------------------------------------------ take and release
    def acquire(self) -> RunLock:
        """Take the lock, taking over a stale one; raises :class:`RunLocked` if a live trainer holds it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for _ in range(3):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                self._clear_stale()
                continue
            except OSError as error:
                raise ValueError(
                    f"cannot create the lock file {self.path} ({error.strerror or error}); the run folder must be "
                    f"writable: pass another `out_dir`."
                ) from None
            with os.fdopen(fd, "w") as fh:
                json.dump(
                    {
                        "pid": os.getpid(),
                        "host": socket.gethostname(),
                        "started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
                        "command": self.command,
                    },
                    fh,
                )
            self._held = True
            self._thread = threading.Thread(target=self._beat, name="sadyn-run-lock", daemon=True)
            self._thread.start()
            return self
        raise RunLocked(f"could not take the lock {self.path}: other trainers keep taking it; choose another folder.")

    def _clear_stale(self) -> None:
        """Remove the existing lock file if it is stale (with a warning); raise :class:`RunLocked` if it is live."""
        record = self.holder()
        if record is None:
            return  # released between our two looks
        reason = self.stale_reason(record)
        if reason is None:
            raise RunLocked(self._refusal(record))
        warnings.warn(
            f"taking over the stale lock {self.path} of PID {record.get('pid')} on {record.get('host')} ({reason}).",
            UserWarning,
            stacklevel=4,
        )
        again = self.holder() or {}
        if (again.get("pid"), again.get("started")) == (record.get("pid"), record.get("started")):
            self.path.unlink(missing_ok=True)  # still the stale one (another trainer may have taken over meanwhile)

    def _refusal(self, record: dict[str, Any]) -> str:
        ours = record.get("pid") == os.getpid() and record.get("host") == socket.gethostname()
        who = "this process" if ours else f"PID {record.get('pid')} on host {record.get('host')}"
        return (
            f"{self.path.parent} is in use by another trainer: {who}, started {record.get('started')}, last "
            f"heartbeat {record['age_s']:.0f} s ago (lock file {self.path}). Wait for it to finish, stop it, or "
            f"choose another folder. If that trainer is gone, delete the lock file."
        )

    def _beat(self) -> None:
        while not self._stop.wait(HEARTBEAT_S):
            try:
                os.utime(self.path)
            except OSError:
                return

    def release(self) -> None:
        """Stop the heartbeat and remove the lock file (if it is still ours)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=1.0)
        if self._held:
            record = self.holder() or {}
            if record.get("pid") == os.getpid():
                self.path.unlink(missing_ok=True)
            self._held = False

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
