"""Structured output: an ended answer checked against the response format it was asked with.

"JSON schema": valid against the schema, or each error with its JSON path; "JSON object": the answer
must be JSON. Either way the answer is pretty-printed when it parses.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

VALID = "Valid against the schema"
NOT_VALID = "Not valid against the schema"
# Some models wrap JSON in a Markdown fence even when asked for JSON: read inside it, and say so.
_FENCE = re.compile(r"^\s*```(?:json)?\s*\n(.*?)\n\s*```\s*$", re.DOTALL)


@dataclass(frozen=True)
class SchemaCheck:
    valid: bool
    summary: str  # one line, starting with VALID or NOT_VALID for a schema
    errors: list[str] = field(default_factory=list)  # "$.address.city: 'x' is not one of [...]"
    pretty: str | None = None  # the answer as indented JSON, when it parses


def json_path(path: Any) -> str:
    """`$.items[0].kind` for a jsonschema error's absolute path."""
    out = "$"
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if re.match(r"^\w+$", str(part)) else
                                                          f"[{json.dumps(part)}]")  # fmt: skip
    return out


def _parse(text: str) -> tuple[Any, str | None, bool]:
    """(value, why it is not JSON, whether it was inside a fence)."""
    fenced = _FENCE.match(text)
    body = fenced.group(1) if fenced else text
    try:
        return json.loads(body), None, bool(fenced)
    except json.JSONDecodeError as exc:
        return None, f"the answer is not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})", bool(fenced)
    except RecursionError:  # a model looping on "[[[[": json's recursive parser gives up; so do we
        return None, "the answer is nested too deeply to read as JSON", bool(fenced)


def check_answer(response_format: Any, text: str) -> SchemaCheck | None:
    """The check for an answer asked with this response format; None when it asked for none (text)."""
    if not isinstance(response_format, dict):
        return None
    kind = response_format.get("type")
    if kind not in ("json_object", "json_schema"):
        return None
    value, not_json, fenced = _parse(text)
    try:
        pretty = None if not_json else json.dumps(value, indent=2, ensure_ascii=False)
    except RecursionError:  # parsed, but too deep to lay out again in a deeper stack (a page's)
        pretty = None
    fence_note = " (read inside a Markdown code fence)" if fenced else ""
    if kind == "json_object":
        if not_json:
            return SchemaCheck(False, f"Not JSON: {not_json}.")
        if not isinstance(value, dict):
            return SchemaCheck(
                False, f"Not a JSON object: the answer is JSON, but a {type(value).__name__}.", pretty=pretty
            )
        return SchemaCheck(True, f"The answer is a JSON object{fence_note}.", pretty=pretty)
    spec = response_format.get("json_schema")
    schema = spec.get("schema") if isinstance(spec, dict) else response_format.get("schema")
    if not isinstance(schema, dict):
        return None
    if not_json:
        return SchemaCheck(False, f"{NOT_VALID}: {not_json}.", [f"$: {not_json}"])
    try:
        validator = Draft202012Validator(schema)
        errors = sorted(validator.iter_errors(value), key=lambda e: [str(p) for p in e.absolute_path])
    except SchemaError as exc:
        return SchemaCheck(False, f"{NOT_VALID}: the schema itself is not valid ({exc.message}).", pretty=pretty)
    except RecursionError:
        return SchemaCheck(False, f"{NOT_VALID}: the answer is nested too deeply to check.", pretty=pretty)
    if not errors:
        return SchemaCheck(True, f"{VALID}{fence_note}.", pretty=pretty)
    listed = [f"{json_path(e.absolute_path)}: {e.message}" for e in errors]
    count = f"{len(listed)} error" + ("s" if len(listed) > 1 else "")
    return SchemaCheck(False, f"{NOT_VALID}: {count}{fence_note}.", listed, pretty)
