"""The Playground through AppTest, against the recording stand-in: the parameter form, errors,
regenerate/edit/delete, variables, cURL import, share links, and where keys may (not) appear."""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import parse_qsl, urlsplit

import pytest
from streamlit.testing.v1 import AppTest

from lib.curl_import import KEY_REMOVED
from tests.support.stand_in import Behaviour, StandIn

ENV_KEY = "sk-env-key-777"
TYPED = "sk-typed-SECRET-555"
PLAIN = "plain-chat-model"  # not in the catalog: no schema, so the standard chat set


@pytest.fixture
def oxen_app(make_app, stand_in: StandIn, monkeypatch) -> Callable[..., AppTest]:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("OXEN_BASE_URL", stand_in.base_url)
    monkeypatch.setenv("OXEN_API_KEY", ENV_KEY)

    def make(model: str = "gpt-oss-120b", **query: str) -> AppTest:
        return make_app(provider="oxen", model=model, **query).run()

    return make


def send(at: AppTest, text: str) -> AppTest:
    return at.chat_input[0].set_value(text).run()


def answers(at: AppTest) -> list[str]:
    return [m.markdown[0].value for m in at.chat_message if m.name == "assistant" and m.markdown]


def users(at: AppTest) -> list[str]:
    return [m.markdown[0].value for m in at.chat_message if m.name == "user" and m.markdown]


def button(at: AppTest, label: str):  # type: ignore[no-untyped-def]
    return next(b for b in at.button if b.label == label)


def codes(at: AppTest) -> list[str]:
    return [c.value for c in at.code]


def curl_code(at: AppTest) -> str:
    return next(c for c in codes(at) if c.startswith("curl") and "/chat/completions" in c)


def test_form_sends_only_what_is_set_and_reset_clears_it(oxen_app, stand_in: StandIn) -> None:  # type: ignore[no-untyped-def]
    at = oxen_app()
    labels = [w.label for w in at.number_input]
    assert labels[:2] == ["Temperature", "Max tokens"]  # the model's `basic` parameters first
    assert at.number_input(key="param_temperature").value is None
    assert "Not sent (provider defaults): Temperature" in " ".join(c.value for c in at.caption)
    send(at, "one")
    body = stand_in.chat_requests()[-1].json()
    assert "temperature" not in body and body["stream"] is True
    at.number_input(key="param_temperature").set_value(0.3).run()
    at.number_input(key="param_max_tokens").set_value(50).run()
    assert '"temperature": 0.3' in curl_code(at) and '"max_tokens": 50' in curl_code(at)
    send(at, "two")
    body = stand_in.chat_requests()[-1].json()
    assert (body["temperature"], body["max_tokens"]) == (0.3, 50)
    button(at, "Reset to defaults").click().run()
    assert at.number_input(key="param_temperature").value is None
    send(at, "three")
    assert "temperature" not in stand_in.chat_requests()[-1].json()
    assert users(at) == ["one", "two", "three"]


def test_tiers_show_the_models_page_bodies(oxen_app) -> None:  # type: ignore[no-untyped-def]
    at = oxen_app()
    at.toggle(key="param_stream").set_value(False).run()  # the form at the model's defaults: Stream off
    at.segmented_control(key="api_tier").set_value("All parameters").run()
    code = curl_code(at)
    body = json.loads(code.split("-d '", 1)[1].rsplit("'", 1)[0])
    assert body == {"model": "gpt-oss-120b", "messages": [{"role": "user", "content": "Hello, what can you do?"}],
                    "temperature": 0.7, "max_tokens": 1024, "stream": False, "top_p": 1.0,
                    "frequency_penalty": 0, "presence_penalty": 0}  # fmt: skip


