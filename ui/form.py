"""The parameter form, drawn from a `ParamSpec` list (the model's schema or the standard chat set).

An empty field is not sent (the provider's default applies), and says so in its placeholder. Widget
values live in session state under `keys.param(name)`, so `values()` can read the form anywhere
(the chat sends it, the API-call panel shows it) without drawing it again.
"""

from __future__ import annotations

import json
from typing import Any

import streamlit as st

from lib.params import MAX_STOP, ParamSpec, check, parse_json_field
from ui import keys

JS_SAFE = 2**53 - 1  # the browser's number input cannot hold more
RF_LABELS = {None: "Not sent", "text": "Text", "json_object": "JSON object", "json_schema": "JSON schema"}
EXAMPLE_SCHEMA = '{\n  "type": "object",\n  "properties": {"answer": {"type": "string"}},\n  "required": ["answer"]\n}'


def _default_text(spec: ParamSpec) -> str:
    return f"Not sent · default {spec.default}" if spec.default is not None else "Not sent · provider default"


def reset(specs: list[ParamSpec]) -> None:
    """Back to defaults: nothing sent but Stream (the Playground streams)."""
    ss = st.session_state
    for spec in specs:
        for part in ("", "name", "schema"):
            ss.pop(keys.param(spec.name, part), None)
    ss.pop(keys.PARAM_EXTRA, None)
    ss[keys.param("stream")] = True


def _init(k: str, value: Any) -> None:
    if k not in st.session_state:
        st.session_state[k] = value


def _fit(spec: ParamSpec, k: str) -> None:
    """A value kept from another model that this model does not take goes back to unset, said once
    (a widget given a value outside its range would fail)."""
    ss = st.session_state
    value = ss.get(k)
    if value is None:
        return
    problem = check(spec, value)
    if spec.kind == "choice" and value not in spec.choices:
        problem = f"{spec.label} {value} is not a choice here."
    if problem:
        ss[k] = None
        st.caption(f"{spec.label} was {value}, which this model does not take ({problem}); it is now unset.")


def _draw_one(spec: ParamSpec) -> None:
    k = keys.param(spec.name)
    help_text = spec.description or None
    if spec.kind in ("number", "integer", "choice"):
        _fit(spec, k)
    if spec.kind in ("number", "integer"):
        _init(k, None)
        is_int = spec.kind == "integer"
        lo, hi = spec.minimum, spec.maximum
        cast = int if is_int else float  # Streamlit wants every number of one type
        lo = max(cast(lo), -JS_SAFE) if lo is not None else None
        hi = min(cast(hi), JS_SAFE) if hi is not None else None
        st.number_input(
            spec.label, value=None, min_value=lo, max_value=hi, step=1 if is_int else 0.05,
            format=None if is_int else "%.2f", key=k, placeholder=_default_text(spec), help=help_text,
        )  # fmt: skip
    elif spec.kind == "boolean" and spec.name == "stream":
        _init(k, True)
        st.toggle(spec.label, key=k, help="On: the answer streams in as it is written. Off: not sent.")
    elif spec.kind in ("boolean", "choice"):
        _init(k, None)
        options = [None, True, False] if spec.kind == "boolean" else [None, *spec.choices]

        def show(v: Any) -> str:
            return _default_text(spec) if v is None else json.dumps(v) if isinstance(v, bool) else str(v)

        st.selectbox(spec.label, options, key=k, help=help_text, format_func=show)
    elif spec.kind == "string" and spec.type_name.endswith(("(textarea)", "(multiline)")):
        _init(k, "")
        st.text_area(spec.label, key=k, height=80, placeholder=_default_text(spec), help=help_text)
    elif spec.kind == "string":
        _init(k, "")
        st.text_input(spec.label, key=k, placeholder=_default_text(spec), help=help_text)
    elif spec.kind == "stop":
        _init(k, "")
        st.text_area(spec.label, key=k, height=68, placeholder=f"Not sent · one per line, up to {MAX_STOP}",
                     help=help_text)  # fmt: skip
    elif spec.kind == "response_format":
        _init(k, None)
        choices: list[str | None] = list(RF_LABELS)
        choice = st.selectbox(spec.label, choices, key=k, format_func=lambda v: RF_LABELS[v], help=help_text)
        if choice == "json_schema":
            _init(keys.param(spec.name, "name"), "answer")
            _init(keys.param(spec.name, "schema"), EXAMPLE_SCHEMA)
            st.text_input("Schema name", key=keys.param(spec.name, "name"))
            st.text_area("JSON schema", key=keys.param(spec.name, "schema"), height=150)
    else:
        _init(k, "")
        st.text_area(f"{spec.label} (JSON)", key=k, height=68, placeholder=_default_text(spec), help=help_text)


