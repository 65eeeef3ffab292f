"""Request parameters: what a model takes (from its `json_request_schema`, or the standard chat set),
how each is checked, and the three tiers of the model pages (Minimal, Basic, All) beside "As sent".

The Playground's form, the tiers and the Models page's parameter reference are all built from the
same `ParamSpec` list, so a form can only offer what it can also explain and send.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from typing import Any, Literal

Kind = Literal["number", "integer", "boolean", "string", "choice", "stop", "response_format", "json"]

# The UI contract's labels for the standard parameters; others are labelled from their name.
LABELS = {
    "temperature": "Temperature",
    "max_tokens": "Max tokens",
    "max_completion_tokens": "Max completion tokens",
    "top_p": "Top P",
    "top_k": "Top K",
    "frequency_penalty": "Frequency penalty",
    "presence_penalty": "Presence penalty",
    "stream": "Stream",
    "stop": "Stop sequences",
    "seed": "Seed",
    "response_format": "Response format",
    "reasoning_effort": "Reasoning effort",
}

# Fields of OpenAI's CreateChatCompletionRequest: anything else in an imported body is named.
OPENAI_FIELDS = frozenset(
    [
        "audio",
        "frequency_penalty",
        "function_call",
        "functions",
        "logit_bias",
        "logprobs",
        "max_completion_tokens",
        "max_tokens",
        "messages",
        "metadata",
        "modalities",
        "model",
        "moderation",
        "n",
        "parallel_tool_calls",
        "prediction",
        "presence_penalty",
        "prompt_cache_key",
        "prompt_cache_options",
        "prompt_cache_retention",
        "reasoning_effort",
        "response_format",
        "safety_identifier",
        "seed",
        "service_tier",
        "stop",
        "store",
        "stream",
        "stream_options",
        "temperature",
        "tool_choice",
        "tools",
        "top_logprobs",
        "top_p",
        "user",
        "verbosity",
        "web_search_options",
    ]
)

TIERS = ("Minimal", "Basic parameters", "All parameters", "As sent")
TOOL_PARAMS = ("tools", "tool_choice", "parallel_tool_calls")  # the Tools editor's (ui/tools_view.py)
MAX_STOP = 4
REASONING_EFFORTS = ("none", "minimal", "low", "medium", "high")
SEED_RANGE = (-(2**63), 2**63 - 1)


@dataclass(frozen=True)
class ParamSpec:
    """One parameter a model takes: how to draw it, check it and explain it."""

    name: str
    label: str
    kind: Kind
    default: Any = None
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[Any, ...] = ()
    description: str = ""
    basic: bool = False
    type_name: str = ""  # the schema's own type, for the reference table

    @property
    def range_text(self) -> str:
        if self.choices:
            return ", ".join(str(c) for c in self.choices)
        if self.minimum is not None and self.maximum is not None:
            return f"{_num(self.minimum)} – {_num(self.maximum)}"
        if self.minimum is not None:
            return f"≥ {_num(self.minimum)}"
        if self.maximum is not None:
            return f"≤ {_num(self.maximum)}"
        return ""


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else str(v)


STANDARD: tuple[ParamSpec, ...] = (
    ParamSpec("temperature", "Temperature", "number", 1.0, 0, 2, basic=True, type_name="number",
              description="Sampling temperature: higher is more varied, lower more focused."),
    ParamSpec("max_tokens", "Max tokens", "integer", None, 1, None, basic=True, type_name="integer",
              description="The most tokens the answer may have."),
    ParamSpec("stream", "Stream", "boolean", False, basic=True, type_name="boolean",
              description="Send the answer as it is generated (server-sent events)."),
    ParamSpec("top_p", "Top P", "number", 1.0, 0, 1, type_name="number",
              description="Nucleus sampling: only tokens within this probability mass are considered."),
    ParamSpec("frequency_penalty", "Frequency penalty", "number", 0.0, -2, 2, type_name="number",
              description="Penalise tokens by how often they already appeared."),
    ParamSpec("presence_penalty", "Presence penalty", "number", 0.0, -2, 2, type_name="number",
              description="Penalise tokens that already appeared at all."),
    ParamSpec("stop", "Stop sequences", "stop", None, type_name="array",
              description=f"Up to {MAX_STOP} sequences where the model stops; one per line."),
    ParamSpec("seed", "Seed", "integer", None, SEED_RANGE[0], SEED_RANGE[1], type_name="integer",
              description="The same seed and request give the same answer where the model supports it."),
    ParamSpec("response_format", "Response format", "response_format", None, type_name="object",
              description="Plain text, any JSON object, or JSON matching a schema."),
    ParamSpec("reasoning_effort", "Reasoning effort", "choice", None, choices=REASONING_EFFORTS,
              type_name="string", description="How much a reasoning model thinks before it answers."),
)  # fmt: skip
STANDARD_BY_NAME = {s.name: s for s in STANDARD}


def request_schema(model: dict[str, Any] | None) -> dict[str, Any] | None:
    """A model object's request schema, under either name the providers use."""
    if not model:
        return None
    schema = model.get("json_request_schema") or model.get("request_schema")
    return schema if isinstance(schema, dict) and isinstance(schema.get("properties"), dict) else None


