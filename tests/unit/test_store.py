"""The history store, each test on SQLite and on a real PostgreSQL 15 (tests/support/postgres.py):
conversations scoped to their owner, the message tree and forks, runs saved while they stream,
search, filters and sorting, presets, snapshots, export and import, and what it says when it cannot
be used."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from lib.client import ChatClient, ClientConfig
from lib.events import ChatResult, Done, Metrics, Pricing, ReasoningDelta, Status, TextDelta, ToolCall, Usage
from lib.headers import Secret, SecretHeader
from lib.providers import Extras, Provider, builtin_providers, with_base_url, with_extras
from lib.request import ChatRequest, HttpRequest, Message, to_http
from lib.share import Setup
from lib.store import (
    LATEST,
    ConversationQuery,
    ImportRefused,
    NotFound,
    Store,
    StoreError,
    StoreUnavailable,
    open_store,
    search,
)
from lib.store import conversations as conversations_module
from lib.store import runs as runs_module
from lib.store.tables import messages as messages_table
from tests.support.postgres import raw_bytes
from tests.support.stand_in import Behaviour, StandIn, free_port

ALICE = "alice@example.com"
BOB = "bob@example.com"
FAST = ClientConfig(connect_timeout=2, first_byte_timeout=5, stall_timeout=5, backoff_base=0.01, backoff_cap=0.05)


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    opened = open_store(database_url)
    yield opened
    opened.close()


def oxen_at(url: str = "https://hub.oxen.ai/api/ai") -> Provider:
    return with_base_url(builtin_providers()["oxen"], url)


def wire_for(question: str, model: str = "gpt-x", provider: Provider | None = None, **params: object) -> HttpRequest:
    return to_http(ChatRequest(provider or oxen_at(), model, [Message("user", question)], dict(params)))


def chat(
    store: Store,
    owner: str,
    question: str,
    answer: str,
    *,
    model: str = "gpt-x",
    provider: str = "oxen",
    page: str = "playground",
    cost: float | None = 0.002,
    status: Status = "complete",
) -> str:
    """A conversation with one question and its finished answer; its id."""
    conversation = store.create_conversation(owner, setup=Setup(provider, model), page=page)
    store.add_message(owner, conversation.id, "user", question)
    writer = store.start_run(owner, conversation.id, wire_for(question, model), provider=provider)
    result = ChatResult(
        text=answer,
        status=status,
        finish_reason="stop",
        usage=Usage(5, 7, 12),
        metrics=Metrics(0.1, 0.9, 20.0, cost),
    )
    writer.finish(result)
    return conversation.id


def count_rows(store: Store, table: str) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())


# -- conversations ------------------------------------------------------------------------------


def test_a_conversation_is_made_titled_renamed_starred_deleted_and_brought_back(store: Store) -> None:
    made = store.create_conversation(ALICE, setup=Setup("oxen", "gpt-x", params={"temperature": 0.3}))
    assert len(made.id) == 22 and made.title == "" and made.message_count == 0 and made.status == ""
    store.add_message(ALICE, made.id, "user", "  How do\nplants   make sugar from light?  ")
    got = store.get_conversation(ALICE, made.id)
    assert got.title == "How do plants make sugar from light?"  # from the first question, one line
    assert got.message_count == 1 and got.updated_at >= made.updated_at
    assert got.setup.params == {"temperature": 0.3} and got.setup.model == "gpt-x"

    store.rename_conversation(ALICE, made.id, "Photosynthesis")
    store.star_conversation(ALICE, made.id)
    got = store.get_conversation(ALICE, made.id)
    assert (got.title, got.starred) == ("Photosynthesis", True)

    other = chat(store, ALICE, "second", "answer")
    assert store.delete_conversations(ALICE, [made.id]) == 1
    assert [c.id for c in store.list_conversations(ALICE).rows] == [other]
    assert [c.id for c in store.list_conversations(ALICE, ConversationQuery(deleted=True)).rows] == [made.id]
    assert store.get_conversation(ALICE, made.id).deleted_at is not None  # a link to it can say so
    assert store.undelete_conversations(ALICE, [made.id]) == 1  # undo
    assert {c.id for c in store.list_conversations(ALICE).rows} == {made.id, other}

    store.delete_conversations(ALICE, [made.id, other])
    assert store.purge_deleted(ALICE, before=datetime.now(UTC) - timedelta(hours=1)) == 0  # too recent
    assert store.purge_deleted(ALICE) == 2
    assert count_rows(store, "messages") == 0  # the messages went with them
    with pytest.raises(NotFound):
        store.get_conversation(ALICE, made.id)


def test_every_query_is_scoped_to_its_owner(store: Store) -> None:
    mine = chat(store, ALICE, "alice's secret plan about zebras", "noted")
    theirs = chat(store, BOB, "bob's question about zebras", "sure")
    run_id = store.messages(ALICE, mine)[-1].id
    store.save_preset(ALICE, "Mine", Setup("oxen", "gpt-x"))
    snapshot = store.create_snapshot(ALICE, mine)

    assert [c.id for c in store.list_conversations(BOB).rows] == [theirs]
    assert [c.id for c in store.list_conversations(BOB, ConversationQuery(text="zebras")).rows] == [theirs]
    assert [c.id for c in store.list_conversations(ALICE, ConversationQuery(text="zebras")).rows] == [mine]
    assert store.list_conversations(BOB, ConversationQuery(text="plan")).total == 0
    assert store.facets(BOB).models == ["gpt-x"]
    assert [p.name for p in store.list_presets(BOB)] == []
    assert store.list_snapshots(BOB) == []
    for attempt in (
        lambda: store.get_conversation(BOB, mine),
        lambda: store.messages(BOB, mine),
        lambda: store.thread(BOB, mine),
        lambda: store.get_message(BOB, run_id),
        lambda: store.rename_conversation(BOB, mine, "mine now"),
        lambda: store.star_conversation(BOB, mine),
        lambda: store.update_setup(BOB, mine, Setup("openai", "x")),
        lambda: store.add_message(BOB, mine, "user", "hi"),
        lambda: store.start_run(BOB, mine, wire_for("hi"), provider="oxen"),
        lambda: store.end_run(BOB, run_id, "stopped"),
        lambda: store.fork(BOB, run_id),
        lambda: store.export_json(BOB, mine),
        lambda: store.export_markdown(BOB, mine),
        lambda: store.create_snapshot(BOB, mine),
        lambda: store.delete_snapshot(BOB, snapshot.id),
        lambda: store.get_preset(BOB, store.list_presets(ALICE)[0].id),
        lambda: store.delete_preset(BOB, store.list_presets(ALICE)[0].id),
    ):
        with pytest.raises(NotFound):
            attempt()
    assert store.delete_conversations(BOB, [mine]) == 0
    assert store.purge_deleted(BOB) == 0
    alice = store.get_conversation(ALICE, mine)
    assert (alice.title, alice.starred, alice.deleted_at, alice.message_count) == (
        "alice's secret plan about zebras",
        False,
        None,
        2,
    )
    assert store.export_jsonl(BOB, ConversationQuery()).count("\n") == 1
    assert store.get_snapshot(snapshot.id).owner == ALICE  # a snapshot link is for whoever holds it


# -- messages, runs and forks -------------------------------------------------------------------


def test_regenerated_answers_are_siblings_and_a_fork_copies_the_branch(store: Store) -> None:
    conversation = store.create_conversation(ALICE, setup=Setup("oxen", "gpt-x"))
    question = store.add_message(ALICE, conversation.id, "user", "Name a colour")
    first = store.start_run(ALICE, conversation.id, wire_for("Name a colour"), provider="oxen")
    first.finish(ChatResult(text="Red", status="complete"))
    # Regenerate: a second answer to the same question, not after the first one.
    second = store.start_run(ALICE, conversation.id, wire_for("Name a colour"), provider="oxen", parent_id=question.id)
    second.finish(ChatResult(text="Blue", status="complete"))
    follow = store.add_message(ALICE, conversation.id, "user", "Why?")  # follows the newest: Blue

    assert [m.content for m in store.messages(ALICE, conversation.id)] == ["Name a colour", "Red", "Blue", "Why?"]
    assert [m.content for m in store.thread(ALICE, conversation.id)] == ["Name a colour", "Blue", "Why?"]
    assert [m.content for m in store.thread(ALICE, conversation.id, first.id)] == ["Name a colour", "Red"]
    assert follow.parent_id == second.id and store.get_message(ALICE, first.id).parent_id == question.id

    exported = store.export_json(ALICE, conversation.id)
    assert [m["content"] for m in exported["messages"]] == ["Name a colour", "Blue", "Why?"]
    assert [b["message"]["content"] for b in exported["branches"]] == ["Red"]

    fork = store.fork(ALICE, first.id)
    assert fork.id != conversation.id and fork.forked_from == first.id and fork.title == "Name a colour (fork)"
    copied = store.messages(ALICE, fork.id)
    assert [(m.role, m.content) for m in copied] == [("user", "Name a colour"), ("assistant", "Red")]
    assert copied[1].parent_id == copied[0].id and copied[0].parent_id is None
    assert copied[1].request == store.get_message(ALICE, first.id).request  # the request as sent, kept
    assert fork.message_count == 2 and fork.setup.model == "gpt-x"
    assert len(store.messages(ALICE, conversation.id)) == 4  # the original is untouched

    with pytest.raises(NotFound):
        store.add_message(ALICE, conversation.id, "user", "x", parent_id=copied[0].id)  # another conversation's
    root = store.add_message(ALICE, conversation.id, "user", "A new root", parent_id=None)
    assert root.parent_id is None


def test_what_the_playground_shows_is_what_comes_back_forked_and_exported(store: Store) -> None:
    """`show` notes the messages on screen: a deletion (the last message, or one in the middle that
    leaves no single branch) stays, a message stored later (a regenerated answer, a run still
    streaming when the process died, a follow-up) goes on from the last shown message it descends
    from, and a fork or an export takes what was shown."""
    c = store.create_conversation(ALICE, setup=Setup("oxen", "gpt-x")).id
    u1 = store.add_message(ALICE, c, "user", "one")
    a1 = store.add_message(ALICE, c, "assistant", "answer one")
    u2 = store.add_message(ALICE, c, "user", "two")
    a2 = store.add_message(ALICE, c, "assistant", "answer two")

    def thread() -> list[str]:
        return [m.content for m in store.thread(ALICE, c)]

    store.show(ALICE, c, [u1.id, a1.id, u2.id])  # the last answer deleted
    assert thread() == ["one", "answer one", "two"]
    store.show(ALICE, c, [u1.id, u2.id, a2.id])  # the first answer deleted
    assert thread() == ["one", "two", "answer two"]
    exported = store.export_json(ALICE, c)
    assert [m["content"] for m in exported["messages"]] == ["one", "two", "answer two"]
    assert [b["message"]["content"] for b in exported["branches"]] == ["answer one"]
    (imported,) = store.import_text(ALICE, json.dumps(exported))
    assert [m.content for m in store.thread(ALICE, imported.id)] == ["one", "two", "answer two"]
    assert len(store.messages(ALICE, imported.id)) == 4  # the branch came too

    fork = store.fork(ALICE, a2.id)  # from a shown message: what was shown, down to it
    copied = store.messages(ALICE, fork.id)
    assert [m.content for m in copied] == ["one", "two", "answer two"]
    assert [m.parent_id for m in copied] == [None, copied[0].id, copied[1].id]

    # Stored after the note: a follow-up and its answer go on from the last shown message ...
    u3 = store.add_message(ALICE, c, "user", "three", parent_id=a2.id)
    assert thread() == ["one", "two", "answer two", "three"]
    # ... and a regenerated answer replaces the one shown after its question.
    store.show(ALICE, c, [u1.id, u2.id, a2.id, u3.id])
    again = store.add_message(ALICE, c, "assistant", "answer two, again", parent_id=u2.id)
    assert thread() == ["one", "two", "answer two, again"]
    assert again.id in {m.id for m in store.messages(ALICE, c)}
    with pytest.raises(NotFound):
        store.show(BOB, c, [u1.id])  # another owner's conversation


def test_a_run_keeps_the_request_as_sent_and_the_whole_answer(store: Store) -> None:
    conversation = store.create_conversation(ALICE)
    store.add_message(ALICE, conversation.id, "user", "Weather?")
    wire = wire_for("Weather?", temperature=0.2, max_tokens=64, stream=True)
    setup = Setup("oxen", "gpt-x", params={"temperature": 0.2, "max_tokens": 64, "stream": True}, system="Be brief")
    writer = store.start_run(ALICE, conversation.id, wire, provider="oxen", setup=setup)
    running = store.get_message(ALICE, writer.id)
    assert (running.status, running.content, running.max_tokens, running.model) == ("running", "", 64, "gpt-x")
    assert store.get_conversation(ALICE, conversation.id).status == "running"
    result = ChatResult(
        text="Sunny.",
        reasoning="Check the sky.",
        finish_reason="tool_calls",
        status="complete",
        tool_calls=[ToolCall("call_1", "get_weather", '{"city": "Paris"}')],
        other_parts=[{"type": "image_url"}],
        usage=Usage(11, 3, 14, "counted"),
        metrics=Metrics(0.05, 0.4, 30.0, 0.0125),
    )
    done = writer.finish(result)
    assert done is not None and done.status == "complete" and done.finished_at is not None
    assert (done.content, done.reasoning, done.finish_reason, done.other_parts) == (
        "Sunny.",
        "Check the sky.",
        "tool_calls",
        ["image_url"],
    )
    assert done.tool_calls == [
        {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}
    ]
    assert done.usage == Usage(11, 3, 14, "counted") and done.metrics == Metrics(0.05, 0.4, 30.0, 0.0125)
    assert done.request is not None
    assert done.request["method"] == "POST" and done.request["url"] == wire.url and done.request["body"] == wire.body
    assert done.http_request() == wire  # rebuilt exactly, for the snippets
    again = store.get_conversation(ALICE, conversation.id)
    assert again.status == "complete" and again.cost == pytest.approx(0.0125) and again.setup.system == "Be brief"
    chat_message = done.to_chat_message()
    assert chat_message.content == "Sunny." and chat_message.usage == Usage(11, 3, 14, "counted")
    assert chat_message.metrics == Metrics(0.05, 0.4, 30.0, 0.0125) and chat_message.status == "complete"


def test_the_run_writer_writes_at_once_then_at_most_once_per_interval_and_at_the_end(store: Store) -> None:
    conversation = store.create_conversation(ALICE)
    writer = store.start_run(ALICE, conversation.id, wire_for("Count"), provider="oxen", interval=0.5)
    started = time.monotonic()
    text = ""
    for n in range(200):  # a fast stream: 200 deltas well within one interval
        text += f"{n} "
        writer.update(text, reasoning="thinking")
    burst = time.monotonic() - started
    assert burst < 0.5, f"the burst took {burst:.2f} s, so the check below would not hold"
    deadline = time.monotonic() + 5
    while writer.writes == 0 and time.monotonic() < deadline:  # written at once, by the writer's thread
        time.sleep(0.005)
    first_at = time.monotonic()
    assert first_at - started < 0.5 and writer.writes == 1  # the rest wait for the interval
    saved = store.get_message(ALICE, writer.id)
    # The first write has what had arrived when the writer's thread ran: the burst's start, or all
    # of it on a busy machine (the stream's thread held the interpreter through the burst).
    assert text.startswith(saved.content) and saved.content.startswith("0 ")
    assert (saved.reasoning, saved.status) == ("thinking", "running")
    # Nothing more arrives: the timer writes the latest text within the interval.
    deadline = time.monotonic() + 5
    while store.get_message(ALICE, writer.id).content != text and time.monotonic() < deadline:
        time.sleep(0.02)
    assert store.get_message(ALICE, writer.id).content == text
    # One more write for the rest, an interval after the first; none when the first had it all.
    assert writer.writes == (1 if saved.content == text else 2)
    assert writer.writes == 1 or time.monotonic() - started >= 0.5
    writer.update(text + "end")
    final = writer.finish(ChatResult(text=text + "end!", status="complete"))
    assert final is not None and final.content == text + "end!" and final.status == "complete"
    writer.update("too late")  # after the end: ignored
    assert writer.finish(ChatResult(text="again")) is None
    assert store.get_message(ALICE, writer.id).content == text + "end!"


def test_the_stream_never_waits_for_a_slow_write_and_the_end_lands_last(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write that takes long (a long answer's text and its search index, a busy disk; slowed here,
    as a slow disk cannot be made on demand) holds neither `update` nor the text: the stream goes on,
    and the end, written after the partial write in flight, is what stays."""
    conversation = store.create_conversation(ALICE)
    writer = store.start_run(ALICE, conversation.id, wire_for("Count"), provider="oxen", interval=0.05)
    real = store._save_partial
    writing = threading.Event()

    def slow(*args: Any) -> None:
        writing.set()
        time.sleep(0.4)
        real(*args)

    monkeypatch.setattr(store, "_save_partial", slow)
    writer.update("first")
    assert writing.wait(5)  # a write is under way ...
    longest = 0.0
    for n in range(50):  # ... and the stream's updates do not wait for it
        t = time.monotonic()
        writer.update(f"first {n}")
        longest = max(longest, time.monotonic() - t)
    assert longest < 0.05, f"an update waited {longest:.3f} s"
    final = writer.finish(ChatResult(text="the whole answer", status="complete"))
    assert final is not None and final.content == "the whole answer"
    time.sleep(0.5)  # a partial write still scheduled would land now: none may
    assert store.get_message(ALICE, writer.id).content == "the whole answer"


