"""What every exercise checker shares: the report line and a guarded call of the reader's function."""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["_report", "_call"]


def _report(ok: bool, message: str) -> bool:
    print(("Correct! " if ok else "Not yet: ") + message)
    return ok


def _call(fn: Callable, *args) -> tuple[bool, object]:
    """Run the reader's function: (True, result) or (False, the report already printed)."""
    try:
        return True, fn(*args)
    except NotImplementedError:
        return False, _report(
            False, "the exercise is not attempted yet: replace `raise NotImplementedError` by your code."
        )
    except Exception as exc:
        return False, _report(False, f"your function raised {type(exc).__name__}: {exc}")
