"""The Playground's conversation actions through AppTest, against the recording stand-in (issue 10):
editing a question (Save and regenerate, or Save with the answers below marked as outdated), a
request that never left has no metrics strip, Clear can be undone, and the empty page says what the
app is."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.app.conftest import MakeApp
from tests.support.apptest import answers, button, send, users
from tests.support.environment import AppEnv
from tests.support.stand_in import StandIn
from ui import keys
from ui.chat import OUTDATED_NOTE

OxenApp = MakeApp


def captions(at: AppTest) -> list[str]:
    return [c.value for c in at.caption]


def edit_question(at: AppTest, message_id: int, text: str) -> None:
    at.button(key=keys.edit(message_id)).click().run()
    at.text_area(key=keys.edit_text(message_id)).set_value(text).run()


def test_save_and_regenerate_replaces_the_answers_below(oxen_app: OxenApp, stand_in: StandIn) -> None:
    at = oxen_app()
    send(at, "one")
    send(at, "two")
    assert answers(at) == ["You said: one", "You said: two"]
    edit_question(at, 1, "uno")  # the first question: both answers below it go
    labels = [b.label for b in at.button if b.key in (keys.edit_regenerate(1), keys.edit_save(1))]
    assert labels == ["Save and regenerate", "Save"]  # the default first, and the primary one
    assert at.button(key=keys.edit_regenerate(1)).proto.type == "primary"
    at.button(key=keys.edit_regenerate(1)).click().run()
    assert users(at) == ["uno"]
    assert answers(at) == ["You said: uno"]
    assert [m["content"] for m in stand_in.chat_requests()[-1].json()["messages"]] == ["uno"]
    assert OUTDATED_NOTE not in " ".join(captions(at))


def test_save_marks_the_answers_below_as_answering_the_old_text(oxen_app: OxenApp, stand_in: StandIn) -> None:
    at = oxen_app()
    send(at, "one")
    send(at, "two")
    sent = len(stand_in.chat_requests())
    edit_question(at, 3, "deux")  # the second question: only the answer below it is outdated
    at.button(key=keys.edit_save(3)).click().run()
    assert users(at) == ["one", "deux"]
    assert answers(at) == ["You said: one", "You said: two"]  # kept, and nothing was sent
    assert len(stand_in.chat_requests()) == sent
    notes = [m for m in at.chat_message if any(OUTDATED_NOTE in c.value for c in m.caption)]
    assert [m.markdown[0].value for m in notes] == ["You said: two"]
    edit_question(at, 1, "one")  # saved unchanged: nothing more is marked
    at.button(key=keys.edit_save(1)).click().run()
    notes = [m for m in at.chat_message if any(OUTDATED_NOTE in c.value for c in m.caption)]
    assert len(notes) == 1


def test_a_request_never_sent_has_no_metrics_strip(make_app: MakeApp, app_env: AppEnv, stand_in: StandIn) -> None:
    app_env.oxen(stand_in.base_url, key=None)  # Oxen needs a key and there is none: nothing leaves
    at = make_app(provider="oxen", model="gpt-oss-120b").run()
    send(at, "hello")
    assert stand_in.chat_requests() == []
    assert len(at.error) == 1 and "OXEN_API_KEY" in at.error[0].value
    assert not [c for c in captions(at) if "TTFT" in c]


def test_an_answer_has_its_metrics_strip(oxen_app: OxenApp) -> None:
    at = oxen_app()
    send(at, "hello")
    assert [c for c in captions(at) if c.startswith("**TTFT**") and "**Tokens/s**" in c]


def test_clear_can_be_undone_until_the_next_message(oxen_app: OxenApp) -> None:
    at = oxen_app()
    send(at, "one")
    button(at, "Clear").click().run()
    assert users(at) == [] and answers(at) == []
    button(at, "Undo clear").click().run()
    assert users(at) == ["one"] and answers(at) == ["You said: one"]
    assert not [b for b in at.button if b.label == "Undo clear"]
    button(at, "Clear").click().run()
    send(at, "two")  # a new conversation: the cleared one is gone for good
    assert users(at) == ["two"]
    assert not [b for b in at.button if b.label == "Undo clear"]


def test_the_empty_playground_says_what_the_app_is(oxen_app: OxenApp) -> None:
    at = oxen_app()
    text = [m.value for m in at.markdown]
    assert ":material/science: Workbench" in " ".join(text)
    assert "Try a chat model, tune the request, and copy it as code that runs as it is." in text
    assert button(at, "Regenerate").disabled and button(at, "Clear").disabled
    button(at, "Write a haiku about the sea.").click().run()  # a sample question, sent as if typed
    assert users(at) == ["Write a haiku about the sea."]
    assert answers(at) == ["You said: Write a haiku about the sea."]
    assert ":material/science: Workbench" not in " ".join(m.value for m in at.markdown)
