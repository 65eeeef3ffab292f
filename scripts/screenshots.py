"""The README's screenshots: the Playground on the embedded model in the light and the dark theme,
its first screen (what fits the window, after a first answer) at 1280x720 and 1024x768 in both
themes, and the Models page with a card, from a real app in Debian's Chromium (the stand-in plays
Oxen). Usage: .venv/bin/python scripts/screenshots.py   (writes docs/*.png)
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Browser, Page, sync_playwright  # noqa: E402

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, IDLE, start_app, stop_app  # noqa: E402
from tests.support.stand_in import StandIn  # noqa: E402

DOCS = ROOT / "docs"


def drawn(page: Page) -> None:
    """The run is over and every element is drawn: tables, selects and code load their components
    after the run and show a placeholder until then."""
    page.wait_for_selector(IDLE, timeout=120_000)
    page.wait_for_function("document.querySelectorAll(\"[data-testid='stSkeleton']\").length === 0")


def ask(page: Page, text: str, index: int) -> None:
    box = page.get_by_placeholder("Send a message")
    box.fill(text)
    box.press("Enter")
    page.locator("[data-testid='stChatMessage']").nth(index).get_by_text("TTFT").wait_for(timeout=120_000)
    drawn(page)


def playground(browser: Browser, url: str, scheme: str) -> None:
    context = browser.new_context(viewport={"width": 1440, "height": 1350}, color_scheme=scheme)  # type: ignore[arg-type]
    page = context.new_page()
    page.goto(url)
    page.get_by_placeholder("Send a message").wait_for(timeout=120_000)
    page.wait_for_selector(IDLE, timeout=120_000)
    page.get_by_role("spinbutton", name="Temperature").fill("0.7")
    page.get_by_role("spinbutton", name="Temperature").press("Enter")
    page.wait_for_selector(IDLE)
    ask(page, "Name three uses of JSON.", 1)
    page.evaluate("document.querySelectorAll('*').forEach(e => { if (e.scrollTop) e.scrollTop = 0; })")
    page.screenshot(path=str(DOCS / f"playground-{scheme}.png"))
    context.close()


def first_screen(browser: Browser, url: str, width: int, height: int, scheme: str) -> None:
    """What a person sees in the window after their first question: no scrolling, nothing cropped."""
    context = browser.new_context(viewport={"width": width, "height": height}, color_scheme=scheme)  # type: ignore[arg-type]
    page = context.new_page()
    page.goto(url)
    page.get_by_placeholder("Send a message").wait_for(timeout=120_000)
    page.wait_for_selector(IDLE, timeout=120_000)
    ask(page, "Write a haiku about the sea.", 1)
    page.mouse.move(0, 0)  # no hover highlight in the picture
    page.screenshot(path=str(DOCS / f"first-screen-{width}x{height}-{scheme}.png"))
    context.close()


def models(browser: Browser, url: str) -> None:
    page = browser.new_page(viewport={"width": 1440, "height": 1300})
    page.goto(f"{url}/models?provider=oxen&model=gpt-oss-120b")
    page.get_by_role("textbox", name="Search models").wait_for(timeout=60_000)
    drawn(page)
    page.locator(".st-key-model-card").scroll_into_view_if_needed()
    page.screenshot(path=str(DOCS / "models.png"))
    page.close()


def main() -> None:
    stand_in = StandIn().start()
    app = start_app({"OXEN_BASE_URL": stand_in.base_url, "OXEN_API_KEY": "sk-demo"}, "screenshots")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for scheme in ("light", "dark"):
                playground(browser, app.url, scheme)
                for width, height in ((1280, 720), (1024, 768)):
                    first_screen(browser, app.url, width, height, scheme)
            models(browser, app.url)
            browser.close()
    finally:
        stop_app(app)
        stand_in.stop()
    print("wrote", ", ".join(sorted(p.name for p in DOCS.glob("*.png"))))


if __name__ == "__main__":
    main()
