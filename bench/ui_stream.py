"""How far behind the page falls on a long streamed answer, for every shape of answer, and how fast
the API-call panel follows a parameter change in a long conversation. Real app, real Chromium, the
stand-in as the provider.

1. The stand-in streams each shape of answer (SHAPES: prose, fenced code with and without a language,
   ``` and ~~~, nested in a list, indented code, lines without a break, a list, a table, a block
   quote, a long reasoning block) at 8,000 and 16,000 tokens, at about 1,000 tokens/s; the page watches
   for the last token with requestAnimationFrame. Lag = last token visible in the page minus the last
   token leaving the server (both wall clock, same machine). Target: under 150 ms.
2. With a 100- and a 500-message conversation, the time from pressing Enter on a new Temperature
   to the cURL code showing it. Targets: 200 ms and 300 ms.

The machine is shared and noisy: `--baseline DIR` starts a second app from another checkout (e.g.
`git archive <commit> | tar -x -C DIR`) and measures every stream on both, alternating which goes
first, so the two columns come from the same run and the same load.
Usage: .venv/bin/python bench/ui_stream.py [--shapes prose,code] [--sizes 8000] [--repeat 3] [--store-off] [--no-panel]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Page, sync_playwright  # noqa: E402

from lib.share import pack  # noqa: E402
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, IDLE, start_app, stop_app  # noqa: E402
from tests.support.answer_shapes import ALL_SHAPES, REASONING, shape_tokens  # noqa: E402
from tests.support.browser import App  # noqa: E402
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


def stream_lag(page: Page, stand_in: StandIn, url: str, shape: str, n: int) -> tuple[float, float]:
    """(lag in ms, the server's real token rate) for one n-token answer of this shape."""
    tokens = shape_tokens(shape, n)
    if shape == REASONING:
        stand_in.then(Behaviour(reasoning=tokens, tokens=["Done."], token_interval=0.001))
    else:
        stand_in.then(Behaviour(tokens=tokens, token_interval=0.001))
    page.goto(url)
    page.wait_for_selector(IDLE, timeout=60_000)
    box = page.get_by_placeholder("Send a message")
    box.fill(f"Stream {n} tokens.")
    started = time.time()
    box.press("Enter")
    if shape == REASONING:  # open the block as it appears, as a reader would
        page.locator("[data-testid='stChatMessage']").nth(1).get_by_text("Reasoning").click()
    seen = page.evaluate(WATCH, f"w{n - 1}")  # resolves when the last token is on screen
    last = stand_in.last_token_at[-1]
    page.wait_for_selector(IDLE, timeout=180_000)
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


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shapes", default=",".join(ALL_SHAPES), help="comma-separated names, or a part of one")
    parser.add_argument("--sizes", default="8000,16000", help="answer lengths in tokens")
    parser.add_argument("--baseline", type=Path, help="another checkout of the app to measure alongside")
    parser.add_argument("--no-panel", action="store_true", help="only the streams")
    parser.add_argument("--repeat", type=int, default=1, help="streams per measure; the median is shown")
    parser.add_argument(
        "--store-off", action="store_true", help="also this tree with its history off (what the store costs)"
    )
    return parser.parse_args()


def main() -> None:
    args = _args()
    wanted = [s.strip() for s in args.shapes.split(",")]
    shapes = [s for s in ALL_SHAPES if any(w == s for w in wanted)] or [
        s for s in ALL_SHAPES if any(w in s for w in wanted)
    ]
    sizes = [int(s) for s in args.sizes.split(",")]
    home = tempfile.mkdtemp(prefix="bench-ui-")  # the apps' own store, not the person's
    env = {"OXEN_BASE_URL": "", "OXEN_API_KEY": "sk-bench", "WORKBENCH_HOME": home}
    stand_in = StandIn().start()
    env["OXEN_BASE_URL"] = stand_in.base_url
    apps: dict[str, App] = {"this tree": start_app(env, "bench")}
    if args.baseline:
        apps = {"baseline": start_app(env, "bench-baseline", root=args.baseline.resolve()), **apps}
    if args.store_off:  # a database that cannot be opened: the app says history is off and chats on
        off = {**env, "WORKBENCH_DATABASE_URL": "sqlite:////nonexistent-dir/workbench.db"}
        apps = {"store off": start_app(off, "bench-store-off"), **apps}
    names = list(apps)
    rows: list[tuple[str, str, dict[str, float], int]] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            k = 0
            for shape in shapes:
                for n in sizes:
                    runs: dict[str, list[float]] = {name: [] for name in names}
                    rates = []
                    for _ in range(args.repeat):
                        for name in names if k % 2 == 0 else names[::-1]:  # alternate who goes first
                            url = f"{apps[name].url}/?provider=oxen&model=plain-chat-model"
                            lag, rate = stream_lag(page, stand_in, url, shape, n)
                            runs[name].append(lag)
                            rates.append(rate)
                        k += 1
                    lags = {name: statistics.median(v) for name, v in runs.items()}
                    rows.append((shape, f"{n:,} ({min(rates):,.0f}/s)", lags, 150))
                    print(f"{shape} {n}: " + ", ".join(f"{a} {' / '.join(f'{x:.0f}' for x in v)} ms"
                                                       for a, v in runs.items()), flush=True)  # fmt: skip
            if not args.no_panel:
                for n, target in ((2, 200), (100, 200), (500, 300)):
                    lags = {}
                    for name in names:
                        lags[name] = panel_update(page, f"{apps[name].url}/?provider=oxen&model=plain-chat-model", n)
                    rows.append(("parameter change to API-call panel", f"{n} messages", lags, target))
            browser.close()
    finally:
        for app in apps.values():
            stop_app(app)
        stand_in.stop()
    print(f"\nload average (1, 5, 15 min) at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    head = " | ".join(f"{name} (ms)" for name in names)
    print(f"| measure | tokens (server rate) | {head} | target (ms) |")
    print("|---|---:|" + "---:|" * len(names) + "---:|")
    for shape, size, lags, target in rows:
        cells = " | ".join(f"{lags[name]:,.0f}" for name in names)
        print(f"| {shape} | {size} | {cells} | < {target} |")


if __name__ == "__main__":
    main()
