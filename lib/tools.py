"""Tools (function calling): the "Tools" editor's JSON checked against OpenAI's tool definition, the
tool choice as sent, tool calls as cards and as the assistant message, and canned ("mock") results.

The definition schema is a copy of the vendored reference's `ChatCompletionTool` (with the
`FunctionObject` and `FunctionParameters` it refers to): lib needs it at run time and tests/ is not
shipped; tests/unit/test_tools.py checks the copy has not drifted from the reference.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator

from lib.events import ToolCall

TOOL_SCHEMA: dict[str, Any] = {
    "type": "array",
    "items": {"$ref": "#/$defs/ChatCompletionTool"},
    "$defs": {
        "ChatCompletionTool": {
            "type": "object",
            "properties": {
                "type": {"type": "string", "enum": ["function"]},
                "function": {"$ref": "#/$defs/FunctionObject"},
            },
            "required": ["type", "function"],
        },
        "FunctionObject": {
            "type": "object",
            "properties": {
                "description": {"type": "string"},
                "name": {"type": "string"},
                "parameters": {"$ref": "#/$defs/FunctionParameters"},
                "strict": {"anyOf": [{"type": "boolean", "default": False}, {"type": "null"}]},
            },
            "required": ["name"],
        },
        "FunctionParameters": {"type": "object", "additionalProperties": True},
    },
}
_VALIDATOR = Draft202012Validator(TOOL_SCHEMA)
NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")  # the schema's description of a function name

EXAMPLE_TOOLS = """[
  {
    "type": "function",
    "function": {
      "name": "get_weather",
      "description": "The current weather in a city.",
      "parameters": {
        "type": "object",
        "properties": {
          "city": {"type": "string", "description": "City name, e.g. Paris"},
          "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}
        },
        "required": ["city"]
      }
    }
  }
]"""
EXAMPLE_MOCKS = '{\n  "get_weather": {"temperature": 21, "unit": "celsius", "sky": "clear"}\n}'
CHOICES = ("auto", "none", "required")  # then one option per defined function
TOO_DEEP = "{} is nested too deeply to read (thousands of brackets); flatten it."
MAX_MOCK_ROUNDS = 4  # answers in a row that Mock tools answers by itself, so a looping model stops


def _where(path: Any) -> str:
    """`tools[0].function.name` from a jsonschema error path."""
    out = "Tools"
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def check_tools(value: Any) -> list[str]:
    """One sentence per problem of a tools array (the schema's, then each function name's)."""
    problems = []
    for error in sorted(_VALIDATOR.iter_errors(value), key=lambda e: list(map(str, e.absolute_path))):
        problems.append(f"{_where(error.absolute_path)}: {error.message}.")
    if problems:
        return problems
    seen: set[str] = set()
    for i, tool in enumerate(value):
        name = tool["function"]["name"]
        if not NAME.match(name):
            problems.append(f"Tools[{i}].function.name must be 1–64 letters, digits, underscores or dashes.")
        elif name in seen:
            problems.append(f"Tools[{i}].function.name {name!r} is defined twice; give each function its own name.")
        seen.add(name)
        params = tool["function"].get("parameters")
        if isinstance(params, dict):
            try:
                Draft202012Validator.check_schema(params)
            except Exception as exc:  # jsonschema's SchemaError: its message is the sentence
                problems.append(f"Tools[{i}].function.parameters is not a valid JSON Schema: {_message(exc)}.")
    return problems


def _message(exc: Exception) -> str:
    return str(getattr(exc, "message", exc)).rstrip(".")


def parse_tools(text: str) -> tuple[list[dict[str, Any]] | None, list[str]]:
    """The editor's tools (None when empty) and the sentences saying what is wrong with them."""
    if not text.strip():
        return None, []
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, [f"Tools is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})."]
    except RecursionError:  # json's parser is recursive: thousands of nested brackets exhaust it
        return None, [TOO_DEEP.format("Tools")]
    if isinstance(value, dict):  # one definition pasted on its own: a common slip
        return None, ["Tools must be a JSON array of definitions: put the object inside [ ]."]
    problems = check_tools(value)
    return (None, problems) if problems else (value or None, [])


def function_names(tools: list[dict[str, Any]] | None) -> list[str]:
    return [t["function"]["name"] for t in tools or ()]


def tool_choice(choice: str | None) -> Any:
    """The `tool_choice` value for the form's choice: a mode, or one function by name; None: not sent."""
    if not choice:
        return None
    if choice in CHOICES:
        return choice
    return {"type": "function", "function": {"name": choice}}


def choice_label(value: Any) -> str | None:
    """The form's choice for a `tool_choice` value (an imported one), or None when it is not one."""
    if isinstance(value, str) and value in CHOICES:
        return value
    if isinstance(value, dict) and value.get("type") == "function":
        name = (value.get("function") or {}).get("name")
        return name if isinstance(name, str) else None
    return None


@dataclass(frozen=True)
class Arguments:
    """A call's arguments as shown: pretty JSON, or the raw text flagged as not (yet) JSON."""

    text: str
    valid: bool


def pretty_arguments(raw: str) -> Arguments:
    if not raw.strip():
        return Arguments("{}", True)
    try:
        return Arguments(json.dumps(json.loads(raw), indent=2, ensure_ascii=False), True)
    except (ValueError, RecursionError):  # the model's text: cut, or nested past the parser's depth
        return Arguments(raw, False)


def call_id(call: ToolCall, index: int) -> str:
    """The call's id, or one made up for a provider that sends none (a tool message must name it)."""
    return call.id or f"call_{index}"


def as_openai(calls: list[ToolCall]) -> list[dict[str, Any]]:
    """The assistant's `tool_calls` as the API takes them back."""
    return [
        {"id": call_id(c, i), "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
        for i, c in enumerate(calls)
    ]


def in_history(messages: Any) -> bool:
    """Whether request messages (lib.request.Message) hold a tool call or a tool result."""
    return any(m.tool_calls or m.role == "tool" for m in messages)


def parse_mocks(text: str) -> tuple[dict[str, Any], str | None]:
    """Canned results by function name ({"get_weather": {...}}), or the sentence saying what is wrong."""
    if not text.strip():
        return {}, None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        return {}, f"Mock results are not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})."
    except RecursionError:
        return {}, TOO_DEEP.format("Mock results")
    if not isinstance(value, dict):
        return {}, 'Mock results must be a JSON object of results by function name, such as {"get_weather": "sunny"}.'
    return value, None


def result_text(value: Any) -> str:
    """A canned result as a tool message's content: a string as it is, anything else as JSON."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def mock_results(calls: list[dict[str, Any]], mocks: dict[str, Any]) -> list[str] | None:
    """The canned result of every call, or None when one of the called functions has none."""
    out = []
    for call in calls:
        name = call.get("function", {}).get("name")
        if name not in mocks:
            return None
        out.append(result_text(mocks[name]))
    return out
