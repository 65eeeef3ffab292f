"""The Playground and the history store through AppTest, against the recording stand-in: every
conversation stored as it happens (never the key), `?c=<id>` bringing it back with its setup, Clear
and "New chat" starting new ones, and a store that cannot be opened leaving the app chatting."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib.store import LOCAL_OWNER, Store, open_store
from tests.app.conftest import MakeApp
from tests.support.apptest import answers, button, send, users
from tests.support.environment import ENV_KEY
from tests.support.stand_in import StandIn
from ui import keys

OxenApp = MakeApp


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data folder of this test's own: its own SQLite history."""
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path))
    monkeypatch.delenv("WORKBENCH_DATABASE_URL", raising=False)
    return tmp_path


@pytest.fixture
def history(home: Path) -> Iterator[Store]:
    """The same history the app writes, opened beside it (as a second process would)."""
    opened = open_store(f"sqlite:///{home / 'workbench.db'}", interrupt=False)
    yield opened
    opened.close()


def conversation_id(at: AppTest) -> str:
    got = at.query_params.get("c")
    assert got, f"no conversation id in the URL: {dict(at.query_params)}"
    return got[0] if isinstance(got, list) else got


def test_a_chat_is_stored_as_it_happens_and_comes_back_from_its_url(
    oxen_app: OxenApp, make_app: MakeApp, stand_in: StandIn, history: Store
) -> None:
    at = oxen_app()
    at.number_input(key=keys.param("temperature")).set_value(0.3).run()
    at.text_area(key=keys.SYSTEM).set_value("Be brief.").run()
    send(at, "first question")
    send(at, "second question")
    cid = conversation_id(at)
    assert len(cid) == 22  # 128 random bits, URL-safe

    stored = history.thread(LOCAL_OWNER, cid)
    assert [(m.role, m.content) for m in stored] == [
        ("user", "first question"), ("assistant", answers(at)[0]),
        ("user", "second question"), ("assistant", answers(at)[1]),
    ]  # fmt: skip
    run = stored[-1]
    assert run.status == "complete" and run.metrics.latency is not None
    assert run.request is not None and run.request["body"]["temperature"] == 0.3
    assert ENV_KEY not in str(run.request)  # the request as sent, never the key
    conversation = history.get_conversation(LOCAL_OWNER, cid)
    assert conversation.title == "first question" and conversation.model == "gpt-oss-120b"
    assert conversation.setup.system == "Be brief." and conversation.setup.params["temperature"] == 0.3

    # A reload (a new session with the same URL): the conversation, the setup and the form are back.
    again = make_app(c=cid).run()
    assert users(again) == ["first question", "second question"]
    assert answers(again) == answers(at)
    assert again.sidebar.selectbox(key=keys.PROVIDER).value == "oxen"
    assert again.text_area(key=keys.SYSTEM).value == "Be brief."
    assert again.number_input(key=keys.param("temperature")).value == 0.3
    # ... and it goes on in the same conversation.
    send(again, "third question")
    assert conversation_id(again) == cid
    assert [m.content for m in history.thread(LOCAL_OWNER, cid) if m.role == "user"] == [
        "first question", "second question", "third question"]  # fmt: skip


def test_messages_deleted_in_the_playground_stay_deleted_after_a_reload(
    oxen_app: OxenApp, make_app: MakeApp, history: Store
) -> None:
    """The store keeps the whole tree, but a reload shows what the Playground showed: a deleted
    answer (the last one, or one in the middle, which leaves no single branch) stays deleted, and
    the conversation goes on from there; History's view and exports show the same."""
    at = oxen_app()
    for question in ("first question", "second question", "third question"):
        send(at, question)
    first_answer, _, third_answer = answers(at)
    assert [b.key for b in at.button if b.key and b.key.startswith("delete_")] == [keys.delete(n) for n in range(1, 7)]
    at.button(key=keys.delete(6)).click().run()  # the last answer
    at.button(key=keys.delete(2)).click().run()  # the first answer, in the middle
    cid = conversation_id(at)
    kept = (users(at), answers(at))
    assert kept[1] == [answers(at)[0]] and first_answer not in kept[1] and third_answer not in kept[1]

    again = make_app(c=cid).run()  # a reload
    assert (users(again), answers(again)) == kept
    assert [m.content for m in history.thread(LOCAL_OWNER, cid)] == [
        "first question", "second question", kept[1][0], "third question"]  # fmt: skip
    exported = history.export_json(LOCAL_OWNER, cid)
    assert [m["content"] for m in exported["messages"]] == [m.content for m in history.thread(LOCAL_OWNER, cid)]
    assert len(history.messages(LOCAL_OWNER, cid)) == 6  # the tree keeps every message

    send(again, "fourth question")  # and it goes on from what is shown
    assert users(again) == ["first question", "second question", "third question", "fourth question"]
    assert [m.content for m in history.thread(LOCAL_OWNER, cid)][:4] == [
        "first question", "second question", kept[1][0], "third question"]  # fmt: skip
    assert make_app(c=cid).run() and users(make_app(c=cid).run()) == users(again)


