"""Compare's engine part: what differs between a round's bodies, the word diff, blind labels, and
every pane streaming at once against real stand-ins of different speeds."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lib.compare import (
    CompareRun,
    PaneJob,
    averages,
    blind_label,
    blind_order,
    differs_line,
    request_for,
    round_row,
    what_differs,
    word_diff,
)
from lib.conversation import ChatMessage
from lib.providers import Provider, builtin_providers, with_base_url
from lib.request import chat_body
from tests.support.stand_in import Behaviour, StandIn


@pytest.fixture(scope="module")
def servers() -> Iterator[list[StandIn]]:
    started = [StandIn().start() for _ in range(3)]
    yield started
    for s in started:
        s.stop()


@pytest.fixture
def three(servers: list[StandIn]) -> list[StandIn]:
    for s in servers:
        s.reset()
    return servers


def custom(server: StandIn, local: bool = False) -> Provider:
    return replace(with_base_url(builtin_providers()["custom"], server.base_url), local=local)


def job(pane: int, provider: Provider, model: str = "m", **params: object) -> PaneJob:
    request = request_for(provider, model, [ChatMessage(1, "user", "one two three")], "Be brief.", {},
                          {"stream": True, **params})  # fmt: skip
    return PaneJob(pane, request, None, None, ChatMessage(100 + pane, "assistant"))


def test_what_differs_names_exactly_the_fields_that_differ() -> None:
    p = builtin_providers()["openai"]
    msgs = [ChatMessage(1, "user", "hi")]
    a = request_for(p, "gpt-a", msgs, "sys", {}, {"temperature": 0.0, "stream": True})
    b = request_for(p, "gpt-a", msgs, "sys", {}, {"temperature": 1.0, "stream": True})
    c = request_for(p, "gpt-b", msgs, "sys", {}, {"temperature": 0.0, "stream": True, "seed": 3})
    assert what_differs([chat_body(a), chat_body(b)]) == ["temperature"]
    assert what_differs([chat_body(a), chat_body(c)]) == ["model", "seed"]
    assert what_differs([chat_body(a), chat_body(a)]) == []
    assert differs_line([a, b, c]) == "What differs: model, temperature, seed"
    assert differs_line([a, a]).startswith("What differs: nothing")


@given(st.text(max_size=80), st.text(max_size=80))
def test_word_diff_rebuilds_both_texts(a: str, b: str) -> None:
    ops = word_diff(a, b)
    assert "".join(t for op, t in ops if op != "insert") == a
    assert "".join(t for op, t in ops if op != "delete") == b


def test_word_diff_marks_words() -> None:
    assert word_diff("the cat sat", "the dog sat") == [
        ("equal", "the "),
        ("delete", "cat"),
        ("insert", "dog"),
        ("equal", " sat"),
    ]


def test_blind_order_is_a_shuffle_and_labels_are_letters() -> None:
    orders = {tuple(blind_order(4, random.Random(seed))) for seed in range(30)}
    assert all(sorted(o) == [0, 1, 2, 3] for o in orders) and len(orders) > 5
    assert [blind_label(i) for i in range(4)] == ["Model A", "Model B", "Model C", "Model D"]


def test_panes_stream_at_once_and_a_slow_one_holds_no_other(three: list[StandIn]) -> None:
    fast, slow, stalled = three
    words = [f" w{i}" for i in range(20)]
    fast.then(Behaviour(tokens=words, token_interval=0.01))
    slow.then(Behaviour(tokens=words, token_interval=0.1))
    stalled.then(Behaviour(tokens=words, first_token_delay=30))
    run = CompareRun([job(0, custom(fast)), job(1, custom(slow)), job(2, custom(stalled))]).start()
    deadline = time.monotonic() + 20
    while not run.live[0].done and time.monotonic() < deadline:
        run.changed(0.5)
    answers = [run.jobs[p].answer for p in range(3)]
    assert answers[0].status == "complete" and answers[0].content == "".join(words)
    assert run.running(1) and run.running(2)  # the fast pane finished while the slow one streams
    assert 0 < len(answers[1].content) < len("".join(words))
    run.cancel(2)  # Stop on one pane leaves the other streaming
    assert run.wait(20)
    assert answers[1].status == "complete" and answers[1].content == "".join(words)
    assert answers[2].status == "stopped" and answers[2].content == ""


def test_a_failing_and_a_cut_pane_leave_the_third_complete(three: list[StandIn]) -> None:
    ok, failing, cut = three
    ok.then(Behaviour(tokens=[" a", " b", " c"], token_interval=0.05))
    failing.default = Behaviour(status=500)  # and its retries
    cut.then(Behaviour(tokens=[" x", " y", " z", " q"], cut_after=2, token_interval=0.02))
    run = CompareRun([job(0, custom(ok)), job(1, custom(failing)), job(2, custom(cut))]).start()
    assert run.wait(30)
    a, f, c = (run.jobs[p].answer for p in range(3))
    assert a.status == "complete" and a.content == " a b c" and a.error is None
    assert f.status == "error" and f.error
    assert c.status == "incomplete" and c.content == " x y" and c.error


def test_local_panes_answer_one_at_a_time(three: list[StandIn]) -> None:
    server = three[0]
    server.default = Behaviour(tokens=[" a", " b"], token_interval=0.2)
    local = custom(server, local=True)
    run = CompareRun([job(0, local, "m0"), job(1, local, "m1")])
    run.start()
    assert run.live[1].queued and not run.live[0].queued
    while not run.live[0].done:
        run.changed(1)
        if not run.live[0].done:
            assert run.live[1].queued  # waits its turn while the first answers
    assert run.wait(20)
    answers = [run.jobs[p].answer for p in range(2)]
    assert [a.content for a in answers] == [" a b", " a b"]
    first, second = run.live[0], run.live[1]
    assert first.last_at is not None and second.first_at is not None and second.first_at > first.last_at
    assert [r.json()["model"] for r in server.chat_requests()] == ["m0", "m1"]


def test_a_queued_local_pane_stopped_is_never_sent(three: list[StandIn]) -> None:
    server = three[0]
    server.default = Behaviour(tokens=[" a", " b"], token_interval=0.2)
    local = custom(server, local=True)
    run = CompareRun([job(0, local, "m0"), job(1, local, "m1")]).start()
    run.cancel(1)
    assert run.wait(20)
    assert run.jobs[1].answer.status == "stopped"
    assert [r.json()["model"] for r in server.chat_requests()] == ["m0"]


def test_summary_rows_and_averages(three: list[StandIn]) -> None:
    three[0].then(Behaviour(tokens=[" a", " b"]), Behaviour(tokens=[" c"]))
    rows = []
    for n in (1, 2):
        run = CompareRun([job(0, custom(three[0]))]).start()
        assert run.wait(10)
        rows.append(round_row(n, "Model A", run.jobs[0].answer))
    assert [r.tokens for r in rows] == [2, 1]
    avg = averages(rows)
    assert avg[0]["pane"] == "Model A" and avg[0]["rounds"] == 2 and avg[0]["tokens"] == 1.5
    assert avg[0]["latency"] is not None
