"""How far behind the page falls on a long streamed answer, and how fast the API-call panel follows
a parameter change in a long conversation. Real app, real Chromium, the stand-in as the provider.

1. The stand-in streams 8,000 and then 16,000 tokens at about 1,000 tokens/s; the page watches for
   the last token with requestAnimationFrame. Lag = last token visible in the page minus the last
   token leaving the server (both wall clock, same machine). Target: under 150 ms.
2. With a 100- and a 500-message conversation, the time from pressing Enter on a new Temperature
   to the cURL code showing it. Targets: 200 ms and 300 ms.
Usage: .venv/bin/python bench/ui_stream.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Page, sync_playwright  # noqa: E402

from lib.share import pack  # noqa: E402
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, IDLE, start_app, stop_app  # noqa: E402
from tests.support.stand_in import Behaviour, StandIn  # noqa: E402

WATCH = """
(token) => new Promise((resolve, reject) => {
  setTimeout(() => reject(new Error("the last token never showed: " + token)), 120000);
  const look = () => {
    const all = document.querySelectorAll("[data-testid='stChatMessage']");
    const last = all[all.length - 1];
    if (last && last.textContent.includes(token)) resolve(performance.timeOrigin + performance.now());
    else requestAnimationFrame(look);
  };
  look();
})
"""


def stream_lag(page: Page, stand_in: StandIn, url: str, n: int) -> tuple[float, float]:
    """(lag in ms, the server's real token rate) for one n-token answer."""
    stand_in.then(Behaviour(tokens=[f"w{i} " for i in range(n)], token_interval=0.001))
    page.goto(url)
    page.wait_for_selector(IDLE, timeout=60_000)
    box = page.get_by_placeholder("Send a message")
    box.fill(f"Stream {n} tokens.")
    started = time.time()
    box.press("Enter")
    seen = page.evaluate(WATCH, f"w{n - 1}")  # resolves when the last token is on screen
    last = stand_in.last_token_at[-1]
    page.wait_for_selector(IDLE, timeout=120_000)
    return (seen / 1000 - last) * 1000, n / (last - started)


def panel_update(page: Page, url: str, n_messages: int, runs: int = 5) -> float:
    """Median ms from Enter on a new Temperature to the cURL code showing it."""
    chat = [{"role": ("user", "assistant")[i % 2], "content": f"message {i}: " + "lorem ipsum " * 8}
            for i in range(n_messages)]  # fmt: skip
    page.goto(f"{url}&chat={pack(chat)}")
    page.wait_for_selector(IDLE, timeout=120_000)
    field = page.get_by_role("spinbutton", name="Temperature")
    times = []
    for r in range(runs):
        value = f"0.{r + 1}"
        field.fill(value)
        t0 = page.evaluate("performance.now()")
        field.press("Enter")
        seen = page.evaluate(
            """(needle) => new Promise(resolve => {
                 const look = () => {
                   const code = document.querySelector(".st-key-api-call [data-testid='stCode'] code");
                   if (code && code.textContent.includes(needle)) resolve(performance.now());
                   else requestAnimationFrame(look);
                 };
                 look();
               })""",
            f'"temperature": {value}',
        )
        times.append(seen - t0)
        page.wait_for_selector(IDLE)
    return statistics.median(times)


def main() -> None:
    stand_in = StandIn().start()
    app = start_app({"OXEN_BASE_URL": stand_in.base_url, "OXEN_API_KEY": "sk-bench"}, "bench")
    url = f"{app.url}/?provider=oxen&model=plain-chat-model"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            rows = []
            for n in (8000, 16000):
                lag, rate = stream_lag(page, stand_in, url, n)
                rows.append((f"stream {n:,} tokens ({rate:,.0f} tok/s): last byte to last token visible",
                             lag, 150))  # fmt: skip
            for n, target in ((2, 200), (100, 200), (500, 300)):
                rows.append((f"parameter change to API-call panel, {n} messages", panel_update(page, url, n), target))
            browser.close()
    finally:
        stop_app(app)
        stand_in.stop()
    print(f"| {'measure':<72} | {'ms':>7} | {'target':>7} |")
    print(f"|{'-' * 74}|{'-' * 9}|{'-' * 9}|")
    for name, ms, target in rows:
        print(f"| {name:<72} | {ms:7.0f} | < {target:5d} |")


if __name__ == "__main__":
    main()
