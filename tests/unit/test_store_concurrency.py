"""The store under real processes, on SQLite and PostgreSQL: four writers appending 250 runs each to
one conversation lose none, and an app process killed with SIGKILL mid-answer leaves the answer up to
its last second, marked interrupted at the next start."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time
import types
from concurrent.futures import ProcessPoolExecutor

import pytest
import sqlalchemy as sa

from lib.client import ChatClient, ClientConfig
from lib.events import Done, TextDelta
from lib.providers import builtin_providers, with_base_url
from lib.request import ChatRequest, Message, to_http
from lib.share import Setup
from lib.store import open_store
from lib.store.runs import INTERRUPTED
from tests.conftest import ROOT
from tests.support.stand_in import Behaviour, StandIn
from tests.support.store_writers import OWNER, write_runs

WRITERS, RUNS = 4, 250
TOKEN_INTERVAL = 0.02  # the stand-in's pace in the kill test: 50 tokens a second


def test_four_writers_append_a_thousand_runs_and_none_is_lost(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # AppTests earlier in the session leave the app's script as __main__, which every spawned writer
    # would run first (and fail in, outside Streamlit): the writers start from a plain __main__.
    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))
    store = open_store(database_url)
    conversation = store.create_conversation(OWNER, setup=Setup("oxen", "gpt-x"))
    # Processes, not threads: each has its own engine, connections and (on SQLite) file locks.
    with ProcessPoolExecutor(WRITERS, mp_context=multiprocessing.get_context("spawn")) as pool:
        done = list(pool.map(write_runs, [database_url] * WRITERS, [conversation.id] * WRITERS, range(WRITERS),
                             [RUNS] * WRITERS))  # fmt: skip
    assert done == [RUNS] * WRITERS
    runs = store.messages(OWNER, conversation.id)
    expected = {f"writer {w} run {n}" for w in range(WRITERS) for n in range(RUNS)}
    assert len(runs) == WRITERS * RUNS and {m.content for m in runs} == expected
    assert {m.status for m in runs} == {"complete"}
    after = store.get_conversation(OWNER, conversation.id)
    assert after.message_count == WRITERS * RUNS  # no increment lost between processes
    assert after.cost == pytest.approx(WRITERS * RUNS * 0.001)
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(DISTINCT seq) FROM messages")).scalar_one() == WRITERS * RUNS
    store.close()


def stream_and_wait_to_be_killed(url: str, base_url: str) -> None:
    """The app process of the kill test: stream an answer from the stand-in into the store, saying
    how many tokens it has handed to the RunWriter after each one, and when."""
    store = open_store(url)
    provider = with_base_url(builtin_providers()["oxen"], base_url)
    request = ChatRequest(provider, "gpt-oss-120b", [Message("user", "Count slowly")], {"stream": True})
    conversation = store.create_conversation(OWNER, setup=Setup("oxen", "gpt-oss-120b"))
    store.add_message(OWNER, conversation.id, "user", "Count slowly")
    print(f"conversation {conversation.id}", flush=True)
    config = ClientConfig(connect_timeout=5, first_byte_timeout=10, stall_timeout=10)
    with ChatClient(config) as client:
        writer = store.start_run(OWNER, conversation.id, to_http(request), provider="oxen")
        text, count = "", 0
        for event in client.stream(request, "sk-test"):
            if isinstance(event, Done) and event.result.error:  # the test shows this if it comes
                print(event.result.error, file=sys.stderr, flush=True)
            if isinstance(event, TextDelta):
                text += event.text
                count += 1
                writer.update(text)
                print(count, time.monotonic(), flush=True)


def test_an_app_killed_mid_answer_keeps_all_but_the_last_second_and_is_marked_interrupted(
    database_url: str, stand_in: StandIn
) -> None:
    stand_in.then(Behaviour(tokens=[f"t{n} " for n in range(1, 1001)], token_interval=TOKEN_INTERVAL))
    code = (
        "import sys; from tests.unit import test_store_concurrency as t; t.stream_and_wait_to_be_killed(*sys.argv[1:])"
    )
    child = subprocess.Popen([sys.executable, "-c", code, database_url, stand_in.base_url], cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    assert child.stdout is not None
    conversation_id = child.stdout.readline().split()[-1]
    at: dict[int, float] = {}  # token count -> when the app handed it to the RunWriter
    while len(at) < 120:  # well past the first write, and more than two intervals of 1 s
        line = child.stdout.readline()
        assert line, f"the app process ended early: {child.stderr.read() if child.stderr else ''}"
        count, when = line.split()
        at[int(count)] = float(when)
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=10)
    for line in child.stdout.read().splitlines():  # printed before it died
        count, when = line.split()
        at[int(count)] = float(when)
    assert child.returncode == -signal.SIGKILL
    handed = max(at)

    store = open_store(database_url)  # the next start of the app
    try:
        run = store.thread(OWNER, conversation_id)[-1]
        assert run.status == "interrupted" and run.error == INTERRUPTED
        kept = len(run.content.split())
        assert run.content == "".join(f"t{n} " for n in range(1, kept + 1))  # a clean prefix of the answer
        lost = at[handed] - at[kept]  # the stream's time that was not saved
        # One interval (1 s), and a little for a timer thread that two busy cores ran late.
        assert lost <= 1.25, f"kept {kept} of {handed} tokens: lost {lost:.2f} s of the answer"
        assert store.get_conversation(OWNER, conversation_id).status == "interrupted"
    finally:
        store.close()
