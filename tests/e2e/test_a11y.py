"""Accessibility: axe-core (the npm package, pinned; `make test` installs it into the user cache)
injected into every page, in the light and the dark theme, finds no serious or critical violation
(the counts are printed); and the Playground works from the keyboard alone: Tab to the chat input,
send, and Stop the answer."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.browser import App, start_app, stop_app, wait_idle
from tests.support.environment import app_vars
from tests.support.stand_in import Behaviour, StandIn, free_port

AXE_VERSION = "4.14.1"  # the Makefile's AXE_VERSION
CACHE = Path(os.environ.get("WORKBENCH_CACHE") or Path.home() / ".cache" / "workbench")
AXE = CACHE / "npm" / f"axe-core-{AXE_VERSION}" / "node_modules" / "axe-core" / "axe.min.js"
PAGES = {"Playground": "", "Compare": "compare", "Batch": "batch", "Models": "models", "History": "history"}
RUN_AXE = """
async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length,
                                      where: v.nodes.slice(0, 3).map(n =>
                                        n.html.slice(0, 120) + " " + (n.failureSummary || "").slice(0, 200))}));
}
"""
# Streamlit fades an element while a run may replace it (data-stale) and fades it back after: axe
# measuring a caption mid-fade reads a contrast the page never settles at. Wait for neither.
SETTLED = """
() => !document.querySelector("[data-stale='true']") &&
      document.getAnimations().every(a => !(a instanceof CSSTransition) || a.playState !== "running")
"""


@pytest.fixture(scope="module")
def a11y_app(stand_in_server: StandIn) -> Iterator[App]:
    app = start_app(app_vars(free_port(), stand_in_server.base_url, "sk-a11y"), "a11y")
    yield app
    stop_app(app)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_serious_or_critical_axe_violations_on_any_page(browser: Browser, a11y_app: App, scheme: str) -> None:
    if not AXE.exists():
        pytest.fail(f"axe-core {AXE_VERSION} is missing at {AXE}: run `make axe` (part of `make test`).")
    context = browser.new_context(viewport={"width": 1400, "height": 900}, color_scheme=scheme)  # type: ignore[arg-type]
    page = context.new_page()
    found: dict[str, list[dict[str, object]]] = {}
    try:
        for title, path in PAGES.items():
            page.goto(f"{a11y_app.url}/{path}?provider=oxen&model=gpt-oss-120b")
            expect(page.get_by_role("heading", name=title).first).to_be_visible(timeout=60_000)
            wait_idle(page, 60_000)
            page.wait_for_function(SETTLED, timeout=30_000)
            page.add_script_tag(path=str(AXE))
            violations = page.evaluate(RUN_AXE)
            found[title] = [v for v in violations if v["impact"] in ("serious", "critical")]
            counts = {impact: sum(1 for v in violations if v["impact"] == impact)
                      for impact in ("critical", "serious", "moderate", "minor")}  # fmt: skip
            print(f"axe {scheme} {title}: {counts}")
    finally:
        context.close()
    bad = {title: v for title, v in found.items() if v}
    assert bad == {}, json.dumps(bad, indent=1)


def test_send_stop_and_regenerate_from_the_keyboard_alone(page: Page, a11y_app: App, stand_in: StandIn) -> None:
    stand_in.then(Behaviour(tokens=[f"w{i} " for i in range(400)], token_interval=0.05))  # 20 s unless stopped
    page.goto(f"{a11y_app.url}/?provider=oxen&model=gpt-oss-120b")
    box = page.get_by_placeholder("Send a message")
    expect(box).to_be_visible(timeout=60_000)
    wait_idle(page, 60_000)
    page.evaluate("document.activeElement && document.activeElement.blur()")  # start from the page, not a field
    for _ in range(80):
        page.keyboard.press("Tab")
        if box.evaluate("e => e === document.activeElement"):
            break
    else:
        pytest.fail("Tab never reached the chat input")
    page.keyboard.type("Count slowly, please.")
    page.keyboard.press("Enter")
    answer = page.locator("[data-testid='stChatMessage']").nth(1)
    expect(answer).to_contain_text("w3 ", timeout=60_000)
    stop = page.get_by_test_id("stChatInputStopButton")
    expect(stop).to_be_visible()
    for _ in range(20):
        if stop.evaluate("e => e === document.activeElement || e.contains(document.activeElement)"):
            break
        page.keyboard.press("Tab")
    else:
        pytest.fail("Tab never reached the stop button")
    page.keyboard.press("Enter")
    expect(answer.get_by_text("Stopped")).to_be_visible(timeout=30_000)
    wait_idle(page)
    assert "w399" not in answer.inner_text()
    # Regenerate, from the keyboard too: the stopped answer is replaced by a new one.
    stand_in.then(Behaviour(tokens=["Asked ", "again."]))
    regenerate = page.get_by_role("button", name="Regenerate")
    for _ in range(120):
        if regenerate.evaluate("e => e === document.activeElement"):
            break
        page.keyboard.press("Tab")
    else:
        pytest.fail("Tab never reached Regenerate")
    page.keyboard.press("Enter")
    expect(page.locator("[data-testid='stChatMessage']").nth(1)).to_contain_text("Asked again.", timeout=60_000)
