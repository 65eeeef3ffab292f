"""Structured output: an ended answer checked against a nested schema with enums, valid and invalid."""

from __future__ import annotations

import json
from typing import Any

import pytest

from lib.structured import NOT_VALID, VALID, check_answer, json_path

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "address": {
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "country": {"type": "string", "enum": ["FR", "UK", "DE"]},
            },
            "required": ["city", "country"],
            "additionalProperties": False,
        },
        "pets": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"kind": {"enum": ["cat", "dog"]}, "age": {"type": "integer", "minimum": 0}},
                "required": ["kind"],
            },
        },
    },
    "required": ["name", "address"],
}
FORMAT = {"type": "json_schema", "json_schema": {"name": "person", "schema": SCHEMA, "strict": True}}


def test_a_valid_nested_answer() -> None:
    answer = {"name": "Ada", "address": {"city": "Paris", "country": "FR"}, "pets": [{"kind": "cat", "age": 3}]}
    check = check_answer(FORMAT, json.dumps(answer))
    assert check is not None and check.valid
    assert check.summary == f"{VALID}." and check.errors == []
    assert check.pretty == json.dumps(answer, indent=2)


def test_an_invalid_nested_answer_lists_each_error_with_its_json_path() -> None:
    answer = {
        "address": {"city": "Paris", "country": "US", "zip": "75001"},
        "pets": [{"kind": "cat"}, {"kind": "fish", "age": -1}],
    }
    check = check_answer(FORMAT, json.dumps(answer))
    assert check is not None and not check.valid
    assert check.summary == f"{NOT_VALID}: 5 errors."
    assert check.errors == [
        "$: 'name' is a required property",
        "$.address: Additional properties are not allowed ('zip' was unexpected)",
        "$.address.country: 'US' is not one of ['FR', 'UK', 'DE']",
        "$.pets[1].age: -1 is less than the minimum of 0",
        "$.pets[1].kind: 'fish' is not one of ['cat', 'dog']",
    ]
    assert check.pretty is not None and json.loads(check.pretty) == answer


def test_an_answer_that_is_not_json_against_a_schema() -> None:
    check = check_answer(FORMAT, "Sure! Here is the person: {name: Ada}")
    assert check is not None and not check.valid
    assert check.summary.startswith(f"{NOT_VALID}: the answer is not JSON (line 1, column 1")
    assert check.pretty is None


def test_a_fenced_answer_is_read_inside_its_fence_and_says_so() -> None:
    text = '```json\n{"name": "Ada", "address": {"city": "Paris", "country": "UK"}}\n```'
    check = check_answer(FORMAT, text)
    assert check is not None and check.valid and "Markdown code fence" in check.summary


@pytest.mark.parametrize(
    ("text", "valid", "summary"),
    [
        ('{"a": 1}', True, "The answer is a JSON object."),
        ("[1, 2]", False, "Not a JSON object: the answer is JSON, but a list."),
        ("{'a': 1}", False, "Not JSON: the answer is not JSON (line 1, column 2: Expecting property name"),
    ],
)
def test_json_object_checks_the_answer_is_json(text: str, valid: bool, summary: str) -> None:
    check = check_answer({"type": "json_object"}, text)
    assert check is not None and check.valid is valid and check.summary.startswith(summary)


def test_the_llama_cpp_form_of_a_schema_is_checked_too() -> None:
    check = check_answer({"type": "json_object", "schema": SCHEMA}, '{"name": 1}')
    assert check is not None and check.valid  # JSON object asked: only JSON-ness is checked


def test_no_check_for_text() -> None:
    assert check_answer(None, "hi") is None and check_answer({"type": "text"}, "hi") is None


def test_json_path_quotes_odd_keys() -> None:
    assert json_path(["a b", 0, "c"]) == '$["a b"][0].c'


def test_an_answer_nested_past_the_parsers_depth_is_said_not_raised() -> None:
    """A small model looping on "[" writes thousands of brackets: json's recursive parser raises
    RecursionError, which the page would meet on every run that draws the answer."""
    deep = "[" * 5000 + "]" * 5000
    check = check_answer({"type": "json_object"}, deep)
    assert check is not None and check.summary == "Not JSON: the answer is nested too deeply to read as JSON."
    schema = {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "array", "items": {"$ref": "#"}}}}
    check = check_answer(schema, "[" * 900 + "]" * 900)  # parses, but too deep to validate
    assert check is not None and check.summary.startswith(NOT_VALID) and not check.valid


def test_a_schema_field_nested_past_the_parsers_depth_is_one_sentence() -> None:
    from lib.params import parse_json_field

    assert parse_json_field("[" * 5000, "JSON schema") == (
        None,
        "JSON schema is nested too deeply to read (thousands of brackets); flatten it.",
    )
