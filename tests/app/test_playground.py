"""The Playground through AppTest, against the recording stand-in: the parameter form, errors,
regenerate/edit/delete, variables, cURL import, share links, and where keys may (not) appear."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlsplit

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Block, Error, Node

from lib.curl_import import KEY_REMOVED
from lib.providers import Provider
from lib.request import Message
from lib.safe_markdown import safe_markdown
from lib.snippets import LANGUAGES
from tests.app.conftest import MakeApp
from tests.support.apptest import answers, button, codes, curl_code, engine_error, send, users
from tests.support.environment import ENV_KEY, AppEnv
from tests.support.stand_in import Behaviour, StandIn
from ui import keys

TYPED = "sk-typed-SECRET-555"
OxenApp = MakeApp  # oxen_app(model="gpt-oss-120b", **query): the app on the stand-in's Oxen, run once
PLAIN = "plain-chat-model"  # not in the catalog: no schema, so the standard chat set


def in_page_order(node: Block) -> list[Node]:
    """Every element under `node`, in the order the page shows them."""
    out: list[Node] = []
    for child in node.children.values():
        out.append(child)
        if isinstance(child, Block):
            out += in_page_order(child)
    return out


def said_under(at: AppTest, label: str) -> str | None:
    """The error sentence drawn right under the widget labelled `label`, or None."""
    page = in_page_order(at.main)
    at_widget = next(i for i, e in enumerate(page) if getattr(e, "label", None) == label)
    after = page[at_widget + 1] if at_widget + 1 < len(page) else None
    return str(after.value) if isinstance(after, Error) else None


def no_key_in_code(at: AppTest, key: str) -> None:
    """The API-call panel is drawn, and no code block on the page holds `key`."""
    assert curl_code(at)
    assert [c for c in codes(at) if key in c] == []


def test_form_sends_only_what_is_set_and_reset_clears_it(oxen_app: OxenApp, stand_in: StandIn) -> None:
    at = oxen_app()
    labels = [w.label for w in at.number_input]
    assert labels[:2] == ["Temperature", "Max tokens"]  # the model's `basic` parameters first
    # A number field starts at the model's default (so −/+ step from it) but is not sent until changed.
    assert at.number_input(key=keys.param("temperature")).value == 0.7
    assert "Not sent · the default 0.7 applies" in [c.value for c in at.caption]
    assert "Not sent (provider defaults): Temperature" in " ".join(c.value for c in at.caption)
    send(at, "one")
    body = stand_in.chat_requests()[-1].json()
    assert "temperature" not in body and body["stream"] is True
    at.number_input(key=keys.param("temperature")).set_value(0.3).run()
    at.number_input(key=keys.param("max_tokens")).set_value(50).run()
    assert "Not sent · the default 0.7 applies" not in [c.value for c in at.caption]
    assert '"temperature": 0.3' in curl_code(at) and '"max_tokens": 50' in curl_code(at)
    send(at, "two")
    body = stand_in.chat_requests()[-1].json()
    assert (body["temperature"], body["max_tokens"]) == (0.3, 50)
    button(at, "Reset to defaults").click().run()
    assert at.number_input(key=keys.param("temperature")).value == 0.7
    send(at, "three")
    assert "temperature" not in stand_in.chat_requests()[-1].json()
    assert users(at) == ["one", "two", "three"]


def test_a_cleared_number_goes_back_to_its_default_unsent(oxen_app: OxenApp, stand_in: StandIn) -> None:
    at = oxen_app()
    at.number_input(key=keys.param("temperature")).set_value(0.75).run()  # as "+" from the default does
    assert '"temperature": 0.75' in curl_code(at)
    at.number_input(key=keys.param("temperature")).set_value(None).run()  # the field's ×
    assert at.number_input(key=keys.param("temperature")).value == 0.7
    assert '"temperature"' not in curl_code(at)
    send(at, "hi")
    assert "temperature" not in stand_in.chat_requests()[-1].json()


def test_tiers_show_the_models_page_bodies(oxen_app: OxenApp) -> None:
    at = oxen_app()
    at.toggle(key=keys.param("stream")).set_value(False).run()  # the form at the model's defaults: Stream off
    at.segmented_control(key="api_tier").set_value("All parameters").run()
    code = curl_code(at)
    body = json.loads(code.split("-d '", 1)[1].rsplit("'", 1)[0])
    assert body == {"model": "gpt-oss-120b", "messages": [{"role": "user", "content": "Hello, what can you do?"}],
                    "temperature": 0.7, "max_tokens": 1024, "stream": False, "top_p": 1.0,
                    "frequency_penalty": 0, "presence_penalty": 0}  # fmt: skip


def test_invalid_values_are_explained_and_nothing_is_lost(oxen_app: OxenApp, stand_in: StandIn) -> None:
    at = oxen_app(PLAIN)
    at.text_area(key=keys.param("stop")).set_value("a\nb\nc\nd\ne").run()
    sentence = "Stop sequences takes at most 4 sequences; remove 1."
    assert [e.value for e in at.error] == [sentence]
    assert said_under(at, "Stop sequences") == sentence
    assert [x.label for x in at.expander if x.label.startswith("All parameters")] == ["All parameters · 1 to fix"]
    send(at, "keep me")
    assert stand_in.chat_requests() == []
    assert users(at) == ["keep me"]
    assert f"Not sent: {sentence}" in [e.value for e in at.error]
    at.text_area(key=keys.param("stop")).set_value("END").run()
    button(at, "Regenerate").click().run()
    assert stand_in.chat_requests()[-1].json()["stop"] == ["END"]
    assert answers(at) == ["You said: keep me"]


def test_each_problem_sits_under_its_own_field(oxen_app: OxenApp, stand_in: StandIn) -> None:
    at = oxen_app(PLAIN)
    at.number_input(key=keys.param("temperature")).set_value(5.0).run()
    at.text_area(key=keys.PARAM_EXTRA).set_value("[1, 2]").run()
    at.selectbox(key=keys.param("response_format")).set_value("json_schema").run()
    at.text_area(key=keys.param("response_format", "schema")).set_value("{").run()
    assert said_under(at, "Temperature") == "Temperature must be at most 2."
    assert said_under(at, "Other parameters (JSON)") == 'Other parameters must be a JSON object, such as {"top_k": 40}.'
    assert (said_under(at, "JSON schema") or "").startswith("The JSON schema is not valid JSON (line 1")
    assert len(at.error) == 3  # each once, under its field, and nowhere else
    send(at, "hi")
    assert stand_in.chat_requests() == []  # nothing is sent while a field is invalid
    assert "Not sent: Temperature must be at most 2." in [e.value for e in at.error]


def test_selects_say_not_sent_like_their_neighbours(oxen_app: OxenApp) -> None:
    at = oxen_app(PLAIN)
    response_format = at.selectbox(key=keys.param("response_format"))
    assert response_format.value is None and response_format.placeholder == "Not sent · text"
    assert response_format.options == ["Text", "JSON object", "JSON schema"]
    assert at.selectbox(key=keys.param("reasoning_effort")).placeholder == "Not sent · provider default"


def test_json_schema_editor_validates(oxen_app: OxenApp, stand_in: StandIn) -> None:
    at = oxen_app(PLAIN)
    at.selectbox(key=keys.param("response_format")).set_value("json_schema").run()
    at.text_area(key=keys.param("response_format", "schema")).set_value('{"type": "object",').run()
    assert any(e.value.startswith("The JSON schema is not valid JSON (line 1") for e in at.error)
    at.text_area(key=keys.param("response_format", "schema")).set_value('{"type": "wrong"}').run()
    assert any(e.value.startswith("The JSON schema is not a valid JSON Schema") for e in at.error)
    at.text_area(key=keys.param("response_format", "schema")).set_value('{"type": "object"}').run()
    send(at, "hi")
    schema = {"name": "answer", "schema": {"type": "object"}, "strict": True}
    assert stand_in.chat_requests()[-1].json()["response_format"] == {"type": "json_schema", "json_schema": schema}


TOKENS = ["a ", "b ", "c ", "d "]
ERROR_CASES = {
    "403": ([Behaviour(status=403)], "PermissionDenied"),
    "404": ([Behaviour(status=404, error_body=b'{"error": {"message": "Model not found: gpt-oss-120b"}}')],
            "ModelNotFound"),
    "400": ([Behaviour(status=400, error_body=b'{"error": {"message": "temperature too high"}}')], "BadRequest"),
    "context": ([Behaviour(status=400, error_body=b'{"error": {"message": "This model\'s maximum context length '
                                                 b'is 8192 tokens. However, you requested 9000 tokens."}}')],
                "ContextLengthExceeded"),
    "429": ([Behaviour(status=429, headers={"retry-after": "600"})], "RateLimited"),
    "500": ([Behaviour(status=500)] * 3, "ServerError"),
    "html-502": ([Behaviour(status=502, error_body=b"<html><body>Bad gateway</body></html>")] * 3,
                 "UnexpectedErrorPage"),
    "cut": ([Behaviour(cut_after=2, tokens=TOKENS)], "StreamCut"),
    "malformed": ([Behaviour(malformed_after=2, tokens=TOKENS)], "MalformedEvent"),
    "error-event": ([Behaviour(error_event_after=2, tokens=TOKENS)], "StreamErrorEvent"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(ERROR_CASES))
def test_each_error_is_the_engines_sentence_in_place_of_the_answer(
    oxen_app: OxenApp, stand_in: StandIn, oxen: Provider, case: str
) -> None:
    behaviours, kind = ERROR_CASES[case]
    at = oxen_app()
    send(at, "first")
    stand_in.then(*behaviours)
    send(at, "second")
    assert not at.exception
    shown = [e.value for e in at.error]
    # The engine, asked the same thing directly, fails with this class and this sentence.
    stand_in.then(*behaviours)
    history = [Message("user", "first"), Message("assistant", "You said: first"), Message("user", "second")]
    error = engine_error(oxen, "gpt-oss-120b", history, ENV_KEY)
    assert type(error).__name__ == kind
    assert shown == [str(error)]
    assert users(at) == ["first", "second"]
    if case in ("cut", "malformed", "error-event"):  # what arrived before the failure stays
        assert answers(at) == ["You said: first", "a b"]
    else:
        assert answers(at) == ["You said: first"]


def test_401_offers_the_key_field_and_retries_with_the_typed_key(
    make_app: MakeApp, app_env: AppEnv, stand_in: StandIn, oxen: Provider
) -> None:
    app_env.oxen(stand_in.base_url, key=None)
    at = make_app(provider="oxen", model="gpt-oss-120b").run()
    at.sidebar.text_input(key=keys.api_key("oxen")).set_value("wrong-key").run()
    send(at, "hello")
    rejected = engine_error(oxen, "gpt-oss-120b", [Message("user", "hello")], "wrong-key")
    assert rejected.action == "key"
    assert [e.value for e in at.error] == [str(rejected)]
    at.text_input(key=keys.INLINE_KEY).set_value(TYPED).run()
    button(at, "Use this key and retry").click().run()
    assert answers(at) == ["You said: hello"]
    assert stand_in.chat_requests()[-1].headers["authorization"] == f"Bearer {TYPED}"
    no_key_in_code(at, TYPED)


def test_regenerate_edit_and_delete(oxen_app: OxenApp, stand_in: StandIn) -> None:
    at = oxen_app()
    send(at, "one")
    # Message ids count from 1 in a session: the question is 1, its answer 2.
    at.button(key=keys.edit(1)).click().run()
    at.text_area(key=keys.edit_text(1)).set_value("two").run()
    at.button(key=keys.edit_save(1)).click().run()
    assert users(at) == ["two"]
    button(at, "Regenerate").click().run()  # answer 2 is replaced by answer 3
    assert answers(at) == ["You said: two"]
    assert stand_in.chat_requests()[-1].json()["messages"][-1]["content"] == "two"
    assert [b.key for b in at.button if b.key and b.key.startswith("delete_")] == [keys.delete(1), keys.delete(3)]
    at.button(key=keys.delete(3)).click().run()
    assert answers(at) == []
    assert users(at) == ["two"]


def test_length_finish_is_explained_with_a_raise_button(oxen_app: OxenApp, stand_in: StandIn) -> None:
    at = oxen_app()
    at.number_input(key=keys.param("max_tokens")).set_value(3).run()
    send(at, "a b c d e f g h")
    assert any(c.value.startswith("Cut at Max tokens (3)") for c in at.caption)
    button(at, "Raise Max tokens to 1024 and regenerate").click().run()  # the model's default, not 3 × 2
    assert stand_in.chat_requests()[-1].json()["max_tokens"] == 1024
    assert at.number_input(key=keys.param("max_tokens")).value == 1024


def test_raising_a_provider_limit_sends_the_new_max_tokens(oxen_app: OxenApp, stand_in: StandIn) -> None:
    at = oxen_app(PLAIN)  # no Max tokens set: the provider cut the answer at its own limit
    stand_in.then(Behaviour(tokens=["a", " b"], finish_reason="length"))
    send(at, "go on")
    button(at, "Raise Max tokens to 256 and regenerate").click().run()
    assert stand_in.chat_requests()[-1].json()["max_tokens"] == 256
    assert at.number_input(key=keys.param("max_tokens")).value == 256


def test_variables_fill_the_request_and_the_code(oxen_app: OxenApp, stand_in: StandIn) -> None:
    at = oxen_app()
    at.text_area(key=keys.SYSTEM).set_value("Speak as {{persona}}.").run()
    at.text_input(key=keys.variable("persona")).set_value("a pirate").run()
    send(at, "Hi {{name}}")
    assert stand_in.chat_requests()[-1].json()["messages"] == [
        {"role": "system", "content": "Speak as a pirate."}, {"role": "user", "content": "Hi {{name}}"}]  # fmt: skip
    at.text_input(key=keys.variable("name")).set_value("Ann").run()
    assert '"content": "Hi Ann"' in curl_code(at)
    button(at, "Regenerate").click().run()
    assert stand_in.chat_requests()[-1].json()["messages"][-1]["content"] == "Hi Ann"


def test_share_link_round_trip_never_holds_a_key(oxen_app: OxenApp, make_app: MakeApp, stand_in: StandIn) -> None:
    at = oxen_app()
    at.sidebar.text_input(key=keys.api_key("oxen")).set_value(TYPED).run()
    at.number_input(key=keys.param("temperature")).set_value(0.25).run()
    at.text_area(key=keys.SYSTEM).set_value("Be brief.").run()
    send(at, "remember me")
    button(at, "Share link").click().run()
    link = next(c for c in codes(at) if "provider=oxen" in c)
    assert TYPED not in link and ENV_KEY not in link
    query = dict(parse_qsl(urlsplit(link).query))
    assert query["model"] == "gpt-oss-120b" and query["base_url"] == stand_in.base_url
    again = make_app(**query).run()
    assert users(again) == ["remember me"] and answers(again) == ["You said: remember me"]
    assert again.number_input(key=keys.param("temperature")).value == 0.25
    assert again.text_area(key=keys.SYSTEM).value == "Be brief."


def test_the_address_bar_never_holds_an_outdated_state(oxen_app: OxenApp, make_app: MakeApp, stand_in: StandIn) -> None:
    at = oxen_app()
    at.number_input(key=keys.param("temperature")).set_value(0.25).run()
    send(at, "remember me")
    button(at, "Share link").click().run()
    shared = dict(at.query_params)
    assert {"provider", "model", "base_url", "setup", "chat"} <= set(shared)
    at.run()  # nothing changed: the link stays
    assert dict(at.query_params) == shared
    at.number_input(key=keys.param("temperature")).set_value(0.9).run()
    address = {k: v[0] if isinstance(v, list) else v for k, v in at.query_params.items()}
    assert "setup" not in address and address["model"] == "gpt-oss-120b"  # what still holds stays
    # A reload of that address shows the page as it was left, never the shared 0.25.
    reloaded = make_app(**address).run()
    assert reloaded.number_input(key=keys.param("temperature")).value != 0.25
    # The opened link itself: current until something changes (here the conversation).
    opened = make_app(**{k: v[0] if isinstance(v, list) else v for k, v in shared.items()}).run()
    assert "chat" in dict(opened.query_params)
    send(opened, "one more")
    assert "chat" not in dict(opened.query_params) and "setup" in dict(opened.query_params)


def test_too_long_a_conversation_is_said_not_cut(oxen_app: OxenApp) -> None:
    import random

    at = oxen_app()
    noise = "".join(random.Random(1).choices("abcdefghijklmnopqrstuvwxyz0123456789", k=9000))
    send(at, noise)
    button(at, "Share link").click().run()
    assert any("too long for a link" in w.value for w in at.warning)
    link = next(c for c in codes(at) if "provider=oxen" in c)
    query = dict(parse_qsl(urlsplit(link).query))
    assert "chat" not in query
    assert "setup" in query


def test_curl_import_fills_everything_and_moves_the_key(oxen_app: OxenApp, stand_in: StandIn) -> None:
    at = oxen_app()
    command = (f"curl {stand_in.base_url}/chat/completions -H 'Authorization: Bearer {TYPED}' "
               "-d '{\"model\": \"gpt-oss-120b\", \"messages\": [{\"role\": \"system\", \"content\": \"Be kind.\"}, "
               "{\"role\": \"user\", \"content\": \"Imported hi\"}], \"temperature\": 0.4, \"top_k\": 5}'")  # fmt: skip
    at.text_area(key=keys.CURL_TEXT).set_value(command).run()
    button(at, "Import").click().run()
    assert not at.exception
    assert at.text_area(key=keys.CURL_TEXT).value == command.replace(TYPED, KEY_REMOVED)
    assert at.sidebar.text_input(key=keys.api_key("oxen")).value == TYPED
    assert at.text_area(key=keys.SYSTEM).value == "Be kind."
    assert at.number_input(key=keys.param("temperature")).value == 0.4
    assert users(at) == ["Imported hi"]
    assert any("top_k" in w.value for w in at.warning)
    no_key_in_code(at, TYPED)
    button(at, "Send").click().run()  # the imported question waits for its answer: Send, not Regenerate
    sent = stand_in.chat_requests()[-1]
    assert sent.json()["temperature"] == 0.4 and sent.json()["top_k"] == 5
    assert sent.headers["authorization"] == f"Bearer {TYPED}"


def test_a_typed_key_never_reaches_code_downloads_or_links(oxen_app: OxenApp) -> None:
    at = oxen_app()
    at.sidebar.text_input(key=keys.api_key("oxen")).set_value(TYPED).run()
    send(at, "hi")
    assert "Key typed for this session." in [c.value for c in at.sidebar.caption]
    for tier in ("Minimal", "Basic parameters", "All parameters", "As sent"):
        at.segmented_control(key="api_tier").set_value(tier).run()
        chat_codes = []
        for lang, _ in LANGUAGES.values():  # only the open tab is drawn: open each in turn
            at.session_state["api_lang"] = lang.label
            at.run()
            [code] = codes(at)  # the open tab's, and nothing else
            chat_codes.append(code)
        assert len(set(chat_codes)) == len(LANGUAGES)
        for code in chat_codes:
            assert '"gpt-oss-120b"' in code
            assert "OXEN_API_KEY" in code
            assert TYPED not in code


def test_test_connection_says_what_happened(oxen_app: OxenApp, stand_in: StandIn, oxen: Provider) -> None:
    at = oxen_app()
    at.sidebar.button(key=keys.TEST_CONNECTION).click().run()
    assert next(s.value for s in at.sidebar.success).startswith("Connected: gpt-oss-120b answered in ")
    assert stand_in.chat_requests()[-1].json()["max_tokens"] == 1
    missing = Behaviour(status=404, error_body=b'{"error": {"message": "Model not found: gpt-oss-120b"}}')
    stand_in.then(missing)
    at.sidebar.button(key=keys.TEST_CONNECTION).click().run()
    stand_in.then(missing)
    error = engine_error(oxen, "gpt-oss-120b", [Message("user", "Say OK.")], ENV_KEY)
    assert [e.value for e in at.sidebar.error] == [str(error)]
    assert not at.exception


def test_switching_models_keeps_values_that_still_apply(oxen_app: OxenApp, stand_in: StandIn) -> None:
    at = oxen_app()  # gpt-oss-120b: temperature 0–2
    at.number_input(key=keys.param("temperature")).set_value(0.4).run()
    at.sidebar.selectbox(key=keys.model("oxen")).set_value("google-model-03").run()  # a schema with temperature 0–1
    assert at.number_input(key=keys.param("temperature")).value == 0.4
    assert keys.param("reasoning_effort") in [s.key for s in at.selectbox]
    at.sidebar.selectbox(key=keys.model("oxen")).set_value("gpt-oss-120b").run()
    at.number_input(key=keys.param("temperature")).set_value(1.5).run()
    at.sidebar.selectbox(key=keys.model("oxen")).set_value("google-model-03").run()
    # The value stays, said wrong under its field, and nothing is sent until it is changed.
    assert at.number_input(key=keys.param("temperature")).value == 1.5
    assert [e.value for e in at.error] == ["Temperature must be at most 1."]
    send(at, "hi")
    assert stand_in.chat_requests() == []
    at.number_input(key=keys.param("temperature")).set_value(0.9).run()
    button(at, "Regenerate").click().run()
    assert stand_in.chat_requests()[-1].json()["temperature"] == 0.9
    # An unset field follows the model: it shows the new model's default.
    at.number_input(key=keys.param("temperature")).set_value(None).run()
    assert at.number_input(key=keys.param("temperature")).value == 0.5
    assert not at.exception


def test_damaged_share_link_and_garbage_import_crash_nothing(oxen_app: OxenApp) -> None:
    at = oxen_app(setup="not-a-real-setup", chat="%%%")
    assert not at.exception
    assert [w.value for w in at.warning] == ["The link's saved setup is damaged; the page opened with its defaults."]
    at.text_area(key=keys.CURL_TEXT).set_value("curl 'https://x/v1/chat/completions' -d '{\"model\": ").run()
    button(at, "Import").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == ["A single quote is not closed; paste the whole command."]
    assert at.text_area(key=keys.CURL_TEXT).value.startswith("curl 'https://x/")  # the pasted text stays


def test_form_comes_from_the_models_own_object_when_the_listing_leaves_schemas_out(
    oxen_app: OxenApp, stand_in: StandIn
) -> None:
    stand_in.list_without_schemas = True
    at = oxen_app()
    assert at.number_input(key=keys.param("temperature")).placeholder == "Not sent · default 0.7"
    assert [r.path for r in stand_in.requests if r.path.endswith("/models/gpt-oss-120b")] == [
        "/api/ai/models/gpt-oss-120b"
    ]
    at.number_input(key=keys.param("temperature")).set_value(0.2).run()
    assert len([r for r in stand_in.requests if r.path.endswith("/models/gpt-oss-120b")]) == 1  # fetched once


def sse(*deltas: dict[str, object], finish: str = "stop") -> list[bytes]:
    """A chat-completions stream of these deltas, then a finish and [DONE]."""
    chunks = [{"choices": [{"index": 0, "delta": d, "finish_reason": None}]} for d in deltas]
    chunks.append({"choices": [{"index": 0, "delta": {}, "finish_reason": finish}]})
    return [b"data: " + json.dumps(c).encode() + b"\n\n" for c in chunks] + [b"data: [DONE]\n\n"]


def test_a_refusal_is_shown_marked_as_one(oxen_app: OxenApp, stand_in: StandIn) -> None:
    # The shape of OpenAI's streamed refusals (openai-python's tests/lib/chat: `delta.refusal`).
    refusal = "I'm sorry, I can't assist with <that> request."
    pieces = [refusal[:10], refusal[10:]]
    stand_in.then(Behaviour(raw_chunks=sse({"role": "assistant", "refusal": None}, *[{"refusal": p} for p in pieces])))
    at = send(oxen_app(), "Help me with something bad.")
    assert not at.exception
    assert answers(at) == [":material/block: **Refused:** " + safe_markdown(refusal)]
    assert at.error == []


def test_content_parts_it_cannot_show_are_named(oxen_app: OxenApp, stand_in: StandIn) -> None:
    parts = [{"type": "text", "text": "Here is a picture."}, {"type": "image_url", "image_url": {"url": "data:,"}}]
    stand_in.then(Behaviour(raw_chunks=sse({"role": "assistant", "content": parts})))
    at = send(oxen_app(), "Draw a cat.")
    assert answers(at) == ["Here is a picture."]
    assert "The answer also holds content this page does not show: image_url." in [c.value for c in at.caption]


HELICONE_SECRET = "sk-helicone-APPTEST-4711"


def test_imported_setup_headers_are_sent_and_their_secret_is_never_shown(
    oxen_app: OxenApp, make_app: MakeApp, stand_in: StandIn
) -> None:
    at = oxen_app(PLAIN)
    command = (f"curl {stand_in.base_url}/chat/completions -H 'Helicone-Auth: Bearer {HELICONE_SECRET}' "
               "-H 'HTTP-Referer: https://myapp.example' "
               "-d '{\"model\": \"plain-chat-model\", "
               "\"messages\": [{\"role\": \"user\", \"content\": \"Imported hi\"}]}' | jq .")  # fmt: skip
    at.text_area(key=keys.CURL_TEXT).set_value(command).run()
    button(at, "Import").click().run()
    assert not at.exception
    assert HELICONE_SECRET not in at.text_area(key=keys.CURL_TEXT).value
    assert "The pipe into `jq …` was left out; only the curl command was imported." in [w.value for w in at.warning]
    assert at.sidebar.text_area(key=keys.custom_headers("oxen")).value == "HTTP-Referer: https://myapp.example"
    assert "Helicone-Auth: Bearer ••• (kept for this session)" in [c.value for c in at.sidebar.caption]
    send(at, "next message")
    sent = stand_in.chat_requests()[-1]
    assert sent.headers["helicone-auth"] == f"Bearer {HELICONE_SECRET}"
    assert sent.headers["http-referer"] == "https://myapp.example"
    assert sent.headers["authorization"] == f"Bearer {ENV_KEY}"
    for lang, _ in LANGUAGES.values():  # only the open tab is drawn: open each in turn
        at.session_state["api_lang"] = lang.label
        at.run()
        [code] = codes(at)
        assert HELICONE_SECRET not in code and "HELICONE_AUTH" in code and "https://myapp.example" in code
    # Headers typed by hand: a credential leaves the text at once and is shown masked.
    at.sidebar.text_area(key=keys.custom_headers("oxen")).set_value(
        "HTTP-Referer: https://myapp.example\nX-Title: By hand\nX-Gateway-Token: gw-typed-998877"
    ).run()
    assert at.sidebar.text_area(key=keys.custom_headers("oxen")).value == (
        "HTTP-Referer: https://myapp.example\nX-Title: By hand"
    )
    assert "X-Gateway-Token: ••• (kept for this session)" in [c.value for c in at.sidebar.caption]
    send(at, "and again")
    sent = stand_in.chat_requests()[-1]
    assert (sent.headers["x-title"], sent.headers["x-gateway-token"]) == ("By hand", "gw-typed-998877")
    assert sent.headers["helicone-auth"] == f"Bearer {HELICONE_SECRET}"
    button(at, "Share link").click().run()
    link = next(c for c in codes(at) if "provider=oxen" in c)
    assert HELICONE_SECRET not in link and "gw-typed-998877" not in link
    # The link keeps the plain headers and names the credentials, whose values the opener types.
    again = make_app(**dict(parse_qsl(urlsplit(link).query))).run()
    assert again.sidebar.text_area(key=keys.custom_headers("oxen")).value == (
        "HTTP-Referer: https://myapp.example\nX-Title: By hand"
    )
    shown = [c.value for c in again.sidebar.caption]
    assert "Helicone-Auth: Bearer (no value yet): type `Helicone-Auth: Bearer <value>` above" in shown
    assert any(c.startswith("A stored key is not sent with headers that came in a link") for c in shown)


def test_an_azure_command_imports_as_an_azure_setup_that_sends_to_azure(make_app: MakeApp) -> None:
    azure = StandIn(prefix="/openai/deployments/gpt-4o-dep").start()
    try:
        at = make_app(provider="custom", base_url=azure.base_url).run()
        key = "azure-APPTEST-key-1234567890"
        command = (f"curl '{azure.base_url}/chat/completions?api-version=2024-10-21' -H 'api-key: {key}' "
                   "-d '{\"messages\": [{\"role\": \"user\", \"content\": \"Azure hi\"}]}'")  # fmt: skip
        at.text_area(key=keys.CURL_TEXT).set_value(command).run()
        button(at, "Import").click().run()
        assert not at.exception and at.sidebar.selectbox(key=keys.PROVIDER).value == "custom"
        assert at.sidebar.text_input(key=keys.base_url("custom")).value == azure.base_url
        assert at.sidebar.text_input(key=keys.api_key("custom")).value == key
        assert (
            "Azure OpenAI: the key goes in the api-key header; api-version=2024-10-21 is sent with every request."
            in [c.value for c in at.sidebar.caption]
        )
        send(at, "Azure hi")
        [sent] = azure.chat_requests()
        assert (sent.query, sent.headers["api-key"]) == ("api-version=2024-10-21", key)
        assert "authorization" not in sent.headers and sent.json()["model"] == "gpt-4o-dep"
        assert "AZURE_OPENAI_API_KEY" in curl_code(at) and key not in curl_code(at)
    finally:
        azure.stop()


def test_a_placeholder_key_is_named_and_not_typed_in(oxen_app: OxenApp, stand_in: StandIn) -> None:
    at = oxen_app()
    command = (f"curl {stand_in.base_url}/chat/completions -H 'Authorization: Bearer YOUR_API_KEY' "
               "-d '{\"model\": \"gpt-oss-120b\", "
               "\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}'")  # fmt: skip
    at.text_area(key=keys.CURL_TEXT).set_value(command).run()
    button(at, "Import").click().run()
    assert at.sidebar.text_input(key=keys.api_key("oxen")).value == ""
    assert (
        "The command has a placeholder key (YOUR_API_KEY), not a key: type your key in the API key field "
        "(or set OXEN_API_KEY in the environment)." in [w.value for w in at.warning]
    )
    send(at, "hi")
    assert (
        stand_in.chat_requests()[-1].headers["authorization"] == f"Bearer {ENV_KEY}"
    )  # the real key, not the placeholder
