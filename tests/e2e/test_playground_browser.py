"""The Playground in a real Chromium against the recording stand-in: Stop mid-stream, a streaming
reasoning block, hostile model output that must execute nothing, and two people at once."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests.support.browser import (
    ARTIFACTS,
    MESSAGES,
    App,
    message,
    open_app,
    record_text_lengths,
    recorded_lengths,
    send,
    wait_answer,
    wait_idle,
    words,
)
from tests.support.stand_in import Behaviour, StandIn

TOKENS_ONLY = re.compile(r"^\s*[wx]0(?: [wx]\d+)*\s*$")  # the streamed words and nothing else (no cursor, no error)


def oxen_page(page: Page, app: App, model: str = "gpt-oss-120b") -> None:
    open_app(page, f"{app.url}/?provider=oxen&model={model}")


def test_stop_mid_stream_keeps_what_arrived(app: App, page: Page, stand_in: StandIn) -> None:
    stand_in.then(Behaviour(tokens=[f"w{i} " for i in range(400)], token_interval=0.02))  # 8 s of words
    oxen_page(page, app)
    send(page, "Talk for a while.")
    answer = message(page, 1)
    text = answer.get_by_test_id("stMarkdownContainer").first
    expect(text).to_contain_text(words("w30"))
    page.get_by_role("button", name="Stop", exact=True).click()
    expect(answer.get_by_text("Stopped: the answer above is what arrived before Stop.")).to_be_visible()
    wait_idle(page)
    expect(text).to_have_text(TOKENS_ONLY)
    expect(text).to_contain_text(words("w0", "w30"))
    expect(text).not_to_contain_text(words("w399"))
    page.screenshot(path=str(ARTIFACTS / "playground-stopped.png"))


def test_reasoning_block_streams(app: App, page: Page, stand_in: StandIn) -> None:
    # 6 s of reasoning: long enough that the block is still streaming when the click that opens it
    # lands, even on a loaded machine (1.8 s was seen to end first, leaving one length to record).
    thoughts = [f"step {i}; " for i in range(200)]
    stand_in.then(Behaviour(reasoning=thoughts, reasoning_field="reasoning", tokens=["The", " answer."],
                            token_interval=0.03))  # fmt: skip
    oxen_page(page, app)
    send(page, "Think first.")
    reasoning = message(page, 1).get_by_text("Reasoning")
    reasoning.click()  # open the collapsed block while it streams (the click waits for it to appear)
    record_text_lengths(page, f"{MESSAGES} [data-testid='stExpanderDetails']")
    answer = wait_answer(page, 1)
    lengths = [n for n in recorded_lengths(page) if n > 0]
    answer.get_by_text("Reasoning").click()  # the finished answer's block, opened
    expect(answer.get_by_test_id("stExpanderDetails")).to_have_text("".join(thoughts).strip())
    expect(answer).to_contain_text("The answer.")
    assert len(set(lengths)) >= 3, lengths


def test_hostile_output_executes_nothing(app: App, page: Page, stand_in: StandIn) -> None:
    hostile = [
        "<script>window.__pwned = 1; alert(1)</script>\n\n",
        '<img src=x onerror="window.__pwned = 2; alert(2)">\n\n',
        "[click me](javascript:window.__pwned=3;alert(3))\n\n",
        "[data](data:text/html,<script>alert(4)</script>)\n\n",
        f"![tracker]({app.url}/leak.png?secret=conversation)\n\n",
    ]
    stand_in.then(Behaviour(tokens=hostile))
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    oxen_page(page, app)
    page.evaluate("window.__pwned = 0")
    send(page, "Be hostile.")
    answer = wait_answer(page, 1)
    # The only link left is the image's, shown as a link and never loaded; the others are text.
    links = answer.locator("a")
    expect(links).to_have_count(1)
    expect(links).to_have_attribute("href", f"{app.url}/leak.png?secret=conversation")
    answer.get_by_text("click me (unsafe link removed)").click()
    expect(answer).to_contain_text("<script>window.__pwned = 1; alert(1)</script>")  # shown as text, not run
    expect(answer.locator("img")).to_have_count(0)
    assert [url for url in requested if "leak.png" in url] == []
    assert page.evaluate("window.__pwned") == 0
    assert dialogs == []
    page.screenshot(path=str(ARTIFACTS / "playground-hostile.png"))


def test_two_sessions_never_share_a_key(app: App, browser: Browser, stand_in: StandIn) -> None:
    link = f"{app.url}/?provider=custom&base_url={stand_in.base_url}&model=gpt-oss-120b"
    one = browser.new_context(viewport={"width": 1400, "height": 900})
    two = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        a, b = one.new_page(), two.new_page()
        open_app(a, link)
        a.get_by_role("textbox", name="API key").fill("sk-only-for-A")
        a.get_by_role("textbox", name="API key").press("Enter")
        wait_idle(a)
        send(a, "from A")
        wait_answer(a, 1)
        assert stand_in.chat_requests()[-1].headers.get("authorization") == "Bearer sk-only-for-A"
        open_app(b, link)
        expect(b.get_by_role("textbox", name="API key")).to_have_value("")
        send(b, "from B")
        wait_answer(b, 1)
        assert "authorization" not in stand_in.chat_requests()[-1].headers
        assert "sk-only-for-A" not in b.content()
        expect(b.locator("[data-testid='stSidebar']")).not_to_contain_text("Key typed for this session.")
    finally:
        one.close()
        two.close()


def test_a_click_mid_stream_keeps_the_partial_answer(app: App, page: Page, stand_in: StandIn) -> None:
    stand_in.then(Behaviour(tokens=[f"x{i} " for i in range(400)], token_interval=0.02))
    oxen_page(page, app)
    send(page, "Talk, and be interrupted.")
    answer = message(page, 1)
    text = answer.get_by_test_id("stMarkdownContainer").first
    expect(text).to_contain_text(words("x20"))
    page.get_by_role("button", name="Test connection").click()  # any widget: Streamlit reruns the page
    note = "Interrupted by another action: the answer above is what arrived before it."
    expect(answer.get_by_text(note)).to_be_visible()
    wait_idle(page)
    expect(text).to_have_text(TOKENS_ONLY)
    expect(text).to_contain_text(words("x0", "x20"))


def test_a_click_while_the_answer_waits_for_its_next_token_is_not_a_stop(
    app: App, page: Page, stand_in: StandIn
) -> None:
    """The click's run starts at once, while the old run still waits on the stream: its cancel ends
    that stream, and the answer must still say it was interrupted, not stopped."""
    stand_in.then(Behaviour(tokens=["Slow ", "words ", "arrive ", "here."], token_interval=2.0))
    oxen_page(page, app)
    send(page, "Talk slowly.")
    answer = message(page, 1)
    expect(answer).to_contain_text("Slow")
    page.get_by_role("button", name="Test connection").click()
    note = "Interrupted by another action: the answer above is what arrived before it."
    expect(answer.get_by_text(note)).to_be_visible(timeout=10_000)
    wait_idle(page)
    expect(answer.get_by_text("Stopped")).to_have_count(0)
    expect(answer).not_to_contain_text("here.")
