"""Compare: four panes streaming at once, each against its own speed of server. Real app, real
Chromium, the stand-in as the provider answering each model at its own rate.

Four panes at 1,000, 500, 250 and 100 tokens/s, 4,000 tokens each. The page watches each pane with
requestAnimationFrame for its first and its last token. First-token lag = first token visible in the
pane minus the server sending it; last-token lag = last token visible minus the server sending it
(wall clock, same machine). Targets: first under 50 ms, last under 150 ms, for every pane (no pane
waits for another). The first-token lag is split at the moment the page's JavaScript got the WebSocket
message that carries the token (found by its text in the message's bytes): before it, the app's Python
and the browser's main thread, busy with earlier messages; after it, React drawing it. The stand-in
runs in a process of its own and notes when each token really left: in this process, beside
Playwright's driver, its sends were seen up to 110 ms behind their schedule.
Usage: .venv/bin/python bench/compare.py [--tokens 4000] [--first-token-delay 0.3]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from multiprocessing.connection import Connection  # noqa: E402

from playwright.sync_api import sync_playwright  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import Response  # noqa: E402

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, IDLE, start_app, stop_app  # noqa: E402
from tests.support.environment import app_vars  # noqa: E402
from tests.support.stand_in import Behaviour, StandIn, free_port  # noqa: E402

RATES = (1000, 500, 250, 100)
PREFIX = "abcd"
FIRST_TARGET, LAST_TARGET = 50.0, 150.0  # ms
KEY = "sk-bench-compare"

# Before the app's own scripts: each WebSocket message's arrival in the page's JavaScript, with the
# panes' first tokens it carries (" a1" followed by a space or the live cursor "▌", read as Latin-1).
WIRE = """
window.__wire = [];
const Native = window.WebSocket;
window.WebSocket = function (...args) {
  const ws = new Native(...args);
  ws.addEventListener("message", (e) => {
    const at = performance.timeOrigin + performance.now();
    const note = (bytes) => {
      const text = new TextDecoder("latin1").decode(bytes);
      const firsts = [...PANES].filter(p => new RegExp(p + "1( |\u00e2)").test(text));
      if (firsts.length) window.__wire.push([at, firsts]);
    };
    if (e.data instanceof ArrayBuffer) note(e.data); else if (e.data instanceof Blob) e.data.arrayBuffer().then(note);
  });
  return ws;
};
window.WebSocket.prototype = Native.prototype;
"""

WATCH = """
(panes) => new Promise((resolve, reject) => {
  setTimeout(() => reject(new Error("a pane never showed its last token")), 300000);
  const seen = panes.map(() => ({first: null, last: null}));
  const look = () => {
    const now = performance.timeOrigin + performance.now();
    panes.forEach(([first, last], i) => {
      const all = document.querySelectorAll(`.st-key-pane-${i} [data-testid='stChatMessage']`);
      const text = all.length ? all[all.length - 1].textContent : "";
      if (seen[i].first === null && text.includes(first)) seen[i].first = now;
      if (seen[i].last === null && text.includes(last)) seen[i].last = now;
    });
    if (seen.every(s => s.last !== null)) resolve(seen); else requestAnimationFrame(look);
  };
  look();
})
"""


class Timed(StandIn):
    """The stand-in answering each model with its own behaviour, noting when each answer began."""

    def __init__(self) -> None:
        super().__init__()
        self.by_model: dict[str, Behaviour] = {}
        self.began: dict[str, float] = {}

    async def _chat(self, request: Request, raw: bytes) -> Response:
        model = json.loads(raw).get("model")
        self.began[model] = time.time()  # the first token follows at once, or after --first-token-delay
        self.queue.appendleft(self.by_model[model])
        return await super()._chat(request, raw)


def serve(conn: Connection, n: int, delay: float) -> None:
    """The stand-in, in its own process: each model at its own rate; on request, when each answer
    began and when its first and last tokens left."""
    server = Timed().start()
    for prefix, model, rate in zip(PREFIX, [f"r{rate}" for rate in RATES], RATES, strict=True):
        tokens = [f" {prefix}{i}" for i in range(1, n + 1)]
        server.by_model[model] = Behaviour(tokens=tokens, token_interval=1.0 / rate, first_token_delay=delay)
    conn.send(server.base_url)
    conn.recv()  # the page has seen every pane end
    conn.send({"began": server.began, "first": server.first_token_at, "ends": sorted(server.last_token_at)})
    server.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tokens", type=int, default=4000)
    # 0: the worst case, each server answers the instant it is asked, while the page is still drawing the
    # round. A real model thinks first (hundreds of ms).
    parser.add_argument("--first-token-delay", type=float, default=0.0, help="seconds")
    args = parser.parse_args()
    delay = args.first_token_delay
    n = args.tokens
    models = [f"r{rate}" for rate in RATES]
    ctx = multiprocessing.get_context("fork")  # before any thread of this process starts
    here, there = ctx.Pipe()
    server = ctx.Process(target=serve, args=(there, n, delay), daemon=True)
    server.start()
    base_url = here.recv()
    os.environ["WORKBENCH_HOME"] = tempfile.mkdtemp(prefix="bench-compare-")
    app = start_app(app_vars(free_port(), base_url, KEY), "bench-compare")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.add_init_script(WIRE.replace("PANES", json.dumps(PREFIX)))
            page.goto(f"{app.url}/compare?{urlencode({'provider': 'oxen', 'models': ','.join(models)})}")
            page.wait_for_selector(".st-key-pane-3", timeout=60_000)
            page.wait_for_selector(IDLE, timeout=60_000)
            watch = [[f"{prefix}1", f"{prefix}{n}"] for prefix in PREFIX]
            # Started before sending; not awaited here (the promise ends when every pane has ended).
            page.evaluate(f"(panes) => {{ window.__seen = ({WATCH})(panes); }}", watch)
            box = page.get_by_placeholder("Send a message")
            box.fill("go")
            box.press("Enter")
            seen = page.evaluate("window.__seen", None)
            wire = page.evaluate("window.__wire")
            browser.close()
        here.send("report")
        timings = here.recv()
    finally:
        stop_app(app)
        server.terminate()
    # The stand-in notes each stream's end after its last token and one interval: the answers end in
    # rate order (fastest first), so the i-th end is the i-th rate's.
    ends = timings["ends"]
    print(f"Compare: 4 panes, {n} tokens each, first token {delay * 1000:.0f} ms after each request "
          f"(targets: first token < {FIRST_TARGET:.0f} ms, "
          f"last token < {LAST_TARGET:.0f} ms after the server)")  # fmt: skip
    print(f"{'pane':<6}{'tokens/s':>9}{'first lag ms':>14}{'(in page':>10}{'drawn)':>8}{'last lag ms':>13}"
          f"{'sent late ms':>14}  verdict")  # fmt: skip
    ok = True
    for i, (model, rate) in enumerate(zip(models, RATES, strict=True)):
        first = seen[i]["first"] - timings["first"][model] * 1000
        got = min((at for at, firsts in wire if PREFIX[i] in firsts), default=None)
        in_page = "?" if got is None else f"{got - timings['first'][model] * 1000:.0f}"
        drawn = "?" if got is None else f"{seen[i]['first'] - got:.0f}"
        late = (timings["first"][model] - timings["began"][model] - delay) * 1000  # the server's own lag
        last = seen[i]["last"] - (ends[i] - 1.0 / rate) * 1000
        good = first < FIRST_TARGET and last < LAST_TARGET
        ok = ok and good
        print(f"{i:<6}{rate:>9}{first:>14.0f}{in_page:>10}{drawn:>8}{last:>13.0f}{late:>14.0f}  "
              f"{'ok' if good else 'over target'}")  # fmt: skip
    print("all panes within target" if ok else "some pane over target")


if __name__ == "__main__":
    main()
