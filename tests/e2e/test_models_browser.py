"""Models in Chromium: search, open the card, Try in Playground, send, see the schema-driven form."""

from __future__ import annotations

from playwright.sync_api import Page

from tests.e2e.conftest import ARTIFACTS, App, wait_answer, wait_idle
from tests.support.stand_in import StandIn


def test_models_search_card_try_in_playground(app: App, page: Page, stand_in: StandIn) -> None:
    page.goto(f"{app.url}/models?provider=oxen&model=mistral-model-01")
    search = page.get_by_role("textbox", name="Search models")
    search.wait_for(timeout=60_000)
    wait_idle(page)
    search.fill("gpt-oss")
    search.press("Enter")
    page.get_by_text("1 of 32 models").wait_for()
    wait_idle(page)
    card = page.locator(".st-key-model-card")
    assert "GPT-OSS-120B" in card.inner_text() and "5.1B" in card.inner_text()
    page.screenshot(path=str(ARTIFACTS / "models-card.png"), full_page=True)
    card.get_by_role("button", name="Try in Playground").click()
    box = page.get_by_placeholder("Send a message")
    box.wait_for()
    wait_idle(page)
    box.fill("Hello from the Models page")
    box.press("Enter")
    assert "You said: Hello from the Models page" in wait_answer(page, 1)
    assert stand_in.chat_requests()[-1].json()["model"] == "gpt-oss-120b"
    temperature = page.get_by_role("spinbutton", name="Temperature")
    assert temperature.get_attribute("placeholder") == "Not sent · default 0.7"
    assert page.get_by_role("spinbutton", name="Max tokens").get_attribute("placeholder") == "Not sent · default 1024"
