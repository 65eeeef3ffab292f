"""Beyond text in a real Chromium against the recording stand-in: a tool defined, its call card filling
in as the arguments stream, a result typed in and the final answer; an image attached and shown as a
thumbnail; token probabilities turned on and a token hovered."""

from __future__ import annotations

import io
import json
from pathlib import Path

from PIL import Image
from playwright.sync_api import Page, expect

from lib.tools import EXAMPLE_TOOLS
from tests.support.browser import ARTIFACTS, App, message, open_app, send, wait_answer, wait_idle
from tests.support.stand_in import Behaviour, StandIn

PLAIN = "plain-chat-model"  # no schema: the standard chat set, and no image input on its card
ARGUMENTS = json.dumps({"city": "Paris", "unit": "celsius"})
WEATHER = {"id": "call_w", "type": "function", "function": {"name": "get_weather", "arguments": ARGUMENTS}}
SECTION = "Tools, images and token probabilities"


def plain_page(page: Page, app: App) -> None:
    open_app(page, f"{app.url}/?provider=oxen&model={PLAIN}")


def open_section(page: Page) -> None:
    page.get_by_text(SECTION, exact=True).click()
    expect(page.get_by_label("Tools", exact=True)).to_be_visible()


def toggle(page: Page, label: str) -> None:
    switch = page.get_by_label(label, exact=True)
    expect(switch).not_to_be_checked()
    wait_idle(page)  # a click during a rerun can be lost (seen in a clean-clone run)
    page.get_by_text(label, exact=True).click()
    expect(switch).to_be_checked(timeout=30_000)
    wait_idle(page)


def test_define_a_tool_see_the_call_fill_in_answer_it_and_see_the_final_answer(
    app: App, page: Page, stand_in: StandIn
) -> None:
    # 60 argument fragments, 50 ms apart: three seconds of a card filling in.
    stand_in.then(Behaviour(tokens=[], tool_calls=[WEATHER], arg_fragments=60, token_interval=0.05))
    plain_page(page, app)
    open_section(page)
    page.get_by_role("button", name="Start from an example").click()
    expect(page.get_by_label("Tools", exact=True)).to_have_value(EXAMPLE_TOOLS)
    wait_idle(page)
    send(page, "What is the weather in Paris?")
    answer = message(page, 1)
    expect(answer.get_by_text("get_weather")).to_be_visible(timeout=30_000)
    expect(answer.get_by_text("Arguments arriving…")).to_be_visible(timeout=30_000)  # while they stream
    pretty = answer.get_by_test_id("stCode").filter(has_text='"unit": "celsius"')
    expect(pretty).to_be_visible(timeout=60_000)
    expect(answer.get_by_text("Arguments arriving…")).to_have_count(0)
    wait_idle(page)
    expect(pretty).to_contain_text('"city": "Paris"')
    page.get_by_label("Tool result", exact=True).fill('{"sky": "clear", "temperature": 21}')
    page.get_by_role("button", name="Send tool results").click()
    final = wait_answer(page, 3)
    expect(final).to_contain_text('Tool results: call_w={"sky": "clear", "temperature": 21}')
    expect(message(page, 2)).to_contain_text("Result of get_weather")
    second = stand_in.chat_requests()[-1].json()
    assert [m["role"] for m in second["messages"]] == ["user", "assistant", "tool"]
    assert second["tools"][0]["function"]["name"] == "get_weather"
    page.screenshot(path=str(ARTIFACTS / "tools-final-answer.png"))


def send_with_files(page: Page, text: str) -> None:
    """Send once the attached files are uploaded: the chat input keeps its send button disabled
    until then, and an Enter pressed earlier sends nothing."""
    box = page.get_by_placeholder("Send a message")
    box.fill(text)
    expect(page.get_by_test_id("stChatInputSubmitButton")).to_be_enabled(timeout=60_000)
    box.press("Enter")


def png(path: Path) -> Path:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "teal").save(out, format="PNG")
    path.write_bytes(out.getvalue())
    return path