def draw(specs: list[ParamSpec]) -> None:
    """Basic parameters first, the rest under "All parameters", then the system prompt and extras."""
    basic = [s for s in specs if s.basic] or specs[:3]
    rest = [s for s in specs if s not in basic]
    for spec in basic:
        _draw_one(spec)
    if rest:
        with st.expander("All parameters"):
            for spec in rest:
                _draw_one(spec)
            _init(keys.PARAM_EXTRA, "")
            st.text_area(
                "Other parameters (JSON)", key=keys.PARAM_EXTRA, height=68, placeholder='Not sent · e.g. {"top_k": 40}',
                help="Any other fields the provider takes, as a JSON object; they are sent as written.",
            )  # fmt: skip


def _value(spec: ParamSpec) -> tuple[Any, str | None]:
    ss = st.session_state
    raw = ss.get(keys.param(spec.name))
    if spec.kind == "boolean" and spec.name == "stream":
        return (True if raw else None), None
    if spec.kind == "stop":
        lines = [line for line in (raw or "").splitlines() if line]
        value: Any = lines or None
    elif spec.kind == "response_format":
        if raw is None:
            return None, None
        value = {"type": raw}
        if raw == "json_schema":
            schema, problem = parse_json_field(ss.get(keys.param(spec.name, "schema"), ""), "The JSON schema")
            if problem:
                return None, problem
            value["json_schema"] = {"name": ss.get(keys.param(spec.name, "name"), ""), "schema": schema, "strict": True}
            if isinstance(schema, dict):
                from jsonschema import Draft202012Validator
                from jsonschema.exceptions import SchemaError

                try:
                    Draft202012Validator.check_schema(schema)
                except SchemaError as exc:
                    return None, f"The JSON schema is not a valid JSON Schema: {exc.message}."
    elif spec.kind == "json":
        value, problem = parse_json_field(raw or "", spec.label)
        if problem:
            return None, problem
    elif spec.kind == "string":
        value = raw or None
    else:
        value = raw
    if spec.kind == "integer" and isinstance(value, float) and value.is_integer():
        value = int(value)
    return value, check(spec, value)


def values(specs: list[ParamSpec]) -> tuple[dict[str, Any], list[str]]:
    """The parameters to send (set ones only, in spec order) and a sentence for each that cannot be."""
    out: dict[str, Any] = {}
    problems: list[str] = []
    for spec in specs:
        value, problem = _value(spec)
        if problem:
            problems.append(problem)
        elif value is not None:
            out[spec.name] = value
    extra, problem = parse_json_field(st.session_state.get(keys.PARAM_EXTRA, ""), "Other parameters")
    if problem:
        problems.append(problem)
    elif extra is not None and not isinstance(extra, dict):
        problems.append('Other parameters must be a JSON object, such as {"top_k": 40}.')
    elif extra:
        out.update({k: v for k, v in extra.items() if k not in ("model", "messages")})
    return out, problems


def load(specs: list[ParamSpec], params: dict[str, Any]) -> None:
    """Put a request's parameters into the form (before it is drawn): known ones into their widgets,
    the rest into "Other parameters"."""
    ss = st.session_state
    reset(specs)
    ss[keys.param("stream")] = bool(params.get("stream"))
    by_name = {s.name: s for s in specs}
    extra: dict[str, Any] = {}
    for name, value in params.items():
        spec = by_name.get(name)
        if name == "stream" and spec:
            continue
        if spec is None or check(spec, value) is not None:
            extra[name] = value
        elif spec.kind == "stop":
            ss[keys.param(name)] = "\n".join([value] if isinstance(value, str) else value)
        elif spec.kind == "response_format":
            ss[keys.param(name)] = value["type"]
            if value["type"] == "json_schema":
                ss[keys.param(name, "name")] = value["json_schema"].get("name", "")
                ss[keys.param(name, "schema")] = json.dumps(value["json_schema"].get("schema"), indent=2)
        elif spec.kind == "json":
            ss[keys.param(name)] = json.dumps(value)
        else:
            ss[keys.param(name)] = value
    if extra:
        ss[keys.PARAM_EXTRA] = json.dumps(extra)


def summary(specs: list[ParamSpec], sent: dict[str, Any]) -> str:
    """'Sent: Temperature, Stream · Not sent (provider defaults): Top P, …'."""
    on = [s.label for s in specs if s.name in sent]
    off = [s.label for s in specs if s.name not in sent]
    parts = [f"Sent: {', '.join(on)}" if on else "Sent: no parameters"]
    if off:
        parts.append(f"Not sent (provider defaults): {', '.join(off)}")
    return " · ".join(parts)
