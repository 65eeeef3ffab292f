"""Presenter mode in a real app process and Chromium: with a canary key typed in the sidebar and
another in the app's environment, and the provider at a base URL that names its own host
(`localhost`) and port, no key, key source, base URL, host or port is in any page's HTML, its
accessibility tree or its address while the mode is on. It survives a reload, a share link carries
it, and leaving it brings the key field and the setup back."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from tests.support.browser import MESSAGES, open_app, send, start_app, stop_app, wait_answer, wait_idle
from tests.support.environment import app_vars
from tests.support.stand_in import StandIn, free_port

ENV_CANARY = "sk-env-canary-presenter-4d1e"
TYPED_CANARY = "sk-typed-canary-presenter-8a7c"
PAGES = ("Playground", "Compare", "Batch", "Models", "History")


def _forbidden(stand_in: StandIn) -> list[str]:
    base = stand_in.base_url.replace("127.0.0.1", "localhost")
    return [
        ENV_CANARY,
        TYPED_CANARY,
        base,
        "localhost",  # the provider's host (the app itself is at 127.0.0.1)
        f":{stand_in.port}",
        str(stand_in.port),
        "from the environment",
        "typed for this session",
        "OXEN_API_KEY",
        "Custom headers",  # they name hosts and hold credentials (its placeholder is a URL)
    ]


def _everything(page: Page) -> dict[str, str]:
    wait_idle(page, 60_000)
    return {
        "html": page.content(),
        "accessibility tree": page.locator("body").aria_snapshot(),
        "address": page.url,
    }


def _assert_clean(page: Page, where: str, forbidden: list[str]) -> None:
    for what, text in _everything(page).items():
        for word in forbidden:
            if what == "html" and word.isdigit():  # the markup's hashes and sizes hold digit runs: ":port" there
                continue
            assert word not in text, f"{word!r} is in the {what} of {where} in presenter mode"


def _go(page: Page, title: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title).click()
    expect(page.get_by_role("heading", name=title).first).to_be_visible(timeout=60_000)
    wait_idle(page, 60_000)


def test_presenter_mode_hides_keys_and_addresses_on_every_page(page: Page, stand_in: StandIn) -> None:
    base = stand_in.base_url.replace("127.0.0.1", "localhost")
    app = start_app(app_vars(free_port(), base, ENV_CANARY), "presenter")
    forbidden = _forbidden(stand_in)
    try:
        open_app(page, f"{app.url}/?provider=oxen&model=gpt-oss-120b")
        sidebar = page.get_by_test_id("stSidebar")
        key = sidebar.get_by_role("textbox", name="API key")
        key.fill(TYPED_CANARY)
        key.press("Enter")
        wait_idle(page)
        # Outside presenter mode the page does show them: the check below can fail.
        assert "from the environment" in page.content() or "typed for this session" in page.content()
        expect(sidebar.get_by_role("textbox", name="Base URL")).to_have_value(base)
        send(page, "Hello from the demo.")
        wait_answer(page, 1)
        assert {r.headers.get("authorization") for r in stand_in.chat_requests()} == {f"Bearer {TYPED_CANARY}"}

        sidebar.get_by_text("Presenter mode").click()
        expect(sidebar.get_by_role("textbox", name="API key")).to_have_count(0, timeout=30_000)
        wait_idle(page)
        assert "present=1" in page.url
        expect(page.get_by_role("button", name="Show setup")).to_be_visible()
        expect(page.locator(".st-key-api-call")).to_have_count(0)
        expect(page.get_by_text("gpt-oss-120b").first).to_be_visible()
        expect(page.get_by_text("Oxen.ai").first).to_be_visible()
        _assert_clean(page, "the Playground", forbidden)

        # A reload (a new session: the typed key is gone) keeps the mode; a send uses the environment's key.
        page.reload()
        expect(page.get_by_placeholder("Send a message")).to_be_visible(timeout=60_000)
        wait_idle(page, 60_000)
        expect(page.get_by_test_id("stSidebar").get_by_role("switch", name="Presenter mode")).to_be_checked()
        _assert_clean(page, "the reloaded Playground", forbidden)
        before = page.locator(MESSAGES).count()
        send(page, "And once more after the reload.")
        wait_answer(page, before + 1)
        assert stand_in.chat_requests()[-1].headers.get("authorization") == f"Bearer {ENV_CANARY}"
        for title in PAGES:
            _go(page, title)
            _assert_clean(page, title, forbidden)

        # The one button unfolds the setup; a share link made there opens in presenter mode too.
        _go(page, "Playground")
        page.get_by_role("button", name="Show setup").click()
        expect(page.get_by_text("The request as code is not shown in presenter mode")).to_be_visible(timeout=30_000)
        _assert_clean(page, "the unfolded setup", forbidden)
        page.get_by_role("button", name="Share link").click()
        expect(page.get_by_test_id("stCode").filter(has_text="present=1")).to_be_visible(timeout=30_000)
        _assert_clean(page, "the unfolded setup with its share link", forbidden)
        page.get_by_role("button", name="Hide setup").click()
        expect(page.locator(".st-key-api-call")).to_have_count(0, timeout=30_000)

        # Leaving restores the key field, the base URL and the setup.
        page.get_by_test_id("stSidebar").get_by_text("Presenter mode").click()
        expect(page.get_by_test_id("stSidebar").get_by_role("textbox", name="Base URL")).to_have_value(base)
        expect(page.get_by_test_id("stSidebar").get_by_role("textbox", name="API key")).to_be_visible()
        expect(page.locator(".st-key-api-call")).to_have_count(1, timeout=30_000)
        wait_idle(page)
        assert "present=1" not in page.url
    finally:
        stop_app(app)


def test_the_html_hand_out_loads_nothing_runs_nothing_and_its_curl_runs(
    page: Page, browser: Browser, stand_in: StandIn, tmp_path: Path
) -> None:
    app = start_app(app_vars(free_port(), stand_in.base_url, ENV_CANARY), "handout")
    try:
        open_app(page, f"{app.url}/?provider=oxen&model=gpt-oss-120b")
        send(page, 'Say <img src="http://remote.example/x.png"> and **bold** <script>alert(1)</script>')
        wait_answer(page, 1)
        with page.expect_download(timeout=60_000) as got:
            page.get_by_role("button", name="Download HTML").click()
        handout = tmp_path / "conversation.html"
        got.value.save_as(handout)
        with page.expect_download(timeout=60_000) as got_md:
            page.get_by_role("button", name="Download Markdown").click()
        markdown = Path(got_md.value.path()).read_text()
    finally:
        stop_app(app)
    text = handout.read_text()
    assert ENV_CANARY not in text and ENV_CANARY not in markdown
    assert "**bold**" in markdown and "### cURL" in markdown

    # Opened with every network request refused: it asks for nothing, and nothing in it runs.
    context = browser.new_context(offline=True)
    asked: list[str] = []
    context.route("**/*", lambda route: (asked.append(route.request.url), route.continue_()
                                         if route.request.url.startswith("file:") else route.abort()))  # fmt: skip
    shown = context.new_page()
    errors: list[str] = []
    shown.on("console", lambda m: errors.append(m.text))
    shown.goto(handout.as_uri())
    expect(shown.get_by_text("TTFT").first).to_be_visible()
    expect(shown.locator("strong", has_text="bold").first).to_be_visible()
    assert [u for u in asked if not u.startswith("file:")] == []
    assert shown.evaluate("document.scripts.length") == 0
    handlers = "[...document.querySelectorAll('*')].flatMap(e => [...e.attributes].map(a => a.name))"
    assert not [a for a in shown.evaluate(handlers) if a.startswith("on")]
    assert shown.locator("img").count() == 0
    context.close()

    # Its cURL, run for real, sends the app's own request (the key from the environment).
    [code] = re.findall(r"<h3>cURL</h3><pre><code>(.*?)</code></pre>", text, re.S)
    script = tmp_path / "handout.sh"
    script.write_text(html.unescape(code))
    before = len(stand_in.chat_requests())
    done = subprocess.run(["bash", str(script)], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "OXEN_API_KEY": ENV_CANARY})  # fmt: skip
    assert done.returncode == 0, done.stderr
    sent, again = stand_in.chat_requests()[before - 1], stand_in.chat_requests()[-1]
    assert len(stand_in.chat_requests()) == before + 1
    assert again.headers["authorization"] == f"Bearer {ENV_CANARY}"
    assert json.loads(again.body) == json.loads(sent.body)


def test_a_saved_scenario_replays_with_the_provider_gone_and_exports_without_a_key(page: Page, tmp_path: Path) -> None:
    stand_in = StandIn().start()
    env = {**app_vars(free_port(), stand_in.base_url, ENV_CANARY), "WORKBENCH_HOME": str(tmp_path)}
    app = start_app(env, "scenarios")
    try:
        open_app(page, f"{app.url}/?provider=oxen&model=gpt-oss-120b&present=1")
        send(page, "Why is the sky blue?")
        wait_answer(page, 1)
        sidebar = page.get_by_test_id("stSidebar")
        sidebar.get_by_text("Save or import").click()
        sidebar.get_by_role("textbox", name="Scenario name").fill("Sky demo")
        sidebar.get_by_role("textbox", name="Scenario name").press("Enter")
        wait_idle(page)
        sidebar.get_by_role("button", name="Save conversation as scenario").click()
        expect(sidebar.get_by_text("1 with a recorded answer")).to_be_visible(timeout=30_000)
        with page.expect_download(timeout=60_000) as got:
            sidebar.get_by_role("button", name="Export").click()
        exported = Path(got.value.path()).read_text()
        assert "Why is the sky blue?" in exported and ENV_CANARY not in exported

        stand_in.stop()  # offline: Replay needs no provider
        served = len(stand_in.requests)
        sidebar.get_by_role("radio", name="Replay").or_(sidebar.get_by_role("button", name="Replay")).first.click()
        wait_idle(page)
        sidebar.get_by_role("button", name="Sky demo").click()
        answer = wait_answer(page, 1, timeout=60_000)
        expect(answer.get_by_text("Replayed")).to_be_visible()
        expect(answer).to_contain_text("You said: Why is the sky blue?")
        assert len(stand_in.requests) == served

        # Live with the provider gone: the answer fails, and its recording is one click away.
        sidebar.get_by_role("radio", name="Live").or_(sidebar.get_by_role("button", name="Live")).first.click()
        wait_idle(page)
        sidebar.get_by_role("button", name="Sky demo").click()
        instead = page.get_by_role("button", name="Play its recording instead")
        expect(instead).to_be_visible(timeout=60_000)
        wait_idle(page)
        instead.click()
        answer = wait_answer(page, 1, timeout=60_000)
        expect(answer.get_by_text("Replayed")).to_be_visible()
        expect(answer).to_contain_text("You said: Why is the sky blue?")
    finally:
        stop_app(app)
        stand_in.stop()
