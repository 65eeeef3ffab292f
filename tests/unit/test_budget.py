"""A shared app's own keys within their operator's limits (lib/budget.py), against the recording
stand-in: past the daily budget (from each answer's cost) or the session's request rate, the request
is not sent and one sentence says why; a typed key is never metered."""

from __future__ import annotations

import pytest

from lib import budget, errors
from lib.budget import Limits, Meter, Spend
from lib.client import ChatClient, ClientConfig
from lib.events import Pricing
from lib.providers import Provider
from lib.request import ChatRequest, Message
from tests.support.stand_in import StandIn

# The stand-in echoes "Hello there" (a few tokens each way): about $0.01 per answer at these prices.
PRICES = Pricing(input_cost_per_token=0.0005, output_cost_per_token=0.001)


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0  # 2027-01-15, mid-morning UTC

    def __call__(self) -> float:
        return self.now


def _ask(oxen: Provider, meter: Meter | None, pricing: Pricing | None = PRICES) -> errors.WorkbenchError | None:
    request = ChatRequest(oxen, "gpt-oss-120b", [Message("user", "Hello there")], {"stream": True})
    with ChatClient(ClientConfig(max_retries=0)) as client:
        return client.complete(request, key="sk-operator", pricing=pricing, meter=meter).error


def test_past_the_daily_budget_the_next_request_is_refused(oxen: Provider, stand_in: StandIn) -> None:
    spend = Spend(Limits(daily_usd=0.02))
    meter = Meter(spend, "session-1")
    sent = 0
    while (error := _ask(oxen, meter)) is None:
        sent += 1
        assert sent < 50, "the budget never ran out"
    assert isinstance(error, errors.BudgetExceeded)
    assert "$0.02" in str(error) and "your own API key" in str(error)
    assert sent >= 1 and spend.usd >= 0.02
    assert len(stand_in.chat_requests()) == sent  # the refused one was not sent
    # Another session shares the operator's budget; a typed key (no meter) still works.
    assert isinstance(_ask(oxen, Meter(spend, "session-2")), errors.BudgetExceeded)
    assert _ask(oxen, None) is None
    assert len(stand_in.chat_requests()) == sent + 1


def test_the_budget_starts_again_the_next_day(oxen: Provider) -> None:
    clock = Clock()
    spend = Spend(Limits(daily_usd=0.005), clock=clock)
    assert _ask(oxen, Meter(spend, "s")) is None
    assert isinstance(_ask(oxen, Meter(spend, "s")), errors.BudgetExceeded)
    clock.now += 24 * 3600
    assert _ask(oxen, Meter(spend, "s")) is None


def test_answers_at_unknown_prices_count_against_a_number_of_requests(oxen: Provider) -> None:
    spend = Spend(Limits(daily_usd=1.0, daily_unpriced=2))
    meter = Meter(spend, "s")
    assert [_ask(oxen, meter, pricing=None) for _ in range(2)] == [None, None]
    error = _ask(oxen, meter, pricing=None)
    assert isinstance(error, errors.BudgetExceeded) and "unknown prices" in str(error)


def test_a_session_past_its_rate_waits(oxen: Provider, stand_in: StandIn) -> None:
    clock = Clock()
    spend = Spend(Limits(per_minute=3), clock=clock)
    for _ in range(3):
        assert _ask(oxen, Meter(spend, "busy")) is None
        clock.now += 1
    error = _ask(oxen, Meter(spend, "busy"))
    assert isinstance(error, errors.BudgetExceeded) and "wait 57 s" in str(error)
    assert _ask(oxen, Meter(spend, "calm")) is None  # the rate is per session
    clock.now += 58
    assert _ask(oxen, Meter(spend, "busy")) is None
    assert len(stand_in.chat_requests()) == 5


def test_only_a_shared_apps_own_keys_are_metered() -> None:
    assert budget.meter(True, "environment", "s") is not None
    assert budget.meter(True, "secrets", "s") is not None
    assert budget.meter(True, "typed", "s") is None
    assert budget.meter(True, "none", "s") is None
    assert budget.meter(False, "environment", "s") is None


def test_limits_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKBENCH_DAILY_BUDGET_USD", "5")
    monkeypatch.delenv("WORKBENCH_DAILY_UNPRICED_REQUESTS", raising=False)
    monkeypatch.setenv("WORKBENCH_SESSION_REQUESTS_PER_MINUTE", "not a number")
    assert Limits.from_env() == Limits(
        daily_usd=5.0, daily_unpriced=budget.DEFAULT_UNPRICED, per_minute=budget.DEFAULT_RATE
    )
    monkeypatch.delenv("WORKBENCH_DAILY_BUDGET_USD")
    assert Limits.from_env().daily_usd is None and Limits.from_env().daily_unpriced is None
