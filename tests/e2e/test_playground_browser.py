"""The Playground in a real Chromium against the recording stand-in: Stop mid-stream, a streaming
reasoning block, hostile model output that must execute nothing, and two people at once."""

from __future__ import annotations

from playwright.sync_api import Browser, Page

from tests.e2e.conftest import ARTIFACTS, App, open_app, wait_answer, wait_idle
from tests.e2e.helpers import record_text_lengths, recorded_lengths
from tests.support.stand_in import Behaviour, StandIn

MESSAGES = "[data-testid='stChatMessage']"


def oxen_page(page: Page, app: App, model: str = "gpt-oss-120b") -> None:
    open_app(page, f"{app.url}/?provider=oxen&model={model}")


def send(page: Page, text: str) -> None:
    box = page.get_by_placeholder("Send a message")
    box.fill(text)
    box.press("Enter")


def test_stop_mid_stream_keeps_what_arrived(app: App, page: Page, stand_in: StandIn) -> None:
    stand_in.then(Behaviour(tokens=[f"w{i} " for i in range(400)], token_interval=0.02))  # 8 s of words
    oxen_page(page, app)
    send(page, "Talk for a while.")
    answer = page.locator(MESSAGES).nth(1)
    page.wait_for_function(f"document.querySelectorAll(\"{MESSAGES}\")[1]?.innerText.includes('w30 ')")
    page.get_by_role("button", name="Stop", exact=True).click()
    answer.get_by_text("Stopped: the answer above is what arrived before Stop.").wait_for()
    wait_idle(page)
    text = answer.inner_text()
    assert "w30 " in text and "w399" not in text
    page.screenshot(path=str(ARTIFACTS / "playground-stopped.png"))


def test_reasoning_block_streams(app: App, page: Page, stand_in: StandIn) -> None:
    thoughts = [f"step {i}; " for i in range(60)]
    stand_in.then(Behaviour(reasoning=thoughts, reasoning_field="reasoning", tokens=["The", " answer."],
                            token_interval=0.03))  # fmt: skip
    oxen_page(page, app)
    send(page, "Think first.")
    reasoning = page.locator(MESSAGES).nth(1).get_by_text("Reasoning")
    reasoning.wait_for()
    reasoning.click()  # open the collapsed block while it streams
    record_text_lengths(page, f"{MESSAGES} [data-testid='stExpanderDetails']")
    text = wait_answer(page, 1)
    lengths = recorded_lengths(page)
    page.locator(MESSAGES).nth(1).get_by_text("Reasoning").click()  # the finished answer's block, opened
    text = page.locator(MESSAGES).nth(1).inner_text()
    assert "step 0; step 1;" in text and "step 59;" in text and "The answer." in text
    lengths = [n for n in lengths if n > 0]
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
    answer = page.locator(MESSAGES).nth(1)
    text = wait_answer(page, 1)
    for link in answer.locator("a").all():  # every link the answer shows, clicked
        href = link.get_attribute("href") or ""
        assert not href.lower().startswith(("javascript:", "data:", "vbscript:")), href
    answer.get_by_text("click me (unsafe link removed)").click()
    assert "<script>" in text or "script" in text  # shown as text, not run
    assert answer.locator("img").count() == 0  # the remote image is a link, never loaded
    assert not any("leak.png" in url for url in requested)
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
        assert b.get_by_role("textbox", name="API key").input_value() == ""
        send(b, "from B")
        wait_answer(b, 1)
        assert "authorization" not in stand_in.chat_requests()[-1].headers
        assert "sk-only-for-A" not in b.content()
        assert "Key typed for this session." not in b.locator("[data-testid='stSidebar']").inner_text()
    finally:
        one.close()
        two.close()


def test_a_click_mid_stream_keeps_the_partial_answer(app: App, page: Page, stand_in: StandIn) -> None:
    stand_in.then(Behaviour(tokens=[f"x{i} " for i in range(400)], token_interval=0.02))
    oxen_page(page, app)
    send(page, "Talk, and be interrupted.")
    page.wait_for_function(f"document.querySelectorAll(\"{MESSAGES}\")[1]?.innerText.includes('x20 ')")
    page.get_by_role("button", name="Test connection").click()  # any widget: Streamlit reruns the page
    answer = page.locator(MESSAGES).nth(1)
    try:
        answer.get_by_text("Interrupted by another action: the answer above is what arrived before it.").wait_for()
    except Exception:
        page.screenshot(path=str(ARTIFACTS / "interrupted-failure.png"))
        raise AssertionError(f"the answer shows: {answer.inner_text()[-400:]!r}") from None
    wait_idle(page)
    assert "x20 " in answer.inner_text()