# What the embedded llama.cpp server (llama-cpp-python's server/types.py) does with a parameter that
# is not sent: its own defaults, not OpenAI's. A form that starts its fields at the default must
# start them here, or "−" from 1.0 would raise the temperature the model really used (0.8).
LLAMA_CPP_DEFAULTS: dict[str, Any] = {"temperature": 0.8, "top_p": 0.95}


def standard_specs(local: bool = False) -> list[ParamSpec]:
    """The standard chat set; for the embedded model with llama.cpp's defaults and no Reasoning
    effort (SmolLM2 does not reason)."""
    if not local:
        return list(STANDARD)
    return [replace(s, default=LLAMA_CPP_DEFAULTS.get(s.name, s.default)) for s in STANDARD
            if s.name != "reasoning_effort"]  # fmt: skip


def _non_null(prop: dict[str, Any]) -> dict[str, Any]:
    """`anyOf: [X, {"type": "null"}]` is X that may be left unset."""
    for key in ("anyOf", "oneOf"):
        options = [o for o in prop.get(key, []) if isinstance(o, dict) and o.get("type") != "null"]
        if len(options) == 1:
            return {**prop, **options[0]}
    return prop


def _spec_from_property(name: str, prop: dict[str, Any], basic: bool) -> ParamSpec:
    prop = _non_null(prop)
    t = prop.get("type")
    t = next((x for x in t if x != "null"), None) if isinstance(t, list) else t
    kind: Kind
    if name == "response_format":
        kind = "response_format"
    elif name == "stop" and t in ("array", "string", None):
        kind = "stop"
    elif isinstance(prop.get("enum"), list) and prop["enum"]:
        kind = "choice"
    elif t in ("number", "integer", "boolean", "string"):
        kind = t
    else:
        kind = "json"  # objects, arrays and anything unforeseen: a JSON field with validation
    standard = STANDARD_BY_NAME.get(name)

    def bound(key: str) -> float | None:
        v = prop.get(key)
        return v if isinstance(v, int | float) and not isinstance(v, bool) else None

    lo, hi = bound("minimum"), bound("maximum")
    if kind == "integer" and name == "seed":
        lo = SEED_RANGE[0] if lo is None else lo
        hi = SEED_RANGE[1] if hi is None else hi
    return ParamSpec(
        name=name,
        label=LABELS.get(name) or prop.get("title") or name.replace("_", " ").capitalize(),
        kind=kind,
        default=prop.get("default"),
        minimum=lo if kind in ("number", "integer") else None,
        maximum=hi if kind in ("number", "integer") else None,
        choices=tuple(prop["enum"]) if kind == "choice" else (),
        description=str(prop.get("description") or (standard.description if standard else "")),
        basic=basic,
        type_name=str(t or ("enum" if kind == "choice" else "any"))
        + (f" ({prop['format']})" if prop.get("format") else ""),
    )