def test_a_run_cut_by_an_exception_is_saved_as_interrupted_with_its_text(store: Store) -> None:
    conversation = store.create_conversation(ALICE)
    with pytest.raises(RuntimeError), store.start_run(ALICE, conversation.id, wire_for("x"), provider="oxen") as w:
        w.update("half an ans")
        w.update("half an answer")
        raise RuntimeError("the page was rerun")
    saved = store.get_message(ALICE, w.id)
    assert (saved.status, saved.content) == ("interrupted", "half an answer")
    assert saved.error == runs_module.INTERRUPTED
    stopped = store.start_run(ALICE, conversation.id, wire_for("y"), provider="oxen")
    stopped.update("partial")
    assert stopped.stop("stopped") is not None
    assert store.get_message(ALICE, stopped.id).status == "stopped"
    lost = store.start_run(ALICE, conversation.id, wire_for("z"), provider="oxen")
    store.end_run(ALICE, lost.id, "interrupted")  # its writer is gone with a rerun
    assert store.get_message(ALICE, lost.id).status == "interrupted"


def test_a_real_stream_from_the_stand_in_is_saved_as_it_arrives(store: Store, stand_in: StandIn) -> None:
    stand_in.then(Behaviour(tokens=[f"w{n} " for n in range(12)], reasoning=["hmm "] * 3, token_interval=0.03))
    provider = oxen_at(stand_in.base_url)
    request = ChatRequest(provider, "gpt-oss-120b", [Message("user", "Go")], {"stream": True})
    conversation = store.create_conversation(ALICE, setup=Setup("oxen", "gpt-oss-120b"))
    store.add_message(ALICE, conversation.id, "user", "Go")
    seen: list[str] = []
    with (
        ChatClient(FAST) as client,
        store.start_run(ALICE, conversation.id, to_http(request), provider="oxen", interval=0.1) as writer,
    ):
        text = reasoning = ""
        for event in client.stream(request, "sk-typed", Pricing(1e-6, 2e-6)):
            if isinstance(event, TextDelta):
                text += event.text
            elif isinstance(event, ReasoningDelta):
                reasoning += event.text
            elif isinstance(event, Done):
                writer.finish(event.result)
                continue
            writer.update(text, reasoning)
            seen.append(store.get_message(ALICE, writer.id).content)
    saved = store.get_message(ALICE, writer.id)
    assert saved.content == "".join(f"w{n} " for n in range(12)) and saved.reasoning == "hmm hmm hmm "
    assert saved.status == "complete" and saved.usage is not None and saved.metrics.ttft is not None
    assert saved.request is not None and saved.request["body"] == stand_in.chat_requests()[0].json()
    partial = [s for s in seen if s and s != saved.content]
    assert partial, "nothing was saved while the answer streamed"
    assert 2 <= writer.writes < 12  # written while streaming, but not for every token


