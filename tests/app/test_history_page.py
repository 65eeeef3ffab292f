"""The History page through AppTest, over the app's own store (its SQLite in this test's data
folder): the table, search and filters, a conversation opened read-only, Reopen in Playground, Fork
from here, rename, star, delete with undo, bulk delete, import refused or done, and a snapshot link
opened read-only."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from lib.events import ChatResult, Metrics, Usage
from lib.providers import builtin_providers, with_base_url
from lib.request import ChatRequest, Message, to_http
from lib.share import Setup
from lib.store import LOCAL_OWNER, ConversationQuery, Store, open_store
from lib.store.tables import conversations
from tests.app.conftest import MakeApp
from tests.support.apptest import answers, button, send, users
from tests.support.stand_in import StandIn

HISTORY = "app_pages/history.py"
PLAYGROUND = "app_pages/playground.py"
MODEL = "gpt-oss-120b"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path))
    monkeypatch.delenv("WORKBENCH_DATABASE_URL", raising=False)
    return tmp_path


@pytest.fixture
def history(home: Path) -> Iterator[Store]:
    opened = open_store(f"sqlite:///{home / 'workbench.db'}", interrupt=False)
    yield opened
    opened.close()


def converse(store: Store, base_url: str, *turns: tuple[str, str], model: str = MODEL) -> str:
    """A stored Playground conversation on the stand-in's Oxen: each question and its finished run."""
    provider = with_base_url(builtin_providers()["oxen"], base_url)
    made = store.create_conversation(LOCAL_OWNER, setup=Setup("oxen", model))
    sent: list[Message] = []
    for question, answer in turns:
        store.add_message(LOCAL_OWNER, made.id, "user", question)
        sent.append(Message("user", question))
        wire = to_http(ChatRequest(provider, model, list(sent), {"stream": True}))
        writer = store.start_run(LOCAL_OWNER, made.id, wire, provider="oxen")
        writer.finish(ChatResult(text=answer, status="complete", finish_reason="stop", usage=Usage(3, 4, 7),
                                 metrics=Metrics(0.05, 0.4, 10.0, 0.001)))  # fmt: skip
        sent.append(Message("assistant", answer))
    return made.id


def history_page(oxen_app: MakeApp) -> AppTest:
    at = oxen_app()
    at.switch_page(HISTORY).run()
    assert not at.exception
    return at


def conversation_id(at: AppTest) -> str:
    got = at.query_params["c"]
    return str(got[0] if isinstance(got, list) else got)


def following(at: AppTest) -> AppTest:
    """AppTest runs the page it was last pointed at, not the one a script switched to: point it at
    the Playground the app switched to (its query, ?c=, stays)."""
    return at.switch_page(PLAYGROUND)


def titles(at: AppTest) -> list[str]:
    """The conversations' titles in the table, top to bottom."""
    return [b.label.removeprefix(":material/star: ") for b in at.button if b.key and b.key.startswith("history-open-")]


def open_conversation(at: AppTest, conversation_id: str) -> AppTest:
    return at.button(key=f"history-open-{conversation_id}").click().run()


def test_the_table_lists_newest_first_and_search_and_filters_narrow_it(
    oxen_app: MakeApp, history: Store, stand_in: StandIn
) -> None:
    converse(history, stand_in.base_url, ("About tides", "The moon pulls."), model="other-model")
    converse(history, stand_in.base_url, ("About ships", "They float."), ("Why?", "Buoyancy."),
             ("And icebergs?", "Mostly underwater, says Archimedes."))  # fmt: skip
    at = history_page(oxen_app)
    assert titles(at) == ["About ships", "About tides"]
    table = " ".join(t.value for t in at.text)
    assert "other-model" in table and "oxen" in table and "complete" in table
    at.text_input(key="history_search").set_value("archimedes").run()  # a word of the third answer
    assert titles(at) == ["About ships"]
    at.text_input(key="history_search").set_value("zyzzyva").run()
    assert titles(at) == [] and any("No conversation matches" in i.value for i in at.info)
    at.text_input(key="history_search").set_value("").run()
    at.selectbox(key="history_model").set_value("other-model").run()
    assert titles(at) == ["About tides"]
    at.selectbox(key="history_model").set_value("Any").run()
    at.selectbox(key="history_sort").set_value("Title").run()
    at.toggle(key="history_ascending").set_value(True).run()
    assert titles(at) == ["About ships", "About tides"]


def test_open_read_only_then_reopen_in_playground_continues_it(
    oxen_app: MakeApp, history: Store, stand_in: StandIn
) -> None:
    cid = converse(history, stand_in.base_url, ("First question", "First answer."), ("Second", "Second answer."))
    at = open_conversation(history_page(oxen_app), cid)
    assert users(at) == ["First question", "Second"]
    assert answers(at) == ["First answer.", "Second answer."]
    assert at.chat_input.len == 0  # read-only: nothing to type into
    assert any("**TTFT** 0.05 s" in c.value for c in at.caption)  # the metrics strip, as in the Playground
    button(at, "Reopen in Playground").click().run()
    assert at.chat_input.len == 1 and not [b for b in at.button if b.label == "Fork from here"]  # the Playground
    assert conversation_id(at) == cid
    assert users(at) == ["First question", "Second"]
    send(following(at), "Third")
    assert [m.content for m in history.thread(LOCAL_OWNER, cid) if m.role == "user"] == ["First question", "Second",
                                                                                          "Third"]  # fmt: skip


