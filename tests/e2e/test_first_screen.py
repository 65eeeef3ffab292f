"""The Playground's first screen in a real Chromium (issue 10): the title and the newest text in view
on load and while an answer streams, every way of stopping ending in the same finished answer, and
nothing moving while an answer streams. The stand-in plays Oxen."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from lib.share import pack
from tests.support.browser import NEWEST_IN_VIEW, App, message, open_app, send, wait_answer, wait_idle
from tests.support.stand_in import Behaviour, StandIn

MODEL = "gpt-oss-120b"
CURSOR = "▌"
METRICS = re.compile(r"TTFT \d+\.\d\d s · Latency \d+\.\d\d s · Tokens/s \d+\.\d · .* \d+ completion tokens")
STOPPED = "Stopped: the answer above is what arrived before Stop."
INTERRUPTED = "Interrupted by another action: the answer above is what arrived before it."

# Every animation frame, where each action button is (or that it is missing), until told to stop.
SAMPLE_ACTIONS = """
(labels) => {
  window.__frames = [];
  window.__sampling = true;
  const frame = () => {
    const seen = {};
    for (const label of labels) {
      const b = Array.from(document.querySelectorAll("button")).find(x => x.innerText.trim() === label);
      const r = b && b.getBoundingClientRect();
      seen[label] = r && r.width ? [Math.round(r.x), Math.round(r.y), Math.round(r.width)] : null;
    }
    window.__frames.push(seen);
    if (window.__sampling) requestAnimationFrame(frame);
  };
  frame();
}
"""

# Counts the page's own click on the hidden button that redraws a stopped answer.
COUNT_AFTER_STOP = """
() => {
  window.__afterStop = 0;
  document.addEventListener("click", e => {
    if (e.target.closest(".st-key-after-stop")) window.__afterStop += 1;
  }, true);
}
"""


def conversation(turns: int) -> str:
    """A packed `chat` link parameter: `turns` questions and answers, long enough to fill a page."""
    chat = []
    for i in range(turns):
        chat.append({"role": "user", "content": f"Question {i}: what about part {i}?"})
        chat.append({"role": "assistant", "content": f"Answer {i}. " + "Some words that take room. " * 12})
    return pack(chat)


def paragraphs(n: int) -> list[str]:
    """`n` streamed words in paragraphs of 30, so the answer grows in height as it streams."""
    return [f"w{i} " + ("\n\n" if i % 30 == 29 else "") for i in range(n)]


@pytest.fixture
def window(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    width, height = request.param
    context = browser.new_context(viewport={"width": width, "height": height})
    yield context.new_page()
    context.close()


def title(page: Page) -> Locator:
    return page.get_by_role("heading", name="Playground", exact=True)


def newest_in_view(page: Page) -> None:
    """The newest text comes into view (the chat box scrolls by itself). Without the scrolling it
    never does; 3 s leaves room for a loaded 2-core machine running the browser, app and model."""
    page.wait_for_function(NEWEST_IN_VIEW, timeout=3_000)


@pytest.mark.parametrize("window", [(1280, 720), (1440, 900)], indirect=True, ids=["1280x720", "1440x900"])
def test_title_and_newest_text_in_view_on_load_and_while_streaming(app: App, window: Page, stand_in: StandIn) -> None:
    page = window
    open_app(page, f"{app.url}/?provider=oxen&model={MODEL}&chat={conversation(8)}")
    expect(message(page, 14)).to_contain_text("Question 7: what about part 7?")
    expect(title(page)).to_be_in_viewport(ratio=1)
    newest_in_view(page)  # the last answer of the long conversation, not its first question
    stand_in.then(Behaviour(tokens=paragraphs(360), token_interval=0.02))  # about 7 s of text
    send(page, "Talk for a while.")
    answer = message(page, 17)
    for seen in ("w45 ", "w125 ", "w205 ", "w285 "):  # mid-paragraph words (paragraphs are glued in the text)
        expect(answer).to_contain_text(seen)
        expect(title(page)).to_be_in_viewport(ratio=1)
        newest_in_view(page)
        expect(answer).to_contain_text(CURSOR)  # still streaming: these were samples during the stream
    wait_answer(page, 17)
    expect(title(page)).to_be_in_viewport(ratio=1)
    newest_in_view(page)
    assert page.evaluate("document.querySelector('[data-testid=stMain]').scrollTop") == 0


@pytest.mark.parametrize("window", [(1280, 720)], indirect=True, ids=["1280x720"])
def test_a_reader_who_scrolls_up_is_not_pulled_down(app: App, window: Page, stand_in: StandIn) -> None:
    page = window
    open_app(page, f"{app.url}/?provider=oxen&model={MODEL}&chat={conversation(4)}")
    stand_in.then(Behaviour(tokens=paragraphs(400), token_interval=0.02))  # 8 s of text
    send(page, "Talk for a while.")
    answer = message(page, 9)
    expect(answer).to_contain_text("w45 ")
    box = page.locator(".st-key-chat-box")
    box.hover()
    page.mouse.wheel(0, -600)  # the reader goes back up to read while the answer streams
    expect(answer).to_contain_text("w165 ")  # much more text arrived meanwhile
    assert not page.evaluate(NEWEST_IN_VIEW)  # and the box stayed where the reader put it
    expect(answer).to_contain_text(CURSOR)
    page.mouse.wheel(0, 100_000)  # back down to the end: the box follows the answer again
    expect(answer).to_contain_text("w285 ")
    newest_in_view(page)


def stop_chat_input(page: Page) -> None:
    page.get_by_test_id("stChatInputStopButton").click()


def stop_button(page: Page) -> None:
    page.get_by_role("button", name="Stop", exact=True).click()


def another_click(page: Page) -> None:
    page.get_by_role("button", name="Test connection").click()  # any widget: Streamlit reruns the page


@pytest.mark.parametrize(
    ("stop", "note"),
    [(stop_chat_input, STOPPED), (stop_button, STOPPED), (another_click, INTERRUPTED)],
    ids=["chat input stop button", "Stop button", "another click"],
)
@pytest.mark.parametrize("window", [(1280, 720)], indirect=True, ids=["1280x720"])
def test_every_way_of_stopping_ends_in_the_same_finished_answer(
    app: App, window: Page, stand_in: StandIn, stop: Any, note: str
) -> None:
    page = window
    stand_in.then(Behaviour(tokens=paragraphs(500), token_interval=0.02))  # 10 s: cut well before the end
    open_app(page, f"{app.url}/?provider=oxen&model={MODEL}")
    page.evaluate(COUNT_AFTER_STOP)
    send(page, "Talk, and be stopped.")
    answer = message(page, 1)
    expect(answer).to_contain_text("w45 ")
    expect(page.get_by_test_id("stChatInputStopButton")).to_be_visible()  # the input's own stop control
    stop(page)
    # The finished state, with no further click: the note, the metrics so far, the actions, no cursor.
    expect(answer.get_by_text(note)).to_be_visible(timeout=10_000)
    expect(answer.get_by_text(METRICS)).to_be_visible()
    expect(answer.get_by_role("button", name="Edit")).to_be_visible()
    expect(answer.get_by_role("button", name="Delete")).to_be_visible()
    wait_idle(page)
    expect(answer).not_to_contain_text(CURSOR)
    expect(page.get_by_role("button", name="Stop", exact=True)).to_have_count(0)
    expect(page.get_by_test_id("stChatInputStopButton")).to_have_count(0)
    expect(page.get_by_role("button", name="Regenerate")).to_be_enabled()
    # The text is everything that arrived, in order and whole: w0 … wN with none missing.
    text = answer.get_by_test_id("stMarkdownContainer").first.inner_text()
    got = re.findall(r"w(\d+)", text)
    assert got == [str(i) for i in range(len(got))] and len(got) > 40, text[-200:]
    assert len(got) < 500  # it was cut
    # Only the chat input's stop leaves a run that can draw nothing more: the page clicks once then.
    assert page.evaluate("window.__afterStop") == (1 if stop is stop_chat_input else 0)


@pytest.mark.parametrize("window", [(1280, 720)], indirect=True, ids=["1280x720"])
def test_nothing_moves_while_an_answer_streams(app: App, window: Page, stand_in: StandIn) -> None:
    page = window
    open_app(page, f"{app.url}/?provider=oxen&model={MODEL}&chat={conversation(1)}")
    stand_in.then(Behaviour(tokens=paragraphs(150), token_interval=0.02))  # 3 s of text
    page.evaluate(COUNT_AFTER_STOP)
    page.evaluate(SAMPLE_ACTIONS, ["Regenerate", "Clear"])
    send(page, "Talk for a moment.")
    wait_answer(page, 3)
    assert page.evaluate("window.__afterStop") == 0  # an answer that ends by itself needs no extra run
    page.evaluate("window.__sampling = false")
    frames: list[dict[str, list[int] | None]] = page.evaluate("window.__frames")
    final = frames[-1]
    assert final["Regenerate"] and final["Clear"], final
    moved = [f for f in frames if f != final]
    assert len(frames) > 30, len(frames)  # sampled through the whole stream, frame by frame
    assert moved == [], f"{len(moved)} of {len(frames)} frames differ from {final}: {moved[:3]}"
