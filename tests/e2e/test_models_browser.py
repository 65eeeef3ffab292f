"""Models in Chromium: search, open the card, Try in Playground, send, see the schema-driven form."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.support.browser import ARTIFACTS, App, send, wait_answer, wait_idle
from tests.support.stand_in import StandIn


def test_models_search_card_try_in_playground(app: App, page: Page, stand_in: StandIn) -> None:
    page.goto(f"{app.url}/models?provider=oxen&model=mistral-model-01")
    search = page.get_by_role("textbox", name="Search models")
    expect(search).to_be_visible(timeout=60_000)
    wait_idle(page)
    search.fill("gpt-oss")
    search.press("Enter")
    expect(page.get_by_text("1 of 32 models")).to_be_visible()
    wait_idle(page)
    card = page.locator(".st-key-model-card")
    expect(card).to_contain_text("GPT-OSS-120B")
    expect(card).to_contain_text("5.1B")
    page.screenshot(path=str(ARTIFACTS / "models-card.png"), full_page=True)
    card.get_by_role("button", name="Try in Playground").click()
    expect(page.get_by_placeholder("Send a message")).to_be_visible()
    wait_idle(page)
    send(page, "Hello from the Models page")
    expect(wait_answer(page, 1)).to_contain_text("You said: Hello from the Models page")
    assert stand_in.chat_requests()[-1].json()["model"] == "gpt-oss-120b"
    temperature, max_tokens = (page.get_by_role("spinbutton", name=n) for n in ("Temperature", "Max tokens"))
    expect(temperature).to_have_attribute("placeholder", "Not sent · default 0.7")
    expect(max_tokens).to_have_attribute("placeholder", "Not sent · default 1024")
