"""The floor under Compare's first-token target: how soon a minimal Streamlit page shows a streamed
first token, in the same Chromium, against the same stand-in in a process of its own.

The page is a chat input, four placeholders and one streaming request that the script writes into the
first placeholder (no Workbench code). With `--panes 4`, four requests stream at once at Compare's
rates (threads feeding a queue that the script drains into the placeholders, each redrawn at most every
30 ms, as Compare does): the floor under Compare's own load. Each round opens the page afresh, sends a
message and times each first token's text in the page against the moment the stand-in sent it.
Compare's own figures come from bench/compare.py; the difference is what its page costs the browser
(README, Compare).
Usage: .venv/bin/python bench/streamlit_floor.py [--rounds 5] [--panes 4]
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
import json, os, queue, threading, time
import httpx
import streamlit as st

PANES = int(os.environ["FLOOR_PANES"])
prompt = st.chat_input("Send a message")
slots = [column.empty() for column in st.columns(4)]


def work(i, texts, changes):
    body = {"model": f"floor{i}", "stream": True, "messages": [{"role": "user", "content": prompt}]}
    headers = {"Authorization": "Bearer " + os.environ["FLOOR_KEY"]}
    with httpx.stream("POST", os.environ["FLOOR_BASE"] + "/chat/completions", json=body, headers=headers) as r:
        for line in r.iter_lines():
            if line.startswith("data: ") and line != "data: [DONE]":
                chunk = json.loads(line[6:])
                if chunk.get("choices"):
                    texts[i] += chunk["choices"][0]["delta"].get("content") or ""
                    changes.put(i)
    changes.put(-1)


if prompt:  # each pane's stream in a thread; the script draws each at most every 30 ms, as Compare does
    texts, changes, drawn = [""] * PANES, queue.Queue(), [0.0] * PANES
    for i in range(PANES):
        threading.Thread(target=work, args=(i, texts, changes), daemon=True).start()
    left = PANES
    while left:
        i = changes.get()
        left -= i == -1
        for j in range(PANES):
            if texts[j] and (time.monotonic() - drawn[j] > 0.03 or not left):
                slots[j].markdown(texts[j])
                drawn[j] = time.monotonic()
"""
SEEN = """(n) => { window.__first = Array(n).fill(null); const tick = () => {
  const text = document.body.innerText, now = performance.timeOrigin + performance.now();
  window.__first.forEach((t, i) => { if (t === null && text.includes(`p${i}w1`)) window.__first[i] = now; });
  if (window.__first.includes(null)) requestAnimationFrame(tick); }; requestAnimationFrame(tick); }"""
RATES = (1000, 500, 250, 100)  # tokens/s of each pane, as in bench/compare.py


def serve(conn: Connection, panes: int) -> None:
    """The stand-in in its own process; on request, when each stream's first token left. One pane: 300
    tokens at 1,000/s; more: each at Compare's rate for two seconds (the load while first tokens show)."""
    server = Timed().start()
    for i, rate in enumerate(RATES[:panes]):
        n = 300 if panes == 1 else 2 * rate
        tokens = [f" p{i}w{j}" for j in range(1, n + 1)]
        server.by_model[f"floor{i}"] = Behaviour(tokens=tokens, token_interval=1 / rate)
    conn.send(server.base_url)
    while conn.recv() == "report":
        conn.send(dict(server.first_token_at))
    server.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--panes", type=int, default=1, choices=range(1, 5), help="streams at once, as Compare's panes")
    args = parser.parse_args()
    rounds, panes = args.rounds, args.panes
    ctx = multiprocessing.get_context("fork")  # before any thread of this process starts
    here, there = ctx.Pipe()
    server = ctx.Process(target=serve, args=(there, panes), daemon=True)
    server.start()
    base_url = here.recv()
    page_file = Path(tempfile.mkdtemp(prefix="bench-floor-")) / "floor.py"
    page_file.write_text(PAGE)
    port = free_port()
    # Run from this repository, so Streamlit reads the app's own .streamlit/config.toml.
    app = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(page_file), "--server.port", str(port)], cwd=ROOT,
        env={**os.environ, "FLOOR_BASE": base_url, "FLOOR_KEY": KEY, "FLOOR_PANES": str(panes)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    lags: list[list[float]] = []
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
                page.evaluate(SEEN, panes)
                box = page.get_by_placeholder("Send a message")
                box.fill("go")
                box.press("Enter")
                page.wait_for_function("!window.__first.includes(null)", timeout=60_000)
                shown = page.evaluate("window.__first")
                page.wait_for_selector(IDLE, timeout=60_000)
                here.send("report")
                sent = here.recv()
                lags.append([shown[i] - sent[f"floor{i}"] * 1000 for i in range(panes)])
            browser.close()
    finally:
        app.terminate()
        app.wait(timeout=20)
        here.send("stop")
        server.join(timeout=5)
    rates = " ".join(f"{r:,}" for r in RATES[:panes])
    print(f"A minimal Streamlit page, {panes} stream(s) at once ({rates} tokens/s): "
          "first token shown after the server sent it (ms)")  # fmt: skip
    print("| round | " + " | ".join(f"pane {i}" for i in range(panes)) + " |")
    print("|---:|" + "---:|" * panes)
    for n, row in enumerate(lags, 1):
        print(f"| {n} | " + " | ".join(f"{lag:.0f}" for lag in row) + " |")
    print("| median | " + " | ".join(f"{statistics.median(r[i] for r in lags):.0f}" for i in range(panes)) + " |")


if __name__ == "__main__":
    main()
