"""`make run` imports the first page's modules in a thread while the browser loads the page (see
scripts/run.py). The page waits for that thread rather than importing the same modules at the same
time: two threads importing one package in different orders can deadlock on its import locks."""

from __future__ import annotations

import threading

_done = threading.Event()
_done.set()  # nothing is under way unless scripts/run.py starts it


def begin() -> None:
    _done.clear()


def finish() -> None:
    _done.set()


def wait(timeout: float = 60.0) -> None:
    """Return once the warming thread is done (at once when there is none)."""
    _done.wait(timeout)
