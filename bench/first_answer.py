"""From `make run` to the first streamed token in a real browser, with no model server running.

Starts `make run` on a free port (the local model server on a free port too, so it is cold), opens
Chromium, sends a prompt and times the first answer text. Prints a table.
Usage: .venv/bin/python bench/first_answer.py
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.support.stand_in import free_port  # noqa: E402


def main() -> None:
    port, model_port = free_port(), free_port()
    log = Path(tempfile.mkdtemp()) / "make-run.log"
    env = {**os.environ, "WORKBENCH_LOCAL_PORT": str(model_port)}
    t0 = time.perf_counter()
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            ["make", "run", f"PORT={port}"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        while True:
            try:
                if httpx.get(f"{url}/_stcore/health", timeout=1).text == "ok":
                    break
            except httpx.TransportError:
                time.sleep(0.05)
        t_health = time.perf_counter() - t0
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page()
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
            browser.close()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    print("From `make run` (set-up done, model server not running) to the first answer token, in Chromium")
    print("| step | seconds |")
    print("|---|---:|")
    print(f"| app healthy | {t_health:.1f} |")
    print(f"| page ready (local model started) | {t_ready:.1f} |")
    print(f"| send -> first token | {t_first - t_send:.2f} |")
    print(f"| **command -> first token** (includes the bench's typing) | {t_first - t0:.1f} |")


if __name__ == "__main__":
    main()
