"""A shared Playground spends its operator's key within the daily budget: past it, the next message
is not sent and its sentence takes the answer's place (the question stays); a key the visitor types
goes on working. Against the stand-in as Oxen, whose model object carries pricing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from lib import budget
from tests.app.conftest import MakeApp
from tests.support.apptest import answers, send, sidebar_widget, users
from tests.support.stand_in import StandIn


@pytest.fixture
def fresh_spend() -> Iterator[None]:
    budget._spend = None  # the process's spend: each test starts the day afresh
    yield
    budget._spend = None


def test_past_the_budget_the_operators_key_stops_and_a_typed_key_goes_on(
    oxen_app: MakeApp, stand_in: StandIn, monkeypatch: pytest.MonkeyPatch, fresh_spend: None
) -> None:
    monkeypatch.setenv("WORKBENCH_SHARED", "1")
    monkeypatch.setenv("WORKBENCH_ALLOWED_HOSTS", "127.0.0.1")  # the stand-in, on loopback
    monkeypatch.setenv("WORKBENCH_DAILY_BUDGET_USD", "0.000001")  # less than one answer costs
    at = oxen_app()
    send(at, "First question")
    assert answers(at) == ["You said: First question"]  # the stand-in echoes
    send(at, "Second question")
    refused = [e.value for e in at.error if "budget" in str(e.value)]
    assert len(refused) == 1 and "type your own API key" in refused[0], [e.value for e in at.error]
    assert users(at) == ["First question", "Second question"]
    assert len(stand_in.chat_requests()) == 1  # the second was not sent
    sidebar_widget(at, "API key").input("sk-visitor-own").run()
    send(at, "Third question")
    assert answers(at)[-1] == "You said: Third question"
    assert stand_in.chat_requests()[-1].headers["authorization"] == "Bearer sk-visitor-own"