def test_runs_left_running_by_a_dead_process_are_marked_interrupted(database_url: str) -> None:
    store = open_store(database_url)
    conversation = store.create_conversation(ALICE)
    live = store.start_run(ALICE, conversation.id, wire_for("a"), provider="oxen")
    dead = store.start_run(ALICE, conversation.id, wire_for("b"), provider="oxen")
    far_recent = store.start_run(ALICE, conversation.id, wire_for("c"), provider="oxen")
    far_stale = store.start_run(ALICE, conversation.id, wire_for("d"), provider="oxen")
    dead.update("the text so far")
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    host = runs_module.runner().split("/")[0]
    old = datetime.now(UTC) - timedelta(hours=1)
    with store.engine.begin() as conn:
        for run_id, tag, when in (
            (dead.id, f"{host}/{gone.stdout.strip()}/0badc0de", None),
            (far_recent.id, "elsewhere/1/abc", None),
            (far_stale.id, "elsewhere/1/abc", old),
        ):
            values: dict[str, object] = {"runner": tag}
            if when is not None:
                values["updated_at"] = when
            conn.execute(messages_table.update().where(messages_table.c.id == run_id).values(values))
    store.close()

    reopened = open_store(database_url)  # the start-up of the next app process
    try:
        statuses = {m.id: (m.status, m.content) for m in reopened.messages(ALICE, conversation.id)}
        assert statuses[dead.id] == ("interrupted", "the text so far")
        assert statuses[far_stale.id][0] == "interrupted"
        assert statuses[live.id][0] == "running"  # this process is alive and may still stream it
        assert statuses[far_recent.id][0] == "running"  # another machine's, still being written
        assert reopened.get_message(ALICE, dead.id).error == runs_module.INTERRUPTED
        assert reopened.interrupt_orphaned_runs() == 0
    finally:
        reopened.close()


