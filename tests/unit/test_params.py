"""Parameters from a model's schema, their checks, and the model pages' three tiers."""

from __future__ import annotations

import json

import pytest

from lib.params import STANDARD, TIERS, ParamSpec, check, specs_for, standard_specs, tier_params
from lib.providers import Provider
from lib.request import ChatRequest, Message, chat_body
from tests.support.catalog import GPT_OSS_120B, MODELS

HELLO = [Message("user", "Hello, what can you do?")]


def tier_body(tier: str, oxen: Provider, values: dict) -> str:  # type: ignore[type-arg]
    params = tier_params(tier, specs_for(GPT_OSS_120B), values)
    return json.dumps(chat_body(ChatRequest(oxen, "gpt-oss-120b", HELLO, params)), separators=(",", ":"))


def test_tiers_at_the_models_defaults_equal_its_page(oxen: Provider) -> None:
    page_minimal = '{"model":"gpt-oss-120b","messages":[{"role":"user","content":"Hello, what can you do?"}]}'
    assert tier_body("Minimal", oxen, {}) == page_minimal
    assert tier_body("Basic parameters", oxen, {}) == page_minimal[:-1] + (
        ',"temperature":0.7,"max_tokens":1024,"stream":false}'
    )
    assert tier_body("All parameters", oxen, {}) == page_minimal[:-1] + (
        ',"temperature":0.7,"max_tokens":1024,"stream":false,"top_p":1.0,"frequency_penalty":0,"presence_penalty":0}'
    )


def test_tiers_take_the_forms_values_where_set(oxen: Provider) -> None:
    values = {"temperature": 0.2, "stream": True, "seed": None}
    basic = json.loads(tier_body("Basic parameters", oxen, values))
    assert (basic["temperature"], basic["max_tokens"], basic["stream"]) == (0.2, 1024, True)
    assert json.loads(tier_body("As sent", oxen, values)) == {
        "model": "gpt-oss-120b",
        "messages": [m.to_json() for m in HELLO],
        "temperature": 0.2,
        "stream": True,
        "stream_options": {"include_usage": True},
    }


def test_a_model_without_schema_gets_the_standard_set_and_its_basic_tier(oxen: Provider) -> None:
    plain = {"id": "gpt-4o-mini", "owned_by": "openai"}
    assert [s.name for s in specs_for(plain)] == [s.name for s in STANDARD]
    assert tier_params("Basic parameters", specs_for(plain), {"max_tokens": 50}) == {
        "temperature": 1.0, "max_tokens": 50, "stream": False}  # fmt: skip
    assert "reasoning_effort" not in [s.name for s in standard_specs(local=True)]


def test_schema_order_is_basic_first_then_x_order() -> None:
    assert [s.name for s in specs_for(GPT_OSS_120B)] == [
        "temperature", "max_tokens", "stream", "top_p", "frequency_penalty", "presence_penalty"]  # fmt: skip
    with_reasoning = next(m for m in MODELS if (m.get("json_request_schema") or m.get("request_schema") or {})
                          .get("properties", {}).get("reasoning_effort"))  # fmt: skip
    specs = specs_for(with_reasoning)
    assert [s.name for s in specs] == ["temperature", "max_tokens", "reasoning_effort", "stream"]
    effort = specs[2]
    assert (effort.kind, effort.choices, effort.default) == ("choice", ("low", "medium", "high"), "medium")


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("temperature", 2.5, "Temperature must be at most 2."),
        ("temperature", -0.1, "Temperature must be at least 0."),
        ("max_tokens", 0, "Max tokens must be at least 1."),
        ("max_tokens", 1.5, "Max tokens must be a whole number."),
        ("top_p", float("nan"), "Top P must be a number."),
        ("stop", ["a", "b", "c", "d", "e"], "Stop sequences takes at most 4 sequences; remove 1."),
        ("stop", ["a", ""], "Stop sequences must be non-empty lines of text."),
        ("reasoning_effort", "extreme", "Reasoning effort must be one of none, minimal, low, medium, high."),
        ("response_format", {"type": "json_schema", "json_schema": {"name": "x", "schema": []}},
         'The JSON schema must be a JSON object, such as {"type": "object"}.'),
        ("response_format", {"type": "json_schema", "json_schema": {"name": "a b", "schema": {}}},
         "The schema name must be 1–64 letters, digits, underscores or dashes."),
        ("temperature", 0.7, None),
        ("response_format", {"type": "json_object"}, None),
    ],
)  # fmt: skip
def test_check_explains_out_of_range_values(name: str, value: object, problem: str | None) -> None:
    spec = next(s for s in STANDARD if s.name == name)
    assert check(spec, value) == problem


def test_unknown_schema_types_become_json_fields() -> None:
    model = {"id": "m", "json_request_schema": {"properties": {
        "logit_bias": {"type": "object"}, "weird": {"type": "tensor"}, "n": {"anyOf": [{"type": "integer"},
                                                                              {"type": "null"}]}}}}  # fmt: skip
    kinds = {s.name: s.kind for s in specs_for(model)}
    assert kinds == {"logit_bias": "json", "weird": "json", "n": "integer", "stream": "boolean"}


def test_every_tier_body_validates(oxen: Provider, request_validator) -> None:  # type: ignore[no-untyped-def]
    values = {"temperature": 0.3, "stop": ["END"], "seed": 4, "response_format": {"type": "json_object"},
              "reasoning_effort": "low", "stream": True}  # fmt: skip
    for model in (GPT_OSS_120B, {"id": "plain"}):
        for tier in TIERS:
            params = tier_params(tier, specs_for(model), values)
            request_validator.validate(chat_body(ChatRequest(oxen, model["id"], HELLO, params)))


def test_range_text() -> None:
    assert ParamSpec("t", "T", "number", minimum=0, maximum=2).range_text == "0 – 2"
    assert ParamSpec("m", "M", "integer", minimum=1).range_text == "≥ 1"


def test_string_format_is_kept_for_the_form_and_the_reference() -> None:
    props = {"image_url": {"type": "string", "format": "uri"}, "notes": {"type": "string", "format": "textarea"}}
    model = {"id": "m", "json_request_schema": {"properties": props}}
    by_name = {s.name: s for s in specs_for(model)}
    assert by_name["image_url"].type_name == "string (uri)" and by_name["image_url"].kind == "string"
    assert by_name["notes"].type_name == "string (textarea)"


def test_the_local_forms_defaults_are_the_llama_cpp_servers_own() -> None:
    from llama_cpp.server.types import CreateChatCompletionRequest  # the server the app runs

    fields = CreateChatCompletionRequest.model_fields
    local = {s.name: s for s in standard_specs(local=True)}
    for name in ("temperature", "top_p", "frequency_penalty", "presence_penalty"):
        assert local[name].default == fields[name].default, name
    assert [s.name for s in local.values()] == [s.name for s in STANDARD if s.name != "reasoning_effort"]
