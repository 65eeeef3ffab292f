from __future__ import annotations

import pytest

from lib.providers import builtin_providers
from lib.request import ChatRequest, Message, chat_body, to_http

OXEN = builtin_providers()["oxen"]
LOCAL = builtin_providers()["local"]
HELLO = [Message("user", "Hello, what can you do?")]

EVERY_PARAM = {
    "temperature": 0.7,
    "max_tokens": 1024,
    "stream": True,
    "top_p": 0.9,
    "frequency_penalty": 0.5,
    "presence_penalty": -0.5,
    "stop": ["\n\n", "END"],
    "seed": 42,
    "response_format": {"type": "json_object"},
    "reasoning_effort": "high",
    "tools": [{"type": "function", "function": {"name": "get_time", "parameters": {"type": "object"}}}],
    "tool_choice": "auto",
}


def test_minimal_body_is_model_and_messages_only() -> None:
    body = chat_body(ChatRequest(OXEN, "gpt-oss-120b", HELLO))
    assert body == {"model": "gpt-oss-120b", "messages": [{"role": "user", "content": "Hello, what can you do?"}]}


def test_params_follow_page_order_whatever_the_order_they_were_set() -> None:
    params = {"presence_penalty": 0, "stream": False, "temperature": 0.7, "top_p": 1.0, "max_tokens": 1024}
    body = chat_body(ChatRequest(OXEN, "m", HELLO, params))
    assert list(body) == ["model", "messages", "temperature", "max_tokens", "stream", "top_p", "presence_penalty"]


def test_unset_params_are_not_sent() -> None:
    body = chat_body(ChatRequest(OXEN, "m", HELLO, {"temperature": None, "seed": 3}))
    assert "temperature" not in body and body["seed"] == 3


def test_stream_usage_asked_only_where_the_provider_takes_it() -> None:
    assert chat_body(ChatRequest(OXEN, "m", HELLO, {"stream": True}))["stream_options"] == {"include_usage": True}
    assert "stream_options" not in chat_body(ChatRequest(LOCAL, "m", HELLO, {"stream": True}))
    assert "stream_options" not in chat_body(ChatRequest(OXEN, "m", HELLO, {"stream": False}))


def test_http_request_has_no_key_and_names_the_variable() -> None:
    wire = to_http(ChatRequest(OXEN, "m", HELLO, {"stream": True}))
    assert wire.url == "https://hub.oxen.ai/api/ai/chat/completions"
    assert "Authorization" not in wire.headers and wire.key_env == "OXEN_API_KEY"
    assert wire.headers["Accept"] == "text/event-stream"


@pytest.mark.parametrize("name", sorted(EVERY_PARAM))
def test_each_parameter_validates_against_openai_schema(name: str, request_validator) -> None:  # type: ignore[no-untyped-def]
    body = chat_body(ChatRequest(OXEN, "gpt-oss-120b", HELLO, {name: EVERY_PARAM[name]}))
    request_validator.validate(body)


def test_every_parameter_and_role_together_validates(request_validator) -> None:  # type: ignore[no-untyped-def]
    messages = [
        Message("system", "Be brief."),
        Message("user", "What time is it?"),
        Message(
            "assistant",
            "",
            tool_calls=[{"id": "c1", "type": "function", "function": {"name": "get_time", "arguments": "{}"}}],
        ),
        Message("tool", "12:00", tool_call_id="c1"),
    ]
    body = chat_body(ChatRequest(OXEN, "gpt-oss-120b", messages, EVERY_PARAM))
    request_validator.validate(body)


def test_the_validator_can_fail(request_validator) -> None:  # type: ignore[no-untyped-def]
    body = chat_body(ChatRequest(OXEN, "m", HELLO, {"temperature": 3}))
    assert not request_validator.is_valid(body)


SCHEMA = {"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"]}
JSON_SCHEMA = {"type": "json_schema", "json_schema": {"name": "answer", "schema": SCHEMA, "strict": True}}


def test_a_json_schema_goes_to_llama_cpp_as_its_own_json_object_format(request_validator) -> None:  # type: ignore[no-untyped-def]
    body = chat_body(ChatRequest(LOCAL, "m", HELLO, {"response_format": JSON_SCHEMA}))
    assert body["response_format"] == {"type": "json_object", "schema": SCHEMA}
    request_validator.validate(body)  # OpenAI's JSON-object format allows the extra `schema`
    # What the client sends is what the snippets write: the same body, translated.
    assert to_http(ChatRequest(LOCAL, "m", HELLO, {"response_format": JSON_SCHEMA})).body == body


def test_other_formats_and_other_providers_are_sent_as_set() -> None:
    assert chat_body(ChatRequest(OXEN, "m", HELLO, {"response_format": JSON_SCHEMA}))["response_format"] == JSON_SCHEMA
    for plain in ({"type": "text"}, {"type": "json_object"}):
        assert chat_body(ChatRequest(LOCAL, "m", HELLO, {"response_format": plain}))["response_format"] == plain