# -- search, filters, sorting -------------------------------------------------------------------


def test_search_finds_a_word_from_the_third_message_with_filters_and_sorting(store: Store) -> None:
    a = chat(store, ALICE, "Tell me about otters", "Otters hold hands while sleeping.", cost=0.5)
    store.add_message(ALICE, a, "user", "And their whiskers? Zanzibar!")  # the third message
    b = chat(
        store,
        ALICE,
        "Rivers of Europe",
        "The Danube flows east.",
        model="llama-3",
        provider="openai",
        page="compare",
        cost=0.1,
        status="error",
    )
    c = chat(store, ALICE, "Mountains", "Everest is tall; otters are not.", model="llama-3", cost=None)
    store.star_conversation(ALICE, c)

    def ids(**query: object) -> list[str]:
        return [x.id for x in store.list_conversations(ALICE, ConversationQuery(**query)).rows]  # type: ignore[arg-type]

    assert ids(text="zanzibar") == [a]  # the third message, any case
    assert ids(text="ZANZIBAR whiskers") == [a]  # every word
    assert ids(text="zanzibar danube") == []
    assert set(ids(text="otters")) == {a, c}
    assert ids(text="hold hands sleeping") == [a]  # a word of an answer
    assert ids(text="   ") == ids()  # no words: no search
    for odd in ('"', "NEAR(", "otters OR", "-otters", "content:otters", "a*", "'); DROP TABLE messages; --"):
        store.list_conversations(ALICE, ConversationQuery(text=odd))  # never an error
    assert count_rows(store, "messages") == 7

    assert ids() == [c, b, a]  # newest activity first
    assert ids(provider="openai") == [b] and ids(model="llama-3") == [c, b] and ids(page="compare") == [b]
    assert ids(status="error") == [b] and ids(starred=True) == [c]
    assert ids(text="otters", model="llama-3") == [c]
    assert ids(sort="title", descending=False) == [c, b, a]  # Mountains, Rivers, Tell
    assert ids(sort="cost") == [a, b, c] and ids(sort="cost", descending=False) == [c, b, a]
    assert ids(sort="messages")[0] == a and ids(sort="messages", descending=False)[-1] == a  # 3 messages; 2 and 2
    future = datetime.now(UTC) + timedelta(days=1)
    assert ids(since=future) == [] and set(ids(until=future)) == {a, b, c}
    assert ids(since=datetime.now(UTC) - timedelta(days=1), until=future) == [c, b, a]
    page = store.list_conversations(ALICE, ConversationQuery(limit=2, offset=1))
    assert [x.id for x in page.rows] == [b, a] and page.total == 3
    row = store.get_conversation(ALICE, a)
    assert (row.message_count, row.cost, row.status) == (3, 0.5, "complete")

    store.delete_conversations(ALICE, [a])
    assert ids(text="zanzibar") == [] and ids(text="zanzibar", deleted=True) == [a]
    facets = store.facets(ALICE)
    assert (facets.providers, facets.models, facets.pages, facets.statuses) == (
        ["openai", "oxen"],
        ["llama-3"],
        ["compare", "playground"],
        ["complete", "error"],
    )


