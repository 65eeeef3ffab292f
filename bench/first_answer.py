"""From `make run` to the first streamed token in a real browser, with no model server running.

Two cases, each timed from the command: a fresh clone of this repository's last commit (no .venv, so
set-up installs everything; the per-machine caches, i.e. the portable llama.cpp wheel, uv and its
package cache, are already there), then this working tree, set up already. Each starts `make run` on
a free port with the local model server on a free port too (so it is cold), opens the app in
Chromium, sends a prompt and times the first answer text. Prints a table.

Chromium is already running when the command starts, as a user's browser is, but each case opens the
app in a new browser context: a fresh profile, with nothing of Streamlit's page cached.
Usage: .venv/bin/python bench/first_answer.py
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from playwright.sync_api import Browser, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.support.stand_in import free_port  # noqa: E402


@dataclass
class Timing:
    setup: float  # `make run` to the set-up script's "ready"
    healthy: float
    ready: float
    send_to_first: float
    total: float


def time_make_run(tree: Path, browser: Browser) -> Timing:
    """`make run` in `tree`, to the first answer token in a fresh context of `browser`; the app is
    stopped after."""
    port, model_port = free_port(), free_port()
    log = Path(tempfile.mkdtemp()) / "make-run.log"
    env = {**os.environ, "WORKBENCH_LOCAL_PORT": str(model_port)}
    t0 = time.perf_counter()
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            ["make", "run", f"PORT={port}"], cwd=tree, env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    t_setup = None
    # One client for the whole poll: httpx.get builds a client (and an SSL context) each time, 57 ms of
    # CPU measured, taken every 50 ms from the start it times on this 2-core machine.
    poll = httpx.Client(timeout=1)
    try:
        url = f"http://127.0.0.1:{port}"
        while True:
            if t_setup is None and b"[setup] ready" in log.read_bytes():
                t_setup = time.perf_counter() - t0
            if proc.poll() is not None:
                raise SystemExit(f"`make run` in {tree} exited with {proc.returncode}; its output: {log}")
            try:
                if poll.get(f"{url}/_stcore/health").text == "ok":
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        poll.close()
        t_health = time.perf_counter() - t0
        context = browser.new_context()
        page = context.new_page()
        page.goto(url)
        box = page.get_by_placeholder("Send a message")
        box.wait_for(timeout=120_000)
        page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=120_000)
        t_ready = time.perf_counter() - t0
        box.fill("Say hello.")
        t_send = time.perf_counter()
        box.press("Enter")
        page.wait_for_function(
            """() => {
              const m = document.querySelectorAll("[data-testid='stChatMessage']")[1];
              return m && /[A-Za-z]/.test(m.innerText);
            }""",
            timeout=60_000,
        )
        t_first = time.perf_counter()
        context.close()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    return Timing(t_setup or float("nan"), t_health, t_ready, t_first - t_send, t_first - t0)


def main() -> None:
    clone = Path(tempfile.mkdtemp(prefix="workbench-fresh-")) / "workbench"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            fresh = time_make_run(clone, browser)
        finally:
            shutil.rmtree(clone.parent, ignore_errors=True)
        again = time_make_run(ROOT, browser)
        browser.close()
    print("From `make run` to the first answer token in Chromium, model server not running")
    print("| step (seconds from the command) | fresh clone, caches warm | set up already |")
    print("|---|---:|---:|")
    print(f"| set-up done | {fresh.setup:.1f} | {again.setup:.1f} |")
    print(f"| app healthy | {fresh.healthy:.1f} | {again.healthy:.1f} |")
    print(f"| page ready (local model started) | {fresh.ready:.1f} | {again.ready:.1f} |")
    print(f"| send -> first token | {fresh.send_to_first:.2f} | {again.send_to_first:.2f} |")
    print(f"| **command -> first token** (includes the bench's typing) | {fresh.total:.1f} | {again.total:.1f} |")


if __name__ == "__main__":
    main()