def test_invalid_values_are_explained_and_nothing_is_lost(oxen_app, stand_in: StandIn) -> None:  # type: ignore[no-untyped-def]
    at = oxen_app(PLAIN)
    at.text_area(key="param_stop").set_value("a\nb\nc\nd\ne").run()
    sentence = "Stop sequences takes at most 4 sequences; remove 1."
    assert sentence in [e.value for e in at.error]
    send(at, "keep me")
    assert stand_in.chat_requests() == []
    assert users(at) == ["keep me"]
    assert f"Not sent: {sentence}" in [e.value for e in at.error]
    at.text_area(key="param_stop").set_value("END").run()
    button(at, "Regenerate").click().run()
    assert stand_in.chat_requests()[-1].json()["stop"] == ["END"]
    assert answers(at) == ["You said: keep me"]


def test_json_schema_editor_validates(oxen_app, stand_in: StandIn) -> None:  # type: ignore[no-untyped-def]
    at = oxen_app(PLAIN)
    at.selectbox(key="param_response_format").set_value("json_schema").run()
    at.text_area(key="param_response_format_schema").set_value('{"type": "object",').run()
    assert any(e.value.startswith("The JSON schema is not valid JSON (line 1") for e in at.error)
    at.text_area(key="param_response_format_schema").set_value('{"type": "wrong"}').run()
    assert any(e.value.startswith("The JSON schema is not a valid JSON Schema") for e in at.error)
    at.text_area(key="param_response_format_schema").set_value('{"type": "object"}').run()
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
    oxen_app, stand_in: StandIn, oxen, case: str
) -> None:  # type: ignore[no-untyped-def]
    from lib.client import ChatClient
    from lib.request import ChatRequest, Message

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
    client = ChatClient()
    result = client.complete(ChatRequest(oxen, "gpt-oss-120b", history, {"stream": True}), ENV_KEY)
    client.close()
    assert type(result.error).__name__ == kind
    assert shown == [str(result.error)]
    assert users(at) == ["first", "second"] and answers(at)[0] == "You said: first"
    if case in ("cut", "malformed", "error-event"):  # what arrived before the failure stays
        assert answers(at)[1].startswith("a b")