def test_search_goes_through_the_full_text_index(store: Store) -> None:
    chat(store, ALICE, "quokka facts", "small marsupials")
    assert [c.title for c in store.list_conversations(ALICE, ConversationQuery(text="marsupials")).rows] == [
        "quokka facts"
    ]
    statement = search.message_hits(store.dialect, ALICE, ["marsupials"])  # what the search runs first
    with store.engine.connect() as conn:
        compiled = statement.compile(conn, compile_kwargs={"literal_binds": True})
        if store.dialect == "postgresql":
            conn.exec_driver_sql("SET enable_seqscan = off")  # a tiny table: make the planner show its choice
            plan = "\n".join(conn.exec_driver_sql(f"EXPLAIN {compiled}").scalars())
            assert "ix_messages_search" in plan, plan
        else:
            plan = "\n".join(str(r[-1]) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}"))
            assert "VIRTUAL TABLE INDEX" in plan and "messages_fts" in plan, plan


def test_a_search_for_a_very_common_word_walks_the_conversations_and_counts_a_floor(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = [chat(store, ALICE, f"the question {n}", f"the answer {n}") for n in range(6)]
    chat(store, ALICE, "nothing in common", "at all")
    chat(store, BOB, "the other owner", "the same word")
    # As if "the" were in more messages than the index's hits are read for, and counted to 4.
    monkeypatch.setattr(search, "HIT_LIMIT", 3)
    monkeypatch.setattr(conversations_module, "COUNT_LIMIT", 4)
    page = store.list_conversations(ALICE, ConversationQuery(text="the", limit=3))
    assert [c.id for c in page.rows] == ids[::-1][:3] and (page.total, page.exact) == (4, False)
    assert store.list_conversations(ALICE, ConversationQuery(text="the", offset=4)).rows[-1].id == ids[0]
    everything = store.list_conversations(ALICE, ConversationQuery(text="the answer", limit=50))
    assert {c.id for c in everything.rows} == set(ids)
    monkeypatch.setattr(conversations_module, "COUNT_LIMIT", 100)
    counted = store.list_conversations(ALICE, ConversationQuery(text="the"))
    assert (counted.total, counted.exact) == (6, True)  # under the floor: the count is exact again
    monkeypatch.setattr(search, "HIT_LIMIT", 1000)
    assert store.list_conversations(ALICE, ConversationQuery(text="the")).total == 6


# -- presets and snapshots ----------------------------------------------------------------------


def test_presets_are_saved_replaced_renamed_and_deleted(store: Store) -> None:
    setup = Setup(
        "custom",
        "qwen",
        base_url="http://localhost:11434/v1",
        params={"temperature": 0.9, "seed": 3},
        system="You are terse.",
        variables={"city": "Oslo"},
    )
    saved = store.save_preset(ALICE, "  Terse   Qwen ", setup)
    assert saved.name == "Terse Qwen" and saved.setup == setup
    replaced = store.save_preset(ALICE, "Terse Qwen", Setup("custom", "qwen", params={"temperature": 0.1}))
    assert replaced.id == saved.id and replaced.setup.params == {"temperature": 0.1}
    store.save_preset(ALICE, "another", setup)
    assert [p.name for p in store.list_presets(ALICE)] == ["another", "Terse Qwen"]
    with pytest.raises(StoreError, match="exists already"):
        store.rename_preset(ALICE, saved.id, "another")
    assert store.rename_preset(ALICE, saved.id, "Qwen, terse").name == "Qwen, terse"
    with pytest.raises(StoreError, match="needs a name"):
        store.save_preset(ALICE, "  ", setup)
    store.delete_preset(ALICE, saved.id)
    assert [p.name for p in store.list_presets(ALICE)] == ["another"]
    store.save_preset(BOB, "another", setup)  # names are per owner
    assert len(store.list_presets(BOB)) == 1


def test_a_snapshot_is_frozen_and_opened_by_its_id(store: Store) -> None:
    conversation = chat(store, ALICE, "Freeze this", "Frozen.")
    snapshot = store.create_snapshot(ALICE, conversation)
    assert len(snapshot.id) == 22 and snapshot.title == "Freeze this"
    assert snapshot.data == store.export_json(ALICE, conversation)
    store.add_message(ALICE, conversation, "user", "A later question")
    store.rename_conversation(ALICE, conversation, "Renamed")
    opened = store.get_snapshot(snapshot.id)
    assert [m["content"] for m in opened.data["messages"]] == ["Freeze this", "Frozen."]
    assert opened.title == "Freeze this"
    assert [s.id for s in store.list_snapshots(ALICE, conversation)] == [snapshot.id]
    store.delete_conversations(ALICE, [conversation])
    store.purge_deleted(ALICE)
    assert store.get_snapshot(snapshot.id).conversation_id is None  # outlives the conversation
    store.delete_snapshot(ALICE, snapshot.id)
    with pytest.raises(NotFound):
        store.get_snapshot(snapshot.id)


# -- export and import --------------------------------------------------------------------------


def test_markdown_and_json_exports(store: Store) -> None:
    conversation = store.create_conversation(
        ALICE, setup=Setup("oxen", "gpt-x", params={"temperature": 0.7}, system="Answer in French.")
    )
    store.add_message(ALICE, conversation.id, "user", "Hello")
    writer = store.start_run(ALICE, conversation.id, wire_for("Hello"), provider="oxen")
    writer.finish(
        ChatResult(
            text="**Bonjour**",
            reasoning="French, then.",
            status="complete",
            usage=Usage(3, 2, 5),
            metrics=Metrics(0.2, 0.5, 4.0, 0.0),
        )
    )
    markdown = store.export_markdown(ALICE, conversation.id)
    assert markdown.startswith("# Hello\n")
    for part in (
        "Model: gpt-x",
        "temperature 0.7",
        "## System prompt\n\nAnswer in French.",
        "## User\n\nHello",
        "## Assistant (gpt-x)",
        "> French, then.",
        "**Bonjour**",
        "**TTFT** 0.20 s",
        "**Cost** $0",
    ):
        assert part in markdown
    exported = store.export_json(ALICE, conversation.id)
    assert exported["format"] == "workbench.conversation" and exported["version"] == 1
    assert exported["messages"] == [
        {"role": "user", "content": "Hello"},
        {"role": "assistant", "content": "**Bonjour**"},
    ]
    assert exported["setup"]["system"] == "Answer in French." and exported["setup"]["params"] == {"temperature": 0.7}
    assert exported["details"][1]["usage"] == {
        "prompt_tokens": 3,
        "completion_tokens": 2,
        "total_tokens": 5,
        "source": "reported",
    }
    json.dumps(exported)  # plain JSON


def test_the_python_export_replays_the_last_request_for_real(store: Store, stand_in: StandIn, tmp_path: Path) -> None:
    provider = oxen_at(stand_in.base_url)
    conversation = store.create_conversation(ALICE, setup=Setup("oxen", "gpt-oss-120b"))
    store.add_message(ALICE, conversation.id, "user", "First")
    wire = to_http(ChatRequest(provider, "gpt-oss-120b", [Message("user", "First")], {"temperature": 0.4}))
    store.start_run(ALICE, conversation.id, wire, provider="oxen").finish(ChatResult(text="One", status="complete"))
    store.add_message(ALICE, conversation.id, "user", "Second")
    last = to_http(
        ChatRequest(
            provider,
            "gpt-oss-120b",
            [Message("user", "First"), Message("assistant", "One"), Message("user", "Second")],
            {"temperature": 0.4},
        )
    )
    store.start_run(ALICE, conversation.id, last, provider="oxen").finish(ChatResult(text="Two", status="complete"))
    code = store.export_python(ALICE, conversation.id)
    assert "sk-replay" not in code
    script = tmp_path / "replay.py"
    script.write_text(code)
    env = {**os.environ, "OXEN_API_KEY": "sk-replay"}
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=30)
    assert done.returncode == 0, done.stderr
    received = stand_in.chat_requests()[-1]
    assert received.json() == last.body
    assert list(received.json()) == list(last.body or {})  # the same keys in the same order
    assert received.headers["authorization"] == "Bearer sk-replay"