def test_fork_from_here_makes_a_new_conversation_up_to_that_message(
    oxen_app: MakeApp, history: Store, stand_in: StandIn
) -> None:
    cid = converse(history, stand_in.base_url, ("Q1", "A1."), ("Q2", "A2."))
    at = open_conversation(history_page(oxen_app), cid)
    forks = [b for b in at.button if b.label == "Fork from here"]
    assert len(forks) == 4
    forks[1].click().run()  # the first answer
    assert at.chat_input.len == 1 and users(at) == ["Q1"] and answers(at) == ["A1."]  # in the Playground
    fork_id = conversation_id(at)
    assert fork_id != cid
    send(following(at), "Q2 of the fork")
    assert [m.content for m in history.thread(LOCAL_OWNER, fork_id) if m.role == "user"] == ["Q1", "Q2 of the fork"]
    assert history.get_conversation(LOCAL_OWNER, fork_id).forked_from is not None
    assert len(history.thread(LOCAL_OWNER, cid)) == 4  # the original is untouched


def test_rename_star_delete_with_undo_and_bulk_delete(oxen_app: MakeApp, history: Store, stand_in: StandIn) -> None:
    one = converse(history, stand_in.base_url, ("one", "1"))
    two = converse(history, stand_in.base_url, ("two", "2"))
    three = converse(history, stand_in.base_url, ("three", "3"))
    at = open_conversation(history_page(oxen_app), one)
    at.text_input(key=f"history-title-{one}").set_value("Renamed").run()
    button(at, "Rename").click().run()
    button(at, "Star").click().run()
    got = history.get_conversation(LOCAL_OWNER, one)
    assert (got.title, got.starred) == ("Renamed", True)
    button(at, "Delete").click().run()
    assert titles(at) == ["three", "two"] and any("Deleted 1 conversation." in s.value for s in at.success)
    button(at, "Undo delete").click().run()
    assert sorted(titles(at)) == ["Renamed", "three", "two"]
    at.checkbox(key=f"history-select-{two}").check().run()
    at.checkbox(key=f"history-select-{three}").check().run()
    button(at, "Delete selected (2)").click().run()
    assert titles(at) == ["Renamed"]
    assert history.list_conversations(LOCAL_OWNER, ConversationQuery(deleted=True)).total == 2


def test_share_snapshot_gives_a_read_only_link(
    oxen_app: MakeApp, make_app: MakeApp, history: Store, stand_in: StandIn
) -> None:
    cid = converse(history, stand_in.base_url, ("Snap question", "Snap answer."))
    at = open_conversation(history_page(oxen_app), cid)
    button(at, "Share snapshot").click().run()
    [link] = [c.value for c in at.code if "?snapshot=" in c.value]
    snapshot_id = link.rsplit("=", 1)[1]
    assert history.get_snapshot(snapshot_id).conversation_id == cid
    viewer = make_app(provider="oxen", model=MODEL, snapshot=snapshot_id)
    viewer.switch_page(HISTORY).run()
    viewer.query_params["snapshot"] = snapshot_id
    viewer.run()
    assert users(viewer) == ["Snap question"] and answers(viewer) == ["Snap answer."]
    assert viewer.chat_input.len == 0 and not [b for b in viewer.button if b.label == "Fork from here"]
    assert any("**TTFT**" in c.value for c in viewer.caption)


def test_import_refuses_bad_input_with_one_sentence_and_takes_good(oxen_app: MakeApp, history: Store) -> None:
    at = history_page(oxen_app)
    before = history.list_conversations(LOCAL_OWNER).total
    refused = history_view_import(at, '{"messages": [{"role": "user", "content": "hi"}]}\n{not json\n')
    assert any(e.value.startswith("Nothing was imported: ") and "Line 2" in e.value for e in refused.error), [
        e.value for e in refused.error
    ]
    assert history.list_conversations(LOCAL_OWNER).total == before
    done = history_view_import(at, '[{"role": "user", "content": "imported hello"}]')
    assert any("Imported 1 conversation." in s.value for s in done.success)
    assert "imported hello" in titles(done)


def history_view_import(at: AppTest, data: str) -> AppTest:
    """Paste `data` in the import box and import it (AppTest cannot drive a file uploader)."""
    at.text_area(key="history-import-text").set_value(data).run()
    return button(at, "Import").click().run()


def test_the_date_filter_takes_periods_and_a_range_of_days(
    oxen_app: MakeApp, history: Store, stand_in: StandIn
) -> None:
    old = converse(history, stand_in.base_url, ("About winter", "Cold."))
    converse(history, stand_in.base_url, ("About today", "Now."))
    with history.engine.begin() as conn:  # last active on 15 January, late in the day (UTC)
        conn.execute(sa.update(conversations).where(conversations.c.id == old)
                     .values(updated_at=datetime(2026, 1, 15, 23, 30, tzinfo=UTC)))  # fmt: skip
    at = history_page(oxen_app)
    assert titles(at) == ["About today", "About winter"]
    at.selectbox(key="history_since").set_value("Last 30 days").run()
    assert titles(at) == ["About today"]
    at.selectbox(key="history_since").set_value("Between dates").run()
    assert titles(at) == ["About today"]  # the last 7 days at first
    at.date_input(key="history_dates").set_value((date(2026, 1, 10), date(2026, 1, 15))).run()
    assert titles(at) == ["About winter"]  # both days included
    at.date_input(key="history_dates").set_value((date(2026, 1, 16), datetime.now(UTC).date())).run()
    assert titles(at) == ["About today"]
    at.selectbox(key="history_since").set_value("Any time").run()
    assert titles(at) == ["About today", "About winter"] and not at.exception
