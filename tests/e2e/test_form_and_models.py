"""The first five minutes, in Chromium (issue 10): a wrong Base URL is blamed on the URL, a server's
traceback and paths never reach the page, nothing is sent while a field is invalid and the sentence sits
under the field, number fields step from their default, and an example URL in an error is not a link."""

from __future__ import annotations

import json

from playwright.sync_api import Locator, Page, expect

from tests.support.browser import ARTIFACTS, MESSAGES, App, message, open_app, send, wait_idle
from tests.support.stand_in import Behaviour, StandIn

# What llama.cpp's server (llama-cpp-python 0.3) answered to a JSON-schema response format, as
# recorded on this machine: a 500 whose message carries the server's traceback and file path.
LLAMA_CPP_500 = json.dumps({"error": {
    "message": "1 validation error:\n  {'type': 'literal_error', 'loc': ('body', 'response_format', 'type'), "
               "'msg': \"Input should be 'text' or 'json_object'\", 'input': 'json_schema'}\n\n"
               "  File \"/home/demo/.venv/lib/python3.11/site-packages/llama_cpp/server/app.py\", line 376, "
               "in create_chat_completion\n    POST /v1/chat/completions",
    "type": "internal_server_error", "param": None, "code": None}}).encode()  # fmt: skip
# A bare Python traceback as an error's detail (FastAPI's shape), which ends in its one-line message.
BARE_TRACEBACK = json.dumps({"detail": (
    "Traceback (most recent call last):\n  File \"/srv/app/server.py\", line 88, in handle\n"
    "    raise RuntimeError(\"model worker crashed\")\nRuntimeError: model worker crashed")}).encode()  # fmt: skip
PRIVATE = ("Traceback", 'File "', "/home/demo", "/srv/app", "site-packages", ".venv", "line 376", "line 88")


def element_under(page: Page, field: Locator) -> Locator:
    """The element drawn right under `field` (the next element in the same block)."""
    box = page.locator("[data-testid='stElementContainer']").filter(has=field).last
    return box.locator("xpath=following-sibling::*[1]")


def test_a_wrong_base_url_is_said_to_be_the_url(app: App, page: Page, stand_in: StandIn) -> None:
    wrong = f"{stand_in.base_url}/wrong"
    open_app(page, f"{app.url}/?provider=custom&base_url={wrong}&model=gpt-oss-120b")
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar).to_contain_text(f"Nothing was found at {wrong}/models (404), so the Base URL looks wrong")
    send(page, "Hello?")
    answer = message(page, 1)
    expect(answer).to_contain_text(f"Nothing was found at {wrong}/chat/completions (404), so the Base URL looks wrong")
    wait_idle(page)
    expect(page.get_by_test_id("stApp")).not_to_contain_text("does not know the model")
    page.screenshot(path=str(ARTIFACTS / "wrong-base-url.png"))


def test_no_traceback_or_local_path_reaches_the_page(app: App, page: Page, stand_in: StandIn) -> None:
    stand_in.then(
        Behaviour(status=500, error_body=LLAMA_CPP_500), *[Behaviour(status=500, error_body=BARE_TRACEBACK)] * 3
    )
    open_app(page, f"{app.url}/?provider=oxen&model=gpt-oss-120b")
    send(page, "Answer in JSON.")
    expect(message(page, 1)).to_contain_text("Input should be 'text' or 'json_object'")  # its one-line message
    wait_idle(page)
    send(page, "Again?")
    expect(message(page, 3)).to_contain_text("RuntimeError: model worker crashed", timeout=60_000)
    wait_idle(page)
    shown = page.get_by_test_id("stApp").inner_text()
    assert [p for p in PRIVATE if p in shown] == []
    assert len(stand_in.chat_requests()) == 4  # both really failed (the second after its retries)


def test_nothing_is_sent_while_a_field_is_invalid(app: App, page: Page, stand_in: StandIn) -> None:
    open_app(page, f"{app.url}/?provider=oxen&model=gpt-oss-120b")
    temperature = page.get_by_role("spinbutton", name="Temperature")
    temperature.fill("5")
    temperature.press("Enter")
    wait_idle(page)
    send(page, "Is anything sent?")
    answer = page.locator(MESSAGES).nth(1)
    expect(answer).to_be_visible()  # an answer, or the sentence saying why there is none
    wait_idle(page)
    assert stand_in.chat_requests() == []
    expect(answer).to_contain_text("Not sent: Temperature must be at most 2.")
    expect(temperature).to_have_value("5.00")  # kept as typed, not silently dropped
    expect(element_under(page, temperature)).to_have_text("Temperature must be at most 2.")
    page.screenshot(path=str(ARTIFACTS / "invalid-field.png"))


def test_steppers_start_from_the_default(app: App, page: Page, stand_in: StandIn) -> None:
    open_app(page, f"{app.url}/?provider=oxen&model=gpt-oss-120b")
    temperature = page.get_by_role("spinbutton", name="Temperature")
    expect(temperature).to_have_value("0.70")  # the model's default, not sent yet
    field = page.get_by_test_id("stNumberInput").filter(has=temperature)
    field.get_by_test_id("stNumberInputStepUp").click()
    wait_idle(page)
    expect(temperature).to_have_value("0.75")
    send(page, "Warmer?")
    expect(message(page, 1)).to_contain_text("You said: Warmer?")
    wait_idle(page)
    assert stand_in.chat_requests()[-1].json()["temperature"] == 0.75


def test_an_example_url_in_an_error_is_not_a_link(app: App, page: Page) -> None:
    open_app(page, f"{app.url}/?provider=custom")
    base_url = page.get_by_test_id("stSidebar").get_by_role("textbox", name="Base URL")
    base_url.fill("not a url")
    base_url.press("Enter")
    error = page.get_by_test_id("stSidebar").get_by_test_id("stAlertContentError")
    expect(error).to_contain_text("https://api.example.com/v1")
    expect(error.locator("a")).to_have_count(0)