def test_imports_of_openai_messages_request_bodies_and_jsonl(store: Store) -> None:
    plain = json.dumps(
        [
            {"role": "system", "content": "Be kind"},
            {"role": "user", "content": "Hi"},
            {
                "role": "assistant",
                "content": [
                    {"type": "text", "text": "Hel"},
                    {"type": "text", "text": "lo"},
                    {"type": "image_url", "image_url": {"url": "x"}},
                ],
            },
        ]
    )
    (imported,) = store.import_text(ALICE, plain)
    assert imported.title == "Hi" and imported.page == "import" and imported.message_count == 3
    got = store.thread(ALICE, imported.id)
    assert [(m.role, m.content) for m in got] == [("system", "Be kind"), ("user", "Hi"), ("assistant", "Hello")]
    assert got[2].other_parts == ["image_url"] and got[2].parent_id == got[1].id

    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "Q"}], "temperature": 0.1, "stream": True}
    (from_body,) = store.import_text(ALICE, json.dumps(body).encode())
    assert from_body.model == "gpt-4o" and from_body.setup.params == {"temperature": 0.1, "stream": True}

    lines = store.export_jsonl(ALICE, [imported.id, from_body.id])
    again = store.import_text(BOB, lines)
    assert [c.title for c in again] == ["Hi", "Q"]
    assert [m.content for m in store.thread(BOB, again[0].id)] == ["Be kind", "Hi", "Hello"]
    pretty = json.dumps(store.export_json(ALICE, imported.id), indent=2)  # an indented export, many lines
    (single,) = store.import_text(BOB, pretty)
    assert single.title == "Hi" and single.message_count == 3


