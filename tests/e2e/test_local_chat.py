"""In a real Chromium: a prompt to the real embedded SmolLM2 streams an answer."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.support.browser import (
    ARTIFACTS,
    MESSAGES,
    App,
    open_app,
    record_text_lengths,
    recorded_lengths,
    send,
    wait_answer,
)


def test_prompt_streams_answer_from_local_model(app: App, page: Page) -> None:
    open_app(page, app.url)
    record_text_lengths(page, MESSAGES)
    send(page, "Write one short sentence about the sea.")
    answer = wait_answer(page, 1)
    # A streamed answer is seen at several lengths on its way (the observer saw each change).
    lengths = recorded_lengths(page)
    assert len({n for n in lengths if n > 3}) >= 3, lengths
    for label in ("TTFT", "Latency", "Tokens/s", "Cost"):
        expect(answer).to_contain_text(label)
    # Real words from SmolLM2 above the metrics: the answer's first Markdown block.
    expect(answer.get_by_test_id("stMarkdownContainer").first).to_have_text(re.compile(r"[A-Za-z]{2,}.{8,}", re.S))
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "playground-local.png"), full_page=True)
