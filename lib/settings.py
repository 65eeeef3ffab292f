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
    """Threads for the local server (`WORKBENCH_LOCAL_THREADS`); default 2, measured fastest on
    2 cores by bench/local_model.py (about 1.5x the tokens/s of 1 thread)."""
    raw = os.environ.get("WORKBENCH_LOCAL_THREADS", "")
    return int(raw) if raw.isdigit() and int(raw) > 0 else min(2, os.cpu_count() or 1)