@pytest.mark.parametrize(
    ("content", "sentence"),
    [
        (
            '{"messages": [{"role": "user", "content": "a"}]}\n{"messages": []}\n{"messages": [}\n',
            "Line 3 is not valid JSON",
        ),
        (
            '[{"role": "user", "content": "a"}]\n\n[{"role": "bot", "content": "b"}]\n',
            'Line 3: message 1 has the role "bot", not one of system, developer, user, assistant, tool',
        ),
        (
            '{\n  "format": "workbench.conversation",\n  "version": 1,\n  "messages": [\n'
            '    {"role": "user", "content": 3,}\n  ]\n}\n',
            "Line 5 is not valid JSON",
        ),
        ('{"format": "workbench.conversation", "version": 7, "messages": []}', "version 7, newer than this app reads"),
        (
            '{"format": "workbench.conversation", "version": 1, "messages": [{"role": "user", "content": "x"}],'
            ' "details": [{"metrics": {"ttft": "fast"}}]}',
            "Line 1: message 1's ttft is not a number",
        ),
        ('{"hello": "world"}', "Line 1: it is neither a Workbench export nor an OpenAI messages array"),
        ("   \n\n", "The file is empty"),
    ],
)
def test_a_bad_import_is_refused_with_one_sentence_naming_the_line_and_writes_nothing(
    store: Store, content: str, sentence: str
) -> None:
    chat(store, ALICE, "already here", "yes")
    before = (count_rows(store, "conversations"), count_rows(store, "messages"))
    with pytest.raises(ImportRefused) as refused:
        store.import_text(ALICE, content)
    message = str(refused.value)
    assert sentence in message and message.endswith("nothing was imported.") and "\n" not in message
    assert (count_rows(store, "conversations"), count_rows(store, "messages")) == before


