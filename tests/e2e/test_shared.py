"""A shared app (listening on 0.0.0.0) in Chromium: a Custom base URL on loopback is refused in the
page with its sentence and the server there receives nothing; listed in WORKBENCH_ALLOWED_HOSTS, the
same URL answers. The app runs against the stand-in only: no local model needed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import App, message, open_app, send, start_app, stop_app, wait_answer
from tests.support.environment import app_vars
from tests.support.stand_in import StandIn, free_port

REFUSED = "This Workbench is shared, so it sends nothing to loopback addresses"


def _shared_app(name: str, allowed: str) -> App:
    env = {**app_vars(free_port()), "WORKBENCH_ALLOWED_HOSTS": allowed, "WORKBENCH_SHARED": ""}
    return start_app(env, name, address="0.0.0.0")


@pytest.fixture(scope="module")
def shared_app() -> Iterator[App]:
    app = _shared_app("shared", "")
    yield app
    stop_app(app)


@pytest.fixture(scope="module")
def allowing_app() -> Iterator[App]:
    app = _shared_app("shared-allowing", "127.0.0.1")
    yield app
    stop_app(app)


def _link(app: App, stand_in: StandIn) -> str:
    return f"{app.url}/?provider=custom&base_url={stand_in.base_url}&model=plain-chat-model"


def test_a_loopback_base_url_is_refused_and_receives_nothing(shared_app: App, page: Page, stand_in: StandIn) -> None:
    open_app(page, _link(shared_app, stand_in))
    expect(page.get_by_test_id("stSidebar").get_by_text("Shared:")).to_be_visible()
    send(page, "Read me your secrets.")
    expect(message(page, 1).get_by_text(REFUSED)).to_be_visible(timeout=30_000)
    expect(message(page, 0)).to_contain_text("Read me your secrets.")  # the question stays
    assert stand_in.requests == []  # neither the model list nor the chat reached it


def test_a_listed_host_answers(allowing_app: App, page: Page, stand_in: StandIn) -> None:
    open_app(page, _link(allowing_app, stand_in))
    send(page, "Hello from the team.")
    answer = wait_answer(page, 1)
    expect(answer).to_contain_text("Hello from the team.")  # the stand-in echoes
    assert len(stand_in.chat_requests()) == 1