def test_401_offers_the_key_field_and_retries_with_the_typed_key(make_app, stand_in: StandIn, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("OXEN_BASE_URL", stand_in.base_url)
    at = make_app(provider="oxen", model="gpt-oss-120b").run()
    at.sidebar.text_input(key="api_key_oxen").set_value("wrong-key").run()
    send(at, "hello")
    assert "rejected the API key" in at.error[0].value or "401" in at.error[0].value
    at.text_input(key="inline_key").set_value(TYPED).run()
    button(at, "Use this key and retry").click().run()
    assert answers(at) == ["You said: hello"]
    assert stand_in.chat_requests()[-1].headers["authorization"] == f"Bearer {TYPED}"
    assert all(TYPED not in c for c in codes(at))


def test_regenerate_edit_and_delete(oxen_app, stand_in: StandIn) -> None:  # type: ignore[no-untyped-def]
    at = oxen_app()
    send(at, "one")
    at.button(key="edit_1").click().run()
    at.text_area(key="edit_text_1").set_value("two").run()
    at.button(key="edit_save_1").click().run()
    assert users(at) == ["two"]
    button(at, "Regenerate").click().run()
    assert answers(at) == ["You said: two"]
    assert stand_in.chat_requests()[-1].json()["messages"][-1]["content"] == "two"
    answer_id = max(int(b.key.split("_")[1]) for b in at.button if b.key and b.key.startswith("delete_"))
    at.button(key=f"delete_{answer_id}").click().run()
    assert answers(at) == [] and users(at) == ["two"]


def test_length_finish_is_explained_with_a_raise_button(oxen_app, stand_in: StandIn) -> None:  # type: ignore[no-untyped-def]
    at = oxen_app()
    at.number_input(key="param_max_tokens").set_value(3).run()
    send(at, "a b c d e f g h")
    assert any(c.value.startswith("Cut at Max tokens (3)") for c in at.caption)
    button(at, "Raise Max tokens to 6 and regenerate").click().run()
    assert stand_in.chat_requests()[-1].json()["max_tokens"] == 6
    assert at.number_input(key="param_max_tokens").value == 6


def test_variables_fill_the_request_and_the_code(oxen_app, stand_in: StandIn) -> None:  # type: ignore[no-untyped-def]
    at = oxen_app()
    at.text_area(key="system_prompt").set_value("Speak as {{persona}}.").run()
    at.text_input(key="var_persona").set_value("a pirate").run()
    send(at, "Hi {{name}}")
    assert stand_in.chat_requests()[-1].json()["messages"] == [
        {"role": "system", "content": "Speak as a pirate."}, {"role": "user", "content": "Hi {{name}}"}]  # fmt: skip
    at.text_input(key="var_name").set_value("Ann").run()
    assert '"content": "Hi Ann"' in curl_code(at)
    button(at, "Regenerate").click().run()
    assert stand_in.chat_requests()[-1].json()["messages"][-1]["content"] == "Hi Ann"


def test_share_link_round_trip_never_holds_a_key(oxen_app, make_app, stand_in: StandIn) -> None:  # type: ignore[no-untyped-def]
    at = oxen_app()
    at.sidebar.text_input(key="api_key_oxen").set_value(TYPED).run()
    at.number_input(key="param_temperature").set_value(0.25).run()
    at.text_area(key="system_prompt").set_value("Be brief.").run()
    send(at, "remember me")
    button(at, "Share link").click().run()
    link = next(c for c in codes(at) if "provider=oxen" in c)
    assert TYPED not in link and ENV_KEY not in link
    query = dict(parse_qsl(urlsplit(link).query))
    assert query["model"] == "gpt-oss-120b" and query["base_url"] == stand_in.base_url
    again = make_app(**query).run()
    assert users(again) == ["remember me"] and answers(again) == ["You said: remember me"]
    assert again.number_input(key="param_temperature").value == 0.25
    assert again.text_area(key="system_prompt").value == "Be brief."


def test_too_long_a_conversation_is_said_not_cut(oxen_app) -> None:  # type: ignore[no-untyped-def]
    import random

    at = oxen_app()
    noise = "".join(random.Random(1).choices("abcdefghijklmnopqrstuvwxyz0123456789", k=9000))
    send(at, noise)
    button(at, "Share link").click().run()
    assert any("too long for a link" in w.value for w in at.warning)
    link = next(c for c in codes(at) if "provider=oxen" in c)
    assert "chat=" not in link and "setup=" in link


def test_curl_import_fills_everything_and_moves_the_key(oxen_app, stand_in: StandIn) -> None:  # type: ignore[no-untyped-def]
    at = oxen_app()
    command = (f"curl {stand_in.base_url}/chat/completions -H 'Authorization: Bearer {TYPED}' "
               "-d '{\"model\": \"gpt-oss-120b\", \"messages\": [{\"role\": \"system\", \"content\": \"Be kind.\"}, "
               "{\"role\": \"user\", \"content\": \"Imported hi\"}], \"temperature\": 0.4, \"top_k\": 5}'")  # fmt: skip
    at.text_area(key="curl_text").set_value(command).run()
    button(at, "Import").click().run()
    assert not at.exception
    assert at.text_area(key="curl_text").value == command.replace(TYPED, KEY_REMOVED)
    assert at.sidebar.text_input(key="api_key_oxen").value == TYPED
    assert at.text_area(key="system_prompt").value == "Be kind."
    assert at.number_input(key="param_temperature").value == 0.4
    assert users(at) == ["Imported hi"]
    assert any("top_k" in w.value for w in at.warning)
    assert all(TYPED not in c for c in codes(at))
    button(at, "Regenerate").click().run()
    sent = stand_in.chat_requests()[-1]
    assert sent.json()["temperature"] == 0.4 and sent.json()["top_k"] == 5
    assert sent.headers["authorization"] == f"Bearer {TYPED}"


def test_a_typed_key_never_reaches_code_downloads_or_links(oxen_app) -> None:  # type: ignore[no-untyped-def]
    at = oxen_app()
    at.sidebar.text_input(key="api_key_oxen").set_value(TYPED).run()
    send(at, "hi")
    assert "Key typed for this session." in [c.value for c in at.sidebar.caption]
    from lib.snippets import LANGUAGES

    for tier in ("Minimal", "Basic parameters", "All parameters", "As sent"):
        at.segmented_control(key="api_tier").set_value(tier).run()
        chat_codes = []
        for lang, _ in LANGUAGES.values():  # only the open tab is drawn: open each in turn
            at.session_state["api_lang"] = lang.label
            at.run()
            chat_codes += [c for c in codes(at) if '"gpt-oss-120b"' in c]
            assert all(TYPED not in c for c in codes(at))
        assert len(set(chat_codes)) == 5 and all("OXEN_API_KEY" in c for c in chat_codes)


def test_test_connection_says_what_happened(oxen_app, stand_in: StandIn) -> None:  # type: ignore[no-untyped-def]
    at = oxen_app()
    at.sidebar.button(key="test_connection").click().run()
    assert next(s.value for s in at.sidebar.success).startswith("Connected: gpt-oss-120b answered in ")
    assert stand_in.chat_requests()[-1].json()["max_tokens"] == 1
    stand_in.then(Behaviour(status=404, error_body=b'{"error": {"message": "Model not found: gpt-oss-120b"}}'))
    at.sidebar.button(key="test_connection").click().run()
    assert len(at.sidebar.error) == 1 and "gpt-oss-120b" in at.sidebar.error[0].value
    assert not at.exception


def test_switching_models_keeps_values_that_still_apply(oxen_app) -> None:  # type: ignore[no-untyped-def]
    at = oxen_app()  # gpt-oss-120b: temperature 0–2
    at.number_input(key="param_temperature").set_value(0.4).run()
    at.sidebar.selectbox(key="model_oxen").set_value("google-model-03").run()  # a schema with temperature 0–1
    assert at.number_input(key="param_temperature").value == 0.4
    assert "reasoning_effort" in [s.key.removeprefix("param_") for s in at.selectbox if s.key]
    at.sidebar.selectbox(key="model_oxen").set_value("gpt-oss-120b").run()
    at.number_input(key="param_temperature").set_value(1.5).run()
    at.sidebar.selectbox(key="model_oxen").set_value("google-model-03").run()
    assert at.number_input(key="param_temperature").value is None
    assert any("Temperature was 1.5, which this model does not take" in c.value for c in at.caption)
    assert not at.exception


def test_damaged_share_link_and_garbage_import_crash_nothing(make_app) -> None:  # type: ignore[no-untyped-def]
    at = make_app(setup="not-a-real-setup", chat="%%%").run()
    assert not at.exception
    assert [w.value for w in at.warning] == ["The link's saved setup is damaged; the page opened with its defaults."]
    at.text_area(key="curl_text").set_value("curl 'https://x/v1/chat/completions' -d '{\"model\": ").run()
    next(b for b in at.button if b.label == "Import").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == ["A single quote is not closed; paste the whole command."]
    assert at.text_area(key="curl_text").value.startswith("curl 'https://x/")  # the pasted text stays


def test_form_comes_from_the_models_own_object_when_the_listing_leaves_schemas_out(oxen_app, stand_in: StandIn) -> None:  # type: ignore[no-untyped-def]
    stand_in.list_without_schemas = True
    at = oxen_app()
    assert at.number_input(key="param_temperature").placeholder == "Not sent · default 0.7"
    assert [r.path for r in stand_in.requests if r.path.endswith("/models/gpt-oss-120b")] == [
        "/api/ai/models/gpt-oss-120b"
    ]
    at.number_input(key="param_temperature").set_value(0.2).run()
    assert len([r for r in stand_in.requests if r.path.endswith("/models/gpt-oss-120b")]) == 1  # fetched once
