"""In a real Chromium: a prompt to the real embedded SmolLM2 streams an answer."""

from __future__ import annotations

from playwright.sync_api import Page

from tests.e2e.conftest import ARTIFACTS, App, open_app, wait_answer
from tests.e2e.helpers import record_text_lengths, recorded_lengths


def test_prompt_streams_answer_from_local_model(app: App, page: Page) -> None:
    open_app(page, app.url)
    record_text_lengths(page, "[data-testid='stChatMessage']")
    box = page.get_by_placeholder("Send a message")
    box.fill("Write one short sentence about the sea.")
    box.press("Enter")
    final = wait_answer(page, 1)
    # A streamed answer is seen at several lengths on its way (the observer saw each change).
    lengths = recorded_lengths(page)
    assert len({n for n in lengths if n > 3}) >= 3, lengths
    assert "TTFT" in final and "Tokens/s" in final and "Cost" in final
    assert len(final.split("TTFT")[0].strip()) > 10  # real words from SmolLM2 above the metrics
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "playground-local.png"), full_page=True)
