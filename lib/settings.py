"""Settings read from the environment, in one place so tests can redirect them."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_LOCAL_PORT = 8765


def workbench_home() -> Path:
    """Where the app keeps its data: `$WORKBENCH_HOME`, default `~/.workbench`."""
    return Path(os.environ.get("WORKBENCH_HOME") or Path.home() / ".workbench")


def local_model_port() -> int:
    """Loopback port of the embedded model server (`WORKBENCH_LOCAL_PORT`)."""
    raw = os.environ.get("WORKBENCH_LOCAL_PORT", "")
    return int(raw) if raw.isdigit() else DEFAULT_LOCAL_PORT


def local_model_threads() -> int:
    """Threads for the local server (`WORKBENCH_LOCAL_THREADS`); default one less than the cores.

    llama.cpp's threads wait for each other by spinning, so when another program holds a core one of
    them is waiting on, generation collapses: on 2 cores with one busy, a 27-token answer took 69 s
    with 2 threads and 0.48 s with 1 (idle: 0.35 s and 0.48 s; bench/local_model.py). The app, the
    browser and the model share the machine, so one core is left to the rest.
    """
    raw = os.environ.get("WORKBENCH_LOCAL_THREADS", "")
    return int(raw) if raw.isdigit() and int(raw) > 0 else max(1, (os.cpu_count() or 1) - 1)