def test_clear_and_new_chat_start_new_conversations_and_keep_the_old(oxen_app: OxenApp, history: Store) -> None:
    at = oxen_app()
    send(at, "one")
    first = conversation_id(at)
    button(at, "Clear").click().run()
    assert "c" not in at.query_params
    button(at, "Undo clear").click().run()  # undo: the same conversation goes on
    assert conversation_id(at) == first
    button(at, "Clear").click().run()
    send(at, "two")
    second = conversation_id(at)
    button(at, "New chat").click().run()
    assert at.chat_message.len == 0 and "c" not in at.query_params
    send(at, "three")
    third = conversation_id(at)
    assert len({first, second, third}) == 3
    titles = {c.id: c.title for c in history.list_conversations(LOCAL_OWNER).rows}
    assert titles == {first: "one", second: "two", third: "three"}


def test_an_unknown_conversation_in_the_url_says_so(oxen_app: OxenApp, history: Store) -> None:
    at = oxen_app(c="no-such-conversation")
    assert any("no conversation no-such-conversation" in w.value for w in at.warning)
    assert "c" not in at.query_params


def test_a_store_that_cannot_be_opened_is_one_sentence_and_the_app_still_chats(oxen_app: OxenApp, home: Path) -> None:
    (home / "workbench.db").write_bytes(b"this is not a database" * 100)
    at = oxen_app()
    banners = [w.value for w in at.warning if w.value.startswith("History is off")]
    assert len(banners) == 1 and "is not a SQLite database" in banners[0], banners
    send(at, "still there?")
    assert answers(at) and "c" not in at.query_params


def test_a_preset_saves_the_setup_and_loads_it_back(oxen_app: OxenApp, history: Store) -> None:
    at = oxen_app()
    at.number_input(key=keys.param("temperature")).set_value(0.3).run()
    at.text_area(key=keys.SYSTEM).set_value("Answer in JSON.").run()
    at.text_input(key="preset-name").set_value("Terse JSON").run()
    button(at, "Save preset").click().run()
    assert any("Saved the preset “Terse JSON”" in s.value for s in at.success)
    [preset] = history.list_presets(LOCAL_OWNER)
    assert (preset.name, preset.setup.model, preset.setup.params.get("temperature")) == (
        "Terse JSON",
        "gpt-oss-120b",
        0.3,
    )
    assert ENV_KEY not in str(preset)
    at.number_input(key=keys.param("temperature")).set_value(0.9).run()
    at.text_area(key=keys.SYSTEM).set_value("Something else.").run()
    at.selectbox(key="preset-choice").set_value(preset.id).run()
    button(at, "Load preset").click().run()
    assert at.number_input(key=keys.param("temperature")).value == 0.3
    assert at.text_area(key=keys.SYSTEM).value == "Answer in JSON."
    assert any("Loaded the preset “Terse JSON”" in s.value for s in at.success)
    send(at, "with the preset")
    assert stand_in_body_temperature(history) == 0.3


def stand_in_body_temperature(history: Store) -> object:
    """The temperature the newest run was sent with (as stored: the request as sent)."""
    [conversation] = history.list_conversations(LOCAL_OWNER).rows
    run = history.thread(LOCAL_OWNER, conversation.id)[-1]
    assert run.request is not None
    return run.request["body"].get("temperature")


def test_no_key_reaches_the_database_an_export_or_a_snapshot(
    oxen_app: OxenApp, history: Store, home: Path, stand_in: StandIn
) -> None:
    typed = "sk-canary-TYPED-9f3e1"
    at = oxen_app()  # with ENV_KEY in the environment
    send(at, "canary one")
    at.sidebar.text_input(key=keys.api_key("oxen")).set_value(typed).run()
    send(at, "canary two")
    sent = [r.headers.get("authorization") for r in stand_in.chat_requests()]
    assert sent == [f"Bearer {ENV_KEY}", f"Bearer {typed}"]  # both keys were really used
    cid = conversation_id(at)
    history.create_snapshot(LOCAL_OWNER, cid)
    outputs = [
        history.export_markdown(LOCAL_OWNER, cid),
        history.export_python(LOCAL_OWNER, cid),
        history.export_jsonl(LOCAL_OWNER, [cid]),
        str(history.export_json(LOCAL_OWNER, cid)),
        str([s.data for s in history.list_snapshots(LOCAL_OWNER)]),
    ]
    raw = b"".join(p.read_bytes() for p in home.iterdir() if p.name.startswith("workbench.db"))
    assert b"canary two" in raw  # the file does hold the conversation
    for key in (typed, ENV_KEY):
        assert key.encode() not in raw
        assert not [o for o in outputs if key in o]
