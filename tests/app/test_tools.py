"""Beyond text in the Playground (AppTest on the stand-in): the Tools editor's sentences, tool-call
cards, "Tool result" fields and "Send tool results", Mock tools running a demo by itself, the schema
check of a structured answer, and token probabilities drawn."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib import tools
from tests.app.conftest import MakeApp
from tests.support.apptest import button, curl_code, send
from tests.support.stand_in import Behaviour, StandIn
from ui import keys
from ui.tools_view import plain

OxenApp = MakeApp
PLAIN = "plain-chat-model"
WEATHER = {"id": "call_w", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}
SECOND = {"id": "call_p", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Rome"'}}


def tools_on(at: AppTest) -> AppTest:
    at.text_area(key=keys.param("tools")).set_value(tools.EXAMPLE_TOOLS).run()
    return at


def test_tools_editor_says_each_problem_and_blocks_sending(oxen_app: OxenApp, stand_in: StandIn) -> None:
    at = oxen_app(PLAIN)
    at.text_area(key=keys.param("tools")).set_value('[{"type": "tool", "function": {}}]').run()
    said = [e.value for e in at.error]
    assert "Tools[0].function: 'name' is a required property." in said
    assert "Tools[0].type: 'tool' is not one of ['function']." in said
    send(at, "hi")
    assert stand_in.chat_requests() == []
    assert any("Not sent: Tools[0]" in e.value for e in at.error)


def test_two_calls_then_results_typed_in_continue_the_conversation(oxen_app: OxenApp, stand_in: StandIn) -> None:
    at = tools_on(oxen_app(PLAIN))
    at.selectbox(key=keys.param("tool_choice")).set_value("required").run()
    at.selectbox(key=keys.param("parallel_tool_calls")).set_value(True).run()
    assert '"tool_choice": "required"' in curl_code(at) and '"parallel_tool_calls": true' in curl_code(at)
    stand_in.then(Behaviour(tokens=[], tool_calls=[WEATHER, SECOND], arg_fragments=5))
    send(at, "Weather in Paris and Rome?")
    cards = [c.value for m in at.chat_message if m.name == "assistant" for c in m.code]
    assert cards == ['{\n  "city": "Paris"\n}', '{"city": "Rome"']
    assert any("not valid JSON" in w.value for w in at.warning)  # the second call's arguments are cut
    fields = [t for t in at.text_area if t.label == "Tool result"]
    assert len(fields) == 2
    fields[0].set_value("sunny")
    fields[1].set_value("rain")
    button(at, "Send tool results").click().run()
    second = stand_in.chat_requests()[-1].json()
    assert [m["role"] for m in second["messages"]] == ["user", "assistant", "tool", "tool"]
    assert second["messages"][1]["tool_calls"][1]["function"]["arguments"] == '{"city": "Rome"'
    assert [m["content"] for m in second["messages"][2:]] == ["sunny", "rain"]
    assert any(
        "Tool results: call_w=sunny call_p=rain" in m.markdown[0].value
        for m in at.chat_message
        if m.name == "assistant" and m.markdown
    )
    assert '"role": "tool"' in curl_code(at) and "Send tool results" not in [b.label for b in at.button]
    # Minimal still defines the tools the conversation's calls answer: strict providers refuse
    # tool calls and tool messages without them.
    at.segmented_control(key="api_tier").set_value("Minimal").run()
    minimal = curl_code(at)
    assert '"role": "tool"' in minimal and '"tools": [' in minimal and '"temperature"' not in minimal


def test_mock_tools_runs_the_demo_by_itself(oxen_app: OxenApp, stand_in: StandIn) -> None:
    at = tools_on(oxen_app(PLAIN))
    at.toggle(key=keys.param("mock_tools")).set_value(True).run()
    stand_in.then(Behaviour(tokens=[], tool_calls=[WEATHER]))
    send(at, "Weather in Paris?")
    requests = stand_in.chat_requests()
    assert len(requests) == 2  # the call, then the canned result sent back without a click
    last = requests[-1].json()["messages"][-1]
    assert last == {"role": "tool", "content": json.dumps({"temperature": 21, "unit": "celsius", "sky": "clear"}),
                    "tool_call_id": "call_w"}  # fmt: skip
    assert [t for t in at.text_area if t.label == "Tool result"] == []


def test_structured_answer_is_checked_against_the_schema(oxen_app: OxenApp, stand_in: StandIn) -> None:
    at = oxen_app(PLAIN)
    at.selectbox(key=keys.param("response_format")).set_value("json_schema").run()
    schema = {"type": "object", "properties": {"mood": {"enum": ["happy", "sad"]}}, "required": ["mood"]}
    at.text_area(key=keys.param("response_format", "schema")).set_value(json.dumps(schema)).run()
    stand_in.then(Behaviour(tokens=['{"mood": ', '"happy"}']), Behaviour(tokens=['{"mood": "bored"}']))
    send(at, "How are you?")
    assert [s.value for s in at.success] == ["Valid against the schema."]
    [answer] = [m for m in at.chat_message if m.name == "assistant"]
    assert [c.value for c in answer.caption][:2] == ["As answered", "As JSON"]  # the text beside its JSON
    assert [c.value for c in answer.code] == ['{\n  "mood": "happy"\n}']
    assert answer.markdown[0].value == '{"mood": "happy"}'
    send(at, "And now?")
    said = [e.value for e in at.error]
    # Each error is written as literal text: the answer it quotes cannot become Markdown.
    quoted = plain("$.mood: 'bored' is not one of ['happy', 'sad']")
    assert any(e.startswith("Not valid against the schema: 1 error.") and quoted in e for e in said)


def test_token_probabilities_are_asked_for_and_drawn(oxen_app: OxenApp, stand_in: StandIn) -> None:
    at = oxen_app(PLAIN)
    at.toggle(key=keys.param("logprobs")).set_value(True).run()
    at.number_input(key=keys.param("top_logprobs")).set_value(2).run()
    send(at, "two words")
    body = stand_in.chat_requests()[-1].json()
    assert (body["logprobs"], body["top_logprobs"]) == (True, 2)
    drawn = [h.proto.body for h in at.get("html") if "wb-tok" in h.proto.body]
    assert len(drawn) == 1 and drawn[0].count('class="wb-tok"') == 4  # "You", " said:", " two", " words"
    assert 'data-tip="“␣two” 81.9%\nAlternatives: “two#1” 40.7%"' in drawn[0]


def test_tools_calls_results_and_logprobs_come_back_on_reopen(
    oxen_app: OxenApp, make_app: MakeApp, stand_in: StandIn, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path))  # a history of this test's own
    monkeypatch.delenv("WORKBENCH_DATABASE_URL", raising=False)
    at = tools_on(oxen_app(PLAIN))
    at.toggle(key=keys.param("logprobs")).set_value(True).run()
    stand_in.then(Behaviour(tokens=[], tool_calls=[WEATHER]))
    send(at, "Weather in Paris?")
    [field] = [t for t in at.text_area if t.label == "Tool result"]
    field.set_value("sunny")
    button(at, "Send tool results").click().run()
    cid = at.query_params["c"][0] if isinstance(at.query_params["c"], list) else at.query_params["c"]

    again = make_app(c=cid).run()
    assert [m.name for m in again.chat_message] == ["user", "assistant", "tool", "assistant"]
    assert [c.value for c in again.chat_message[1].code] == ['{\n  "city": "Paris"\n}']
    assert [c.value for c in again.chat_message[2].code] == ["sunny"]
    assert "Send tool results" not in [b.label for b in again.button]  # answered
    drawn = [h.proto.body for h in again.get("html") if "wb-tok" in h.proto.body]
    assert len(drawn) == 1 and "call_w=sunny</span>" in drawn[0]  # "Tool results: call_w=sunny", token by token
    assert json.loads(again.text_area(key=keys.param("tools")).value) == json.loads(tools.EXAMPLE_TOOLS)
    assert again.toggle(key=keys.param("logprobs")).value is True
    send(again, "And tomorrow?")
    body = stand_in.chat_requests()[-1].json()
    assert [m["role"] for m in body["messages"]] == ["user", "assistant", "tool", "assistant", "user"]
    assert body["messages"][1]["tool_calls"] == [WEATHER] and body["messages"][2]["tool_call_id"] == "call_w"
    assert body["tools"] == json.loads(tools.EXAMPLE_TOOLS) and body["logprobs"] is True


def test_a_server_that_returns_no_probabilities_is_said_so(oxen_app: OxenApp, stand_in: StandIn) -> None:
    at = oxen_app(PLAIN)
    at.toggle(key=keys.param("logprobs")).set_value(True).run()
    stand_in.then(Behaviour(logprobs=False))
    send(at, "two words")
    assert stand_in.chat_requests()[-1].json()["logprobs"] is True
    notes = [c.value for c in at.caption if c.value.startswith("Token probabilities were asked for")]
    assert notes == [
        "Token probabilities were asked for, but the server returned none for this answer; it may not "
        "support `logprobs` on chat completions."
    ]
    assert "You said: two words" in [m.markdown[0].value for m in at.chat_message if m.name == "assistant"]


def test_a_hostile_function_name_stays_text(oxen_app: OxenApp, stand_in: StandIn) -> None:
    at = tools_on(oxen_app(PLAIN))
    name = "[click](javascript:alert(1))**bold**"
    hostile = {"id": "<img src=x>", "type": "function", "function": {"name": name, "arguments": "{}"}}
    stand_in.then(Behaviour(tokens=[], tool_calls=[hostile]))
    send(at, "hi")
    [head] = [m.value for m in at.markdown if ":material/build:" in m.value]
    assert plain(name) in head and plain("<img src=x>") in head
    assert "](javascript" not in head and "**bold**" not in head


def test_a_reopened_conversation_shows_its_images_and_sends_them_again(
    oxen_app: OxenApp, make_app: MakeApp, stand_in: StandIn, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    from PIL import Image

    from lib import images
    from lib.store import LOCAL_OWNER, open_store

    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path))
    monkeypatch.delenv("WORKBENCH_DATABASE_URL", raising=False)
    oxen_app(PLAIN)  # the app made the store
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), "orange").save(buf, format="PNG")
    record = images.attach("orange.png", buf.getvalue())
    store = open_store(f"sqlite:///{tmp_path / 'workbench.db'}", interrupt=False)
    try:
        cid = store.create_conversation(LOCAL_OWNER).id
        store.add_message(LOCAL_OWNER, cid, "user", "What colour?", attachments=[record])
        store.add_message(LOCAL_OWNER, cid, "assistant", "Orange.")
    finally:
        store.close()
    again = make_app(provider="oxen", model=PLAIN, c=cid).run()
    [question] = [m for m in again.chat_message if m.name == "user"]
    shown = question.get("image")
    assert len(shown) == 1 and shown[0].captions == ["orange.png"]  # type: ignore[attr-defined]
    send(again, "Are you sure?")
    sent = stand_in.chat_requests()[-1].json()["messages"]
    assert sent[0]["content"][0] == {"type": "text", "text": "What colour?"}
    assert sent[0]["content"][1]["image_url"]["url"] == images.data_url("image/png", buf.getvalue())
    assert sent[1:] == [{"role": "assistant", "content": "Orange."}, {"role": "user", "content": "Are you sure?"}]


def test_a_question_typed_instead_of_tool_results_is_still_answered(oxen_app: OxenApp, stand_in: StandIn) -> None:
    """The calls nobody answered are left out of the next request (providers refuse them), so the
    conversation goes on; the cards stay on the page."""
    at = tools_on(oxen_app(PLAIN))
    stand_in.then(Behaviour(tokens=[], tool_calls=[WEATHER]))
    send(at, "Weather in Paris?")
    send(at, "Never mind: say hi.")
    last = stand_in.chat_requests()[-1].json()
    assert [(m["role"], m["content"]) for m in last["messages"]] == [
        ("user", "Weather in Paris?"), ("user", "Never mind: say hi.")
    ]  # fmt: skip
    assert not at.error and [t for t in at.text_area if t.label == "Tool result"] == []
    assert any(c.value == '{\n  "city": "Paris"\n}' for m in at.chat_message for c in m.code)
