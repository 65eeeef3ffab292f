"""Screenshots for docs/ of #16: presenter mode at projector sizes (1280x720 and 1920x1080), with a
streamed answer from the stand-in (as Oxen.ai) and the Scenarios list in the sidebar. A real app in
Debian's Chromium, its own stand-in and data folder.
Usage: .venv/bin/python scripts/presenter_screenshots.py   (writes docs/presenter-1280x720.png,
docs/presenter-1920x1080.png)
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, IDLE, start_app, stop_app  # noqa: E402
from tests.support.environment import app_vars  # noqa: E402
from tests.support.stand_in import Behaviour, StandIn, free_port  # noqa: E402

DOCS = ROOT / "docs"
ANSWER = (
    "Sunlight is a mix of colours. Air molecules scatter **short wavelengths** (blue) far more than "
    "long ones (red), so blue light reaches your eyes from every direction of the sky.\n\n"
    "- At noon: the light crosses little air, and the sky looks deep blue.\n"
    "- At sunset: it crosses much more, the blue is scattered away, and reds and oranges remain."
)


def idle(page: Page) -> None:
    page.wait_for_selector(IDLE, timeout=120_000)


def shoot(page: Page, url: str, width: int, height: int) -> None:
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{url}/?provider=oxen&model=gpt-oss-120b&present=1")
    expect(page.get_by_placeholder("Send a message")).to_be_visible(timeout=60_000)
    idle(page)
    box = page.get_by_placeholder("Send a message")
    box.fill("Why is the sky blue?")
    box.press("Enter")
    expect(page.locator("[data-testid='stChatMessage']").nth(1).get_by_text("TTFT")).to_be_visible(timeout=60_000)
    idle(page)
    sidebar = page.get_by_test_id("stSidebar")
    if not sidebar.get_by_role("button", name="Sky demo").count():
        sidebar.get_by_text("Save or import").click()
        sidebar.get_by_role("textbox", name="Scenario name").fill("Sky demo")
        sidebar.get_by_role("textbox", name="Scenario name").press("Enter")
        idle(page)
        sidebar.get_by_role("button", name="Save conversation as scenario").click()
        expect(sidebar.get_by_role("button", name="Sky demo")).to_be_visible(timeout=30_000)
        sidebar.get_by_text("Save or import").click()
        idle(page)
    page.evaluate("document.querySelector('[data-testid=stSidebarContent]').scrollTop = 0")
    page.mouse.move(width - 5, height - 5)
    path = DOCS / f"presenter-{width}x{height}.png"
    page.screenshot(path=str(path))
    print(f"wrote {path.relative_to(ROOT)}")


def main() -> None:
    stand_in = StandIn().start()
    stand_in.default = Behaviour(tokens=[w + " " for w in ANSWER.split(" ")], token_interval=0.01)
    with tempfile.TemporaryDirectory() as home:
        app = start_app({**app_vars(free_port(), stand_in.base_url, "sk-screenshot"), "WORKBENCH_HOME": home},
                        "presenter-screenshots")  # fmt: skip
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page()
                for width, height in ((1280, 720), (1920, 1080)):
                    shoot(page, app.url, width, height)
                browser.close()
        finally:
            stop_app(app)
            stand_in.stop()


if __name__ == "__main__":
    main()