def test_attach_an_image_and_see_its_thumbnail(app: App, page: Page, stand_in: StandIn, tmp_path: Path) -> None:
    plain_page(page, app)
    open_section(page)
    toggle(page, "Attach images")  # the model card does not say it takes images
    upload = page.locator("[data-testid='stChatInput'] input[type='file']")
    expect(upload).to_have_count(1, timeout=30_000)
    upload.set_input_files(str(png(tmp_path / "teal.png")))
    expect(page.get_by_text("teal.png")).to_be_visible(timeout=30_000)  # the chat input lists it
    send_with_files(page, "What colour is this?")
    question = message(page, 0)
    thumbnail = question.get_by_role("img")
    expect(thumbnail).to_be_visible(timeout=30_000)
    expect(question).to_contain_text("teal.png")
    assert thumbnail.evaluate("img => img.naturalWidth") == 64
    wait_answer(page, 1)
    content = stand_in.chat_requests()[-1].json()["messages"][-1]["content"]
    assert content[0] == {"type": "text", "text": "What colour is this?"}
    assert content[1]["image_url"]["url"].startswith("data:image/png;base64,iVBOR")


def test_token_probabilities_shade_the_answer_and_a_hovered_token_lists_alternatives(
    app: App, page: Page, stand_in: StandIn
) -> None:
    plain_page(page, app)
    open_section(page)
    toggle(page, "Show token probabilities")
    send(page, "two words")
    answer = wait_answer(page, 1)
    tokens = answer.locator(".wb-tok")
    expect(tokens).to_have_count(4)
    token = tokens.nth(2)
    expect(token).to_have_text(" two")
    token.hover()
    tip = token.evaluate("el => getComputedStyle(el, '::after').content")
    assert "“␣two” 81.9%" in tip and "Alternatives: “two#1”" in tip, tip
    shades = [tokens.nth(i).evaluate("el => getComputedStyle(el).backgroundColor") for i in range(4)]
    assert shades[0] == "rgba(255, 140, 0, 0)" and shades[2] != shades[0], shades  # sure: clear; less: orange
    body = stand_in.chat_requests()[-1].json()
    assert (body["logprobs"], body["top_logprobs"]) == (True, 5)


def test_an_over_size_image_is_refused_in_one_sentence(app: App, page: Page, stand_in: StandIn, tmp_path: Path) -> None:
    big = tmp_path / "huge.png"
    big.write_bytes(png(tmp_path / "small.png").read_bytes() + b"\0" * (6 * 1024 * 1024))
    plain_page(page, app)
    open_section(page)
    toggle(page, "Attach images")
    upload = page.locator("[data-testid='stChatInput'] input[type='file']")
    expect(upload).to_have_count(1, timeout=30_000)
    upload.set_input_files(str(big))
    expect(page.get_by_text("huge.png")).to_be_visible(timeout=30_000)
    send_with_files(page, "Look at this.")
    wait_answer(page, 1)
    expect(
        page.get_by_text("huge.png is 6.0 MB, over the 5 MB limit for an image; attach a smaller one.")
    ).to_be_visible()
    assert stand_in.chat_requests()[-1].json()["messages"][-1] == {"role": "user", "content": "Look at this."}
    expect(message(page, 0).get_by_role("img")).to_have_count(0)


def test_mock_tools_run_the_demo_by_itself(app: App, page: Page, stand_in: StandIn) -> None:
    stand_in.then(Behaviour(tokens=[], tool_calls=[WEATHER], arg_fragments=10, token_interval=0.02))
    plain_page(page, app)
    open_section(page)
    page.get_by_role("button", name="Start from an example").click()
    wait_idle(page)
    toggle(page, "Mock tools")
    expect(page.get_by_label("Mock results", exact=True)).to_contain_text('"get_weather"')
    send(page, "What is the weather in Paris?")
    final = wait_answer(page, 3)  # question, call, canned result, answer: no click in between
    expect(final).to_contain_text('Tool results: call_w={"temperature": 21, "unit": "celsius", "sky": "clear"}')
    expect(message(page, 1).get_by_text("get_weather")).to_be_visible()
    expect(page.get_by_role("button", name="Send tool results")).to_have_count(0)