def test_an_import_that_fails_while_writing_writes_nothing(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = "".join(json.dumps([{"role": "user", "content": f"question {n}"}]) + "\n" for n in range(5))
    real = Store._insert_message
    calls: list[int] = []

    def fail_on_the_fourth(self: Store, *args: Any) -> str:
        calls.append(1)
        if len(calls) == 4:
            raise StoreUnavailable("The history database went away.")
        return real(self, *args)

    monkeypatch.setattr(Store, "_insert_message", fail_on_the_fourth)
    with pytest.raises(StoreUnavailable):
        store.import_text(ALICE, lines)
    assert len(calls) == 4  # three conversations were written before the failure...
    assert (count_rows(store, "conversations"), count_rows(store, "messages")) == (0, 0)  # ...and rolled back


def test_an_oversized_or_undecodable_import_is_refused(store: Store) -> None:
    line = json.dumps([{"role": "user", "content": "x" * 1000}]) + "\n"
    with pytest.raises(ImportRefused, match=r"The file is 0\.1 MB, more than the 0 MB an import takes"):
        store.import_text(ALICE, line * 100, max_bytes=50_000)
    with pytest.raises(ImportRefused, match=r"not UTF-8 text \(byte 3\)"):
        store.import_text(ALICE, b'[{\xff"')
    assert count_rows(store, "conversations") == 0


# -- keys never stored ----------------------------------------------------------------------------


def test_no_key_reaches_the_database_an_export_or_a_snapshot(
    store: Store, database_url: str, stand_in: StandIn, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    typed, env_key, header_key, param_key = (
        "sk-typed-CANARY-1a2b",
        "sk-env-CANARY-3c4d",
        "hk-CANARY-5e6f",
        "pk-CANARY-7g8h",
    )
    monkeypatch.setenv("OXEN_API_KEY", env_key)
    extras = Extras(
        headers=(("X-Title", "Workbench"),),
        secret_headers=(SecretHeader("Helicone-Auth", "HELICONE_AUTH", "Bearer ", Secret(header_key)),),
    )
    provider = with_extras(oxen_at(stand_in.base_url), extras)
    setup = Setup(
        "oxen",
        "gpt-oss-120b",
        base_url=f"https://user:{typed}@hub.example/api?key={param_key}",
        params={"temperature": 0.5, "api_key": param_key, "extra": {"Authorization": f"Bearer {typed}"}},
        variables={"token": env_key, "city": "Lima"},
        extras=extras,
    )
    conversation = store.create_conversation(ALICE, setup=setup)
    store.add_message(ALICE, conversation.id, "user", "Say hi")
    chat_request = ChatRequest(provider, "gpt-oss-120b", [Message("user", "Say hi")], {"stream": True})
    wire = to_http(chat_request)
    # A request made elsewhere with the key in it: in headers and in the URL's query.
    headers = {**wire.headers, "Authorization": f"Bearer {typed}", "api-key": env_key}
    leaky = HttpRequest(
        wire.method,
        f"{wire.url}?api_key={param_key}",
        headers,
        wire.body,
        wire.key_env,
        wire.auth_header,
        wire.auth_prefix,
        wire.secret_headers,
    )
    with (
        ChatClient(FAST) as client,
        store.start_run(ALICE, conversation.id, leaky, provider="oxen", setup=setup, interval=0.05) as writer,
    ):
        text = ""
        for event in client.stream(chat_request, typed):
            if isinstance(event, TextDelta):
                text += event.text
                writer.update(text)
            elif isinstance(event, Done):
                writer.finish(event.result)
    assert stand_in.chat_requests()[-1].headers["authorization"] == f"Bearer {typed}"  # it was sent, for real
    assert stand_in.chat_requests()[-1].headers["helicone-auth"] == f"Bearer {header_key}"
    store.save_preset(ALICE, "leaky", setup)
    snapshot = store.create_snapshot(ALICE, conversation.id)
    store.fork(ALICE, writer.id)
    exports = [
        json.dumps(store.export_json(ALICE, conversation.id)),
        store.export_markdown(ALICE, conversation.id),
        store.export_python(ALICE, conversation.id),
        store.export_jsonl(ALICE, ConversationQuery()),
        json.dumps(store.get_snapshot(snapshot.id).data),
    ]
    store.close()
    cluster = request.getfixturevalue("postgres_cluster") if database_url.startswith("postgresql") else None
    stored = raw_bytes(database_url, cluster)
    assert b"Say hi" in stored and b"X-Title" in stored and b"HELICONE_AUTH" in stored  # the bytes were read
    for canary in (typed, env_key, header_key, param_key):
        assert canary.encode() not in stored, f"{canary} is in the database"
        for n, text_out in enumerate(exports):
            assert canary not in text_out, f"{canary} is in export {n}"
    assert "HELICONE_AUTH" in exports[2] and "OXEN_API_KEY" in exports[2]  # snippets read them from variables


# -- when the store cannot be used ----------------------------------------------------------------


def test_nul_characters_are_kept_out_the_same_way_on_both_backends(store: Store) -> None:
    conversation = store.create_conversation(ALICE, title="a\x00b")
    message = store.add_message(ALICE, conversation.id, "user", "nul\x00here")
    assert message.content == "nul\ufffdhere" and store.get_conversation(ALICE, conversation.id).title == "a\ufffdb"


def test_a_file_that_is_not_a_database_gives_one_sentence(tmp_path: Path) -> None:
    path = tmp_path / "workbench.db"
    path.write_bytes(b"this is a text file, not SQLite " * 100)
    with pytest.raises(StoreUnavailable) as caught:
        open_store(f"sqlite:///{path}")
    assert str(caught.value) == f"{path} is not a SQLite database; move it aside or set WORKBENCH_DATABASE_URL."


@pytest.mark.parametrize(
    ("url", "sentence"),
    [
        ("not a url", "WORKBENCH_DATABASE_URL is not a database URL (expected postgresql+psycopg://user@host/db)."),
        ("mysql://u:p@localhost/db", "History works with SQLite and PostgreSQL; WORKBENCH_DATABASE_URL names mysql."),
    ],
)
def test_a_url_the_store_cannot_use_gives_one_sentence(url: str, sentence: str) -> None:
    with pytest.raises(StoreUnavailable) as caught:
        open_store(url)
    assert str(caught.value) == sentence


def test_an_unreachable_postgresql_gives_one_sentence_without_the_password() -> None:
    port = free_port()  # nothing listens there
    started = time.monotonic()
    with pytest.raises(StoreUnavailable) as caught:
        open_store(f"postgres://someone:hunter2@127.0.0.1:{port}/history")
    sentence = str(caught.value)
    assert sentence.startswith(
        f"The history database at postgresql+psycopg://someone:***@127.0.0.1:{port}/history cannot be reached ("
    )
    assert "hunter2" not in sentence and "\n" not in sentence and sentence.endswith(").")
    assert time.monotonic() - started < 10


def test_an_unwritable_folder_gives_one_sentence(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the folder should be")
    with pytest.raises(
        StoreUnavailable, match=r"^The history folder .*/file/sub cannot be made \(Not a directory\)\.$"
    ):
        open_store(f"sqlite:///{blocker}/sub/workbench.db")


def test_the_default_database_is_sqlite_in_the_workbench_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("WORKBENCH_DATABASE_URL", raising=False)
    store = open_store()
    try:
        assert store.describe() == f"SQLite at {tmp_path}/home/workbench.db"
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        store.close()
    assert LATEST == "latest"
