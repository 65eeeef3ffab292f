"""Presenter mode in a real app process and Chromium: with a canary key typed in the sidebar and
another in the app's environment, and the provider at a base URL that names its own host
(`localhost`) and port, no key, key source, base URL, host or port is in any page's HTML, its
accessibility tree or its address while the mode is on. It survives a reload, a share link carries
it, and leaving it brings the key field and the setup back."""

from __future__ import annotations

from playwright.sync_api import Page, expect

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
        page.get_by_role("button", name="Share link").click()
        expect(page.get_by_test_id("stCode").filter(has_text="present=1")).to_be_visible(timeout=30_000)
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
