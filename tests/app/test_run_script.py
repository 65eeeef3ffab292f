"""`make run` (scripts/run.py): the embedded model server starts with the app, before any browser
connects, so a first visitor does not wait for it; and it stops with the app."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from lib.local_model import MODEL_ID
from tests.support.environment import app_vars
from tests.support.stand_in import free_port

ROOT = Path(__file__).resolve().parents[2]


def _answers(url: str) -> str | None:
    try:
        return httpx.get(url, timeout=15).text  # a loaded machine: the model server may be slow to answer
    except httpx.TransportError:
        return None


@pytest.mark.local_model
def test_the_model_server_starts_with_the_app_and_stops_with_it(tmp_path: Path) -> None:
    port, model_port = free_port(), free_port()
    env = {**os.environ, **app_vars(model_port), "WORKBENCH_HOME": str(tmp_path)}
    cmd = [sys.executable, "scripts/run.py", "--server.headless", "true", "--server.port", str(port),
           "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"]  # fmt: skip
    log = tmp_path / "run.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    models = f"http://127.0.0.1:{model_port}/v1/models"
    try:
        deadline = time.monotonic() + 90
        listing, health = "", None
        while (MODEL_ID not in listing or health != "ok") and time.monotonic() < deadline:
            assert proc.poll() is None, log.read_text()[-2000:]
            time.sleep(0.2)  # polling servers that are starting
            listing = listing if MODEL_ID in listing else _answers(models) or ""
            health = health if health == "ok" else _answers(f"http://127.0.0.1:{port}/_stcore/health")
        # No browser has connected: the model server answers all the same, and so does the app.
        assert MODEL_ID in listing, log.read_text()[-2000:]
        assert health == "ok"
    finally:
        proc.send_signal(signal.SIGINT)  # Ctrl-C
        proc.wait(timeout=30)
    assert _answers(models) is None, "the model server outlived the app that started it"


def test_the_warming_thread_imports_what_the_first_page_imports() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import run
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    names = run.page_modules()
    # app.py's and the Playground's own imports, read from their code: a module added there is warmed too.
    assert {"ui.sidebar", "ui.chat", "ui.form", "ui.api_panel", "ui.handout_view", "lib.share"} <= set(names)
    assert all(n.split(".")[0] in ("ui", "lib") for n in names)
    assert all((ROOT / (n.replace(".", "/") + ".py")).is_file() for n in names)
