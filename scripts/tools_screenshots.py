"""Screenshots for docs/ of #15: a tool call (the stand-in streams two calls of the example's function,
a result typed under the first) and token probabilities (the real embedded model, its least likely
token hovered to show the alternatives). A real app in Debian's Chromium.
Usage: .venv/bin/python scripts/tools_screenshots.py   (writes docs/tool-call.png, docs/token-probabilities.png)
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402

from lib.local_model import LocalServer  # noqa: E402
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, IDLE, start_app, stop_app  # noqa: E402
from tests.support.environment import app_vars  # noqa: E402
from tests.support.stand_in import Behaviour, StandIn, free_port  # noqa: E402

DOCS = ROOT / "docs"
SECTION = "Tools, images and token probabilities"
CALLS = [
    {"id": "call_paris", "type": "function",
     "function": {"name": "get_weather", "arguments": json.dumps({"city": "Paris", "unit": "celsius"})}},
    {"id": "call_rome", "type": "function",
     "function": {"name": "get_weather", "arguments": json.dumps({"city": "Rome", "unit": "celsius"})}},
]  # fmt: skip


def idle(page: Page) -> None:
    page.wait_for_selector(IDLE, timeout=120_000)


def open_section(page: Page) -> None:
    page.get_by_text(SECTION, exact=True).click()
    expect(page.get_by_label("Tools", exact=True)).to_be_visible()


def tool_call(page: Page, url: str) -> None:
    page.goto(f"{url}/?provider=oxen&model=plain-chat-model")
    expect(page.get_by_placeholder("Send a message")).to_be_visible(timeout=60_000)
    idle(page)
    open_section(page)
    page.get_by_role("button", name="Start from an example").click()
    idle(page)
    page.get_by_role("combobox", name="Tool choice").click()
    page.get_by_role("option", name="auto").click()
    idle(page)
    box = page.get_by_placeholder("Send a message")
    box.fill("What's the weather in Paris and in Rome?")
    box.press("Enter")
    expect(page.get_by_text("Send tool results")).to_be_visible(timeout=60_000)
    idle(page)
    page.get_by_label("Tool result", exact=True).first.fill('{"temperature": 21, "sky": "clear"}')
    page.get_by_label("Tool result", exact=True).nth(1).click()  # the first field's value is kept
    idle(page)
    page.mouse.move(0, 0)
    page.screenshot(path=str(DOCS / "tool-call.png"))


def token_probabilities(page: Page, url: str) -> None:
    page.goto(f"{url}/?provider=local")
    expect(page.get_by_placeholder("Send a message")).to_be_visible(timeout=60_000)
    idle(page)
    open_section(page)
    page.get_by_text("Show token probabilities", exact=True).click()
    idle(page)
    box = page.get_by_placeholder("Send a message")
    box.fill("In one sentence, what is the capital of France?")
    box.press("Enter")
    expect(page.locator(".wb-tok").first).to_be_visible(timeout=120_000)
    expect(page.get_by_text("TTFT")).to_be_visible(timeout=120_000)
    idle(page)
    tokens = page.locator(".wb-tok")
    probs = [float(tokens.nth(i).get_attribute("data-p") or 1) for i in range(tokens.count())]
    least = min(range(len(probs)), key=probs.__getitem__)  # the most telling token to hover
    tokens.nth(least).hover()
    page.screenshot(path=str(DOCS / "token-probabilities.png"))


def main() -> None:
    os.environ["WORKBENCH_HOME"] = home = tempfile.mkdtemp(prefix="shots-tools-")
    stand_in = StandIn().start()
    stand_in.then(Behaviour(tokens=[], tool_calls=CALLS, arg_fragments=6))
    local = LocalServer(port=free_port())
    local.ensure(timeout=180)
    app = start_app({**app_vars(local.port, stand_in.base_url, "sk-demo"), "WORKBENCH_HOME": home}, "shots-tools")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 1440, "height": 1200})  # both calls in view
            tool_call(context.new_page(), app.url)
            context.close()
            context = browser.new_context(viewport={"width": 1440, "height": 900})
            token_probabilities(context.new_page(), app.url)
            context.close()
            browser.close()
    finally:
        stop_app(app)
        local.stop()
        stand_in.stop()
    print("wrote docs/tool-call.png, docs/token-probabilities.png")


if __name__ == "__main__":
    main()
