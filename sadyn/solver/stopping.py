"""When a training run stops: time budget, update budget, and Ctrl-C / SIGTERM (:class:`Interrupts`).

A signal never stops a run in the middle of an update. :class:`Interrupts` replaces the SIGINT and SIGTERM
handlers while :func:`~sadyn.solver.train` runs: the first signal only records its number, the loop finishes the
batch in progress, saves ``last.pt`` (a resumable checkpoint, bit-identical to stopping there with
``max_batches``) and returns ``TrainResult(stopped="interrupted", signal=...)``. The original handlers are put
back at once, so a second signal acts as it normally does (Ctrl-C raises ``KeyboardInterrupt`` at once, losing
the work since the last save; SIGTERM ends the process). Handlers can only be set from the main thread; elsewhere
nothing is replaced (signals reach only the main thread anyway).
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

__all__ = ["Clock", "Interrupts"]

_SIGNALS = tuple(s for s in (getattr(signal, "SIGINT", None), getattr(signal, "SIGTERM", None)) if s is not None)


class Interrupts:
    """``with Interrupts() as stop:`` ... ``stop.signal`` is None until SIGINT or SIGTERM arrives, then its number."""

    def __init__(self, *, enabled: bool = True) -> None:
        self.signal: int | None = None
        self._enabled = enabled and threading.current_thread() is threading.main_thread()
        self._saved: dict[int, Any] = {}

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.signal = signum
        self._restore()
        name = signal.Signals(signum).name
        again = "press Ctrl-C again" if signum == getattr(signal, "SIGINT", None) else f"send {name} again"
        print(
            f"\nsadyn: {name} received: stopping after this batch and saving a resumable checkpoint "
            f"({again} to stop at once, without saving).",
            file=sys.stderr,
            flush=True,
        )

    def _restore(self) -> None:
        for signum, handler in self._saved.items():
            with contextlib.suppress(ValueError, OSError, TypeError):  # a handler from a foreign library
                signal.signal(signum, handler)
        self._saved = {}

    def __enter__(self) -> Interrupts:
        if self._enabled:
            for signum in _SIGNALS:
                with contextlib.suppress(ValueError, OSError):  # not the main interpreter
                    self._saved[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        self._restore()


@dataclass
class Clock:
    """When to stop (interrupt, time budget, update budget) and when to save mid-epoch."""

    minutes: float | None
    max_batches: int | None
    save_every_minutes: float
    interrupts: Interrupts | None = None
    start: float = field(default_factory=time.perf_counter)
    elapsed0: float = 0.0
    last_save: float = 0.0
    done_batches: int = 0

    def __post_init__(self) -> None:
        self.last_save = self.start

    def elapsed(self) -> float:
        return self.elapsed0 + time.perf_counter() - self.start

    def interrupted(self) -> bool:
        return self.interrupts is not None and self.interrupts.signal is not None

    def stop_reason(self, now: float) -> str | None:
        if self.interrupted():
            return "interrupted"
        if self.minutes is not None and now - self.start >= 60 * self.minutes:
            return "time budget"
        if self.max_batches is not None and self.done_batches >= self.max_batches:
            return "max_batches"
        return None