def specs_for(model: dict[str, Any] | None, local: bool = False) -> list[ParamSpec]:
    """The parameters a model takes, ordered as the model pages order them: `basic` first, then
    `x-order`, then the rest as listed. No schema gives the standard chat set."""
    schema = request_schema(model)
    if schema is None:
        return standard_specs(local)
    props: dict[str, Any] = schema["properties"]
    basic = [b for b in schema.get("basic") or [] if isinstance(b, str)]
    names = [n for n in props if n not in ("model", "messages") and isinstance(props[n], dict)]

    def rank(item: tuple[int, str]) -> tuple[int, float, int]:
        i, n = item
        order = props[n].get("x-order")
        return (0 if n in basic else 1, order if isinstance(order, int | float) else math.inf, i)

    ordered = [n for _, n in sorted(enumerate(names), key=rank)]
    specs = [_spec_from_property(n, props[n], n in basic) for n in ordered]
    if "stream" not in props:  # a chat model streams even when its schema does not say so
        specs.append(STANDARD_BY_NAME["stream"])
    return specs


def check(spec: ParamSpec, value: Any) -> str | None:
    """Why `value` cannot be sent for `spec` (one sentence), or None when it can."""
    if value is None:
        return None
    label = spec.label
    if spec.kind in ("number", "integer"):
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            return f"{label} must be a number."
        if spec.kind == "integer" and not float(value).is_integer():
            return f"{label} must be a whole number."
        if spec.minimum is not None and value < spec.minimum:
            return f"{label} must be at least {_num(spec.minimum)}."
        if spec.maximum is not None and value > spec.maximum:
            return f"{label} must be at most {_num(spec.maximum)}."
    elif spec.kind == "boolean" and not isinstance(value, bool):
        return f"{label} must be on or off."
    elif spec.kind == "choice" and value not in spec.choices:
        return f"{label} must be one of {spec.range_text}."
    elif spec.kind == "stop":
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(s, str) and s for s in items):
            return f"{label} must be non-empty lines of text."
        if len(items) > MAX_STOP:
            return f"{label} takes at most {MAX_STOP} sequences; remove {len(items) - MAX_STOP}."
    elif spec.kind == "response_format":
        return check_response_format(value)
    return None


def check_response_format(value: Any) -> str | None:
    if not isinstance(value, dict) or value.get("type") not in ("text", "json_object", "json_schema"):
        return "Response format must be text, a JSON object or a JSON schema."
    if value["type"] == "json_schema":
        js = value.get("json_schema")
        if not isinstance(js, dict) or not isinstance(js.get("schema"), dict):
            return 'The JSON schema must be a JSON object, such as {"type": "object"}.'
        name = js.get("name", "")
        if not name or len(name) > 64 or not all(c.isalnum() or c in "_-" for c in name):
            return "The schema name must be 1–64 letters, digits, underscores or dashes."
    return None


def parse_json_field(text: str, label: str) -> tuple[Any, str | None]:
    """A JSON field's value, or the sentence saying why it is not JSON."""
    if not text.strip():
        return None, None
    try:
        return json.loads(text), None
    except json.JSONDecodeError as exc:
        return None, f"{label} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})."
    except RecursionError:  # json's parser is recursive: thousands of nested brackets exhaust it
        return None, f"{label} is nested too deeply to read (thousands of brackets); flatten it."


def tier_params(
    tier: str, specs: list[ParamSpec], values: dict[str, Any], tool_history: bool = False
) -> dict[str, Any]:
    """The parameters a tier shows: Minimal none; Basic the `basic` ones; All every one; each with
    the form's value where set and the model's default elsewhere. "As sent" is the form as it is.
    `tool_history`: the messages hold tool calls or results, so even Minimal keeps `tools`."""
    set_values = {k: v for k, v in values.items() if v is not None}
    if tier == "As sent":
        return set_values
    if tier == "Minimal":
        # Providers refuse tool calls and tool messages in a request that defines no tools (Anthropic's
        # and Bedrock's OpenAI-compatible endpoints, litellm's strict mode): the least complete request.
        return {"tools": set_values["tools"]} if tool_history and "tools" in set_values else {}
    chosen = [s for s in specs if s.basic] if tier == "Basic parameters" else specs
    out: dict[str, Any] = {}
    for spec in chosen:
        value = set_values.get(spec.name, spec.default)
        if value is not None:
            out[spec.name] = value
    # The tools a conversation's tool calls answer belong to the request whatever the tier: without
    # them a conversation holding `tool_calls` and `tool` messages is not a complete request.
    out |= {k: set_values[k] for k in TOOL_PARAMS if k in set_values and k not in out}
    return out
