"""Browser tests: the app as a subprocess on a free port, driven in Debian's Chromium. The helpers
live in tests/support/browser.py; bench/ and scripts/ import the start-up ones from here."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from lib.local_model import LocalServer
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, App, start_app, stop_app
from tests.support.browser import IDLE as IDLE  # re-exported for bench/ and scripts/
from tests.support.environment import app_vars
from tests.support.stand_in import StandIn

TEST_KEY = "sk-e2e-test-key-0123"


@pytest.fixture(scope="session")
def app(local_server: LocalServer, stand_in_server: StandIn) -> Iterator[App]:
    """The app, using the session's local model server and the stand-in as its Oxen."""
    a = start_app(app_vars(local_server.port, stand_in_server.base_url, TEST_KEY), "main")
    yield a
    stop_app(a)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is missing at {CHROMIUM}: run `make test` (it installs Debian's chromium).")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    pg = context.new_page()
    yield pg
    context.close()
