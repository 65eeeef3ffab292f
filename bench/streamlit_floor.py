"""The floor under Compare's first-token target: how soon a minimal Streamlit page shows a streamed
first token, in the same Chromium, against the same stand-in in a process of its own.

The page is a chat input, four placeholders and one streaming request that the script writes into the
first placeholder (no Workbench code). Each round opens the page afresh, sends a message and times the
first token's text in the page against the moment the stand-in sent it. Compare's own figures come
from bench/compare.py; the difference is what its page costs the browser (README, Compare).
Usage: .venv/bin/python bench/streamlit_floor.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.compare import KEY, Timed  # noqa: E402
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, IDLE  # noqa: E402
from tests.support.stand_in import Behaviour, free_port  # noqa: E402

PAGE = """
import json, os
import httpx
import streamlit as st

prompt = st.chat_input("Send a message")
slots = [column.empty() for column in st.columns(4)]
if prompt:
    body = {"model": "floor", "stream": True, "messages": [{"role": "user", "content": prompt}]}
    headers = {"Authorization": "Bearer " + os.environ["FLOOR_KEY"]}
    with httpx.stream("POST", os.environ["FLOOR_BASE"] + "/chat/completions", json=body, headers=headers) as r:
        text = ""
        for line in r.iter_lines():
            if line.startswith("data: ") and line != "data: [DONE]":
                chunk = json.loads(line[6:])
                if chunk.get("choices"):
                    text += chunk["choices"][0]["delta"].get("content") or ""
                    slots[0].markdown(text)
"""
SEEN = """() => { window.__first = null; const tick = () => {
  if (document.body.innerText.includes("w1")) { window.__first = performance.timeOrigin + performance.now(); return; }
  requestAnimationFrame(tick); }; requestAnimationFrame(tick); }"""


def serve(conn: Connection) -> None:
    """The stand-in in its own process; on request, when each stream's first token left."""
    server = Timed().start()
    server.by_model["floor"] = Behaviour(tokens=[f" w{i}" for i in range(1, 301)], token_interval=0.001)
    conn.send(server.base_url)
    while conn.recv() == "report":
        conn.send(dict(server.first_token_at))
    server.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    ctx = multiprocessing.get_context("fork")  # before any thread of this process starts
    here, there = ctx.Pipe()
    server = ctx.Process(target=serve, args=(there,), daemon=True)
    server.start()
    base_url = here.recv()
    page_file = Path(tempfile.mkdtemp(prefix="bench-floor-")) / "floor.py"
    page_file.write_text(PAGE)
    port = free_port()
    # Run from this repository, so Streamlit reads the app's own .streamlit/config.toml.
    app = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(page_file), "--server.port", str(port)], cwd=ROOT,
        env={**os.environ, "FLOOR_BASE": base_url, "FLOOR_KEY": KEY},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    lags: list[float] = []
    try:
        with httpx.Client(timeout=1) as poll:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    if poll.get(f"{url}/_stcore/health").text == "ok":
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.1)  # polling a process that is starting
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page()
            for _ in range(rounds):
                page.goto(url)  # afresh: the last round's text is gone
                page.wait_for_selector(IDLE, timeout=60_000)
                page.evaluate(SEEN)
                box = page.get_by_placeholder("Send a message")
                box.fill("go")
                box.press("Enter")
                page.wait_for_function("window.__first !== null", timeout=60_000)
                shown = page.evaluate("window.__first") / 1000
                page.wait_for_selector(IDLE, timeout=60_000)
                here.send("report")
                lags.append((shown - here.recv()["floor"]) * 1000)
            browser.close()
    finally:
        app.terminate()
        app.wait(timeout=20)
        here.send("stop")
        server.join(timeout=5)
    print("A minimal Streamlit page: first token shown after the server sent it (ms)")
    print("| round | lag ms |")
    print("|---:|---:|")
    for i, lag in enumerate(lags, 1):
        print(f"| {i} | {lag:.0f} |")
    print(f"| median | {statistics.median(lags):.0f} |")


if __name__ == "__main__":
    main()
