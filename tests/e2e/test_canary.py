"""A full session in a real app process and Chromium, with a canary key typed in the sidebar and
another in the app's environment: chat with each, share a link, share a snapshot, export the
conversation. Then neither key is in any byte the app wrote: the SQLite history (and its WAL), every
other file in its data folder, its log, the downloads and the links. (Both keys did reach the
stand-in: the test would see a leak.)"""

from __future__ import annotations

import base64
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.support.browser import MESSAGES, open_app, send, start_app, stop_app, wait_answer, wait_idle
from tests.support.environment import app_vars
from tests.support.stand_in import StandIn, free_port

ENV_CANARY = "sk-env-canary-51c4e7d0"
TYPED_CANARY = "sk-typed-canary-9b2f6a13"


def _forms(key: str) -> list[bytes]:
    """The key as text, and as it would sit in a Basic header or a base64 blob."""
    raw = key.encode()
    return [raw, base64.b64encode(raw), base64.urlsafe_b64encode(raw).rstrip(b"=")]


def _download(page: Page, label: str) -> bytes:
    with page.expect_download(timeout=60_000) as got:
        page.get_by_role("button", name=label).click()
    return Path(got.value.path()).read_bytes()


def test_no_key_in_any_byte_the_app_wrote(page: Page, stand_in: StandIn, tmp_path: Path) -> None:
    home = tmp_path / "home"
    app = start_app({**app_vars(free_port(), stand_in.base_url, ENV_CANARY), "WORKBENCH_HOME": str(home)}, "canary")
    written: list[bytes] = []
    try:
        open_app(page, f"{app.url}/?provider=oxen&model=gpt-oss-120b")
        send(page, "First, with the key from the environment.")
        wait_answer(page, 1)
        key = page.get_by_test_id("stSidebar").get_by_role("textbox", name="API key")
        key.fill(TYPED_CANARY)
        key.press("Enter")
        wait_idle(page)
        send(page, "Then with the typed key.")
        wait_answer(page, 3)
        page.get_by_role("button", name="Share link").click()
        expect(page.get_by_test_id("stCode").filter(has_text="provider=oxen")).to_be_visible(timeout=30_000)
        written.append(page.url.encode())
        # The link as shown (not the whole page: the sidebar's own key field holds what was typed).
        written.append("\n".join(page.get_by_test_id("stCode").all_inner_texts()).encode())
        page.goto(f"{app.url}/history?provider=oxen&model=gpt-oss-120b")
        table = page.locator(".st-key-history-table")
        table.get_by_role("button", name="First, with the key from the environment.").click()
        expect(page.get_by_role("button", name="Reopen in Playground")).to_be_visible(timeout=60_000)
        wait_idle(page)
        for label in ("Export Markdown", "Export JSON", "Export Python"):
            written.append(_download(page, label))
        page.get_by_role("button", name="Share snapshot").click()
        shown = page.get_by_test_id("stCode").filter(has_text="snapshot=")
        expect(shown).to_be_visible(timeout=30_000)
        link = shown.inner_text()
        written.append(link.encode())
        page.goto(link[link.index("http") :].split()[0])  # a new session: no key typed there
        expect(page.locator(MESSAGES).first).to_be_visible(timeout=60_000)
        written.append(page.content().encode())
    finally:
        stop_app(app)  # its log and its database, closed
    written.append(app.log.read_bytes())
    files = [p for p in home.rglob("*") if p.is_file()]
    assert any(p.name.startswith("workbench.db") for p in files)
    written += [p.read_bytes() for p in files]
    # Each key was really used: a leak would have something to leak.
    sent = {r.headers.get("authorization") for r in stand_in.chat_requests()}
    assert {f"Bearer {ENV_CANARY}", f"Bearer {TYPED_CANARY}"} <= sent
    for blob in written:
        for form in _forms(ENV_CANARY) + _forms(TYPED_CANARY):
            assert form not in blob
