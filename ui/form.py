"""The parameter form, drawn from a `ParamSpec` list (the model's schema or the standard chat set).

A parameter the person did not set is not sent (the provider's default applies), and says so. A
number field starts at the model's default, so its −/+ steppers work at once, but it is sent only
once the person changes it; clearing it (×) goes back to the default, not sent. Widget values live in
session state under `keys.param(name)` (under a prefix within `scoped`), so `values()` can read the
form anywhere (the chat sends it, the API-call panel shows it) without drawing it again. Each field's
problem is said under the field, and nothing is sent while there is one.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import streamlit as st

from lib.params import MAX_STOP, ParamSpec, check, check_response_format, parse_json_field
from ui import keys

_SCOPE: ContextVar[str] = ContextVar("form_scope", default="")
JS_SAFE = 2**53 - 1  # the browser's number input cannot hold more
RF_LABELS = {"text": "Text", "json_object": "JSON object", "json_schema": "JSON schema"}
RF_NOT_SENT = "Not sent · text"  # what the provider does with no response format: plain text
EXAMPLE_SCHEMA = '{\n  "type": "object",\n  "properties": {"answer": {"type": "string"}},\n  "required": ["answer"]\n}'
EXTRA_LABEL = "Other parameters (JSON)"


@contextmanager
def scoped(prefix: str) -> Iterator[None]:
    """Within it, the form's widgets and values live under keys that begin with `prefix`: another
    form (a Compare pane's) beside the Playground's, drawn and read by the same code."""
    token = _SCOPE.set(prefix)
    try:
        yield
    finally:
        _SCOPE.reset(token)


def _key(name: str, part: str = "") -> str:
    return _SCOPE.get() + keys.param(name, part)


def _extra_key() -> str:
    return _SCOPE.get() + keys.PARAM_EXTRA


def shown(specs: list[ParamSpec]) -> bool:
    """Whether the form's fields hold values (Streamlit forgets a field that was not drawn in a run)."""
    return any(_key(spec.name) in st.session_state for spec in specs)


def _default_text(spec: ParamSpec) -> str:
    return f"Not sent · default {spec.default}" if spec.default is not None else "Not sent · provider default"


def _is_number(spec: ParamSpec) -> bool:
    return spec.kind in ("number", "integer")


def _start(spec: ParamSpec) -> int | float | None:
    """Where a number field starts: the model's default, in the field's own type (Streamlit wants one
    type for a field's value and step)."""
    d = spec.default
    if isinstance(d, bool) or not isinstance(d, int | float):
        return None
    return int(d) if spec.kind == "integer" and float(d).is_integer() else float(d)


def _sent_key(spec: ParamSpec) -> str:
    return _key(spec.name, "set")


def _changed(spec: ParamSpec, scope: str = "") -> None:
    """A number field changed: sent from now on; cleared (×): back to its default, not sent. (A
    callback runs before the script, outside any `scoped`: the scope comes with it.)"""
    with scoped(scope):
        _number_changed(spec)


def _number_changed(spec: ParamSpec) -> None:
    ss = st.session_state
    if ss.get(_key(spec.name)) is None:
        ss[_sent_key(spec)] = False
        ss[_key(spec.name)] = _start(spec)
    else:
        ss[_sent_key(spec)] = True


def set_number_later(name: str, value: float) -> dict[str, Any]:
    """The pending widget values (ui.state.set_later) that put `value` in a number field, sent."""
    return {_key(name): value, _key(name, "set"): True}


def reset(specs: list[ParamSpec]) -> None:
    """Back to defaults: nothing sent but Stream (the Playground streams)."""
    ss = st.session_state
    for spec in specs:
        for part in ("", "name", "schema", "set"):
            ss.pop(_key(spec.name, part), None)
    ss.pop(_extra_key(), None)
    ss[_key("stream")] = True
    from ui import tools_view  # the tools and token-probability section (#15) lives beside the form

    tools_view.reset()


def _init(k: str, value: Any) -> None:
    if k not in st.session_state:
        st.session_state[k] = value


def _fit(spec: ParamSpec, k: str, options: list[Any]) -> None:
    """A choice kept from another model that this model does not offer goes back to unset, said once
    (a select box given a value outside its options would fail). Numbers stay as they are: a value
    out of this model's range is said under its field and blocks sending until it is changed."""
    ss = st.session_state
    value = ss.get(k)
    if value is None or any(value is o or (value == o and type(value) is type(o)) for o in options):
        return
    ss[k] = None
    st.caption(f"{spec.label} {value} is not a choice for this model; it is now unset.")


def _number(spec: ParamSpec, help_text: str | None) -> None:
    k = _key(spec.name)
    ss = st.session_state
    if not ss.get(_sent_key(spec)):  # not set: show this model's default (it may have just changed)
        ss[_sent_key(spec)] = False
        ss[k] = _start(spec)
    is_int = spec.kind == "integer"
    # Only the browser's own limits here: a value out of the model's range must reach the app to be
    # explained under the field (a widget bound keeps it in the browser, red, and sends without it).
    st.number_input(
        spec.label, value=None, min_value=-JS_SAFE if is_int else None, max_value=JS_SAFE if is_int else None,
        step=1 if is_int else 0.05, format=None if is_int else "%.2f", key=k, placeholder=_default_text(spec),
        help=help_text, on_change=_changed, args=(spec, _SCOPE.get()),
    )  # fmt: skip
    if not ss[_sent_key(spec)] and ss[k] is not None:
        st.caption(f"Not sent · the default {spec.default} applies")


def _problem_under(spec: ParamSpec) -> None:
    """The field's problem, right under it."""
    problem = _value(spec)[1]
    if problem:
        st.error(problem)


def _draw_one(spec: ParamSpec) -> None:
    k = _key(spec.name)
    help_text = spec.description or None
    if _is_number(spec):
        _number(spec, help_text)
    elif spec.kind == "boolean" and spec.name == "stream":
        _init(k, True)
        st.toggle(spec.label, key=k, help="On: the answer streams in as it is written. Off: not sent.")
    elif spec.kind in ("boolean", "choice"):
        _init(k, None)
        options = [True, False] if spec.kind == "boolean" else list(spec.choices)
        _fit(spec, k, options)

        def show(v: Any) -> str:
            return json.dumps(v) if isinstance(v, bool) else str(v)

        # No selection is "not sent": the placeholder says so, and × clears a choice back to it.
        st.selectbox(spec.label, options, key=k, help=help_text, format_func=show, placeholder=_default_text(spec))
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
        _fit(spec, k, list(RF_LABELS))
        choice = st.selectbox(spec.label, list(RF_LABELS), key=k, format_func=RF_LABELS.__getitem__,
                              help=help_text, placeholder=RF_NOT_SENT)  # fmt: skip
        if choice == "json_schema":
            _init(_key(spec.name, "name"), "answer")
            _init(_key(spec.name, "schema"), EXAMPLE_SCHEMA)
            st.text_input("Schema name", key=_key(spec.name, "name"))
            st.text_area("JSON schema", key=_key(spec.name, "schema"), height=150)
    else:
        _init(k, "")
        st.text_area(f"{spec.label} (JSON)", key=k, height=68, placeholder=_default_text(spec), help=help_text)
    _problem_under(spec)


def _extra_problem() -> str | None:
    extra, problem = parse_json_field(st.session_state.get(_extra_key(), ""), "Other parameters")
    if problem:
        return problem
    if extra is not None and not isinstance(extra, dict):
        return 'Other parameters must be a JSON object, such as {"top_k": 40}.'
    return None


def draw(specs: list[ParamSpec]) -> None:
    """Basic parameters first, the rest under "All parameters" (opened, and saying so, while one of
    them has a problem, so no sentence hides in a closed expander), then the system prompt and extras."""
    basic = [s for s in specs if s.basic] or specs[:3]
    rest = [s for s in specs if s not in basic]
    for spec in basic:
        _draw_one(spec)
    if rest:
        to_fix = sum(1 for s in rest if _value(s)[1]) + (1 if _extra_problem() else 0)
        label = "All parameters" + (f" · {to_fix} to fix" if to_fix else "")
        with st.expander(label, expanded=bool(to_fix)):
            for spec in rest:
                _draw_one(spec)
            _init(_extra_key(), "")
            st.text_area(
                EXTRA_LABEL, key=_extra_key(), height=68, placeholder='Not sent · e.g. {"top_k": 40}',
                help="Any other fields the provider takes, as a JSON object; they are sent as written.",
            )  # fmt: skip
            problem = _extra_problem()
            if problem:
                st.error(problem)


def _value(spec: ParamSpec) -> tuple[Any, str | None]:
    ss = st.session_state
    raw = ss.get(_key(spec.name))
    if _is_number(spec) and not ss.get(_sent_key(spec)):
        return None, None  # showing the default, not sent
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
            schema, problem = parse_json_field(ss.get(_key(spec.name, "schema"), ""), "The JSON schema")
            if problem:
                return None, problem
            value["json_schema"] = {"name": ss.get(_key(spec.name, "name"), ""), "schema": schema, "strict": True}
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
    from ui import tools_view

    more, more_problems = tools_view.values()
    out.update(more)
    problems += more_problems
    problem = _extra_problem()
    extra, _ = parse_json_field(st.session_state.get(_extra_key(), ""), "Other parameters")
    if problem:
        problems.append(problem)
    elif extra:
        out.update({k: v for k, v in extra.items() if k not in ("model", "messages")})
    return out, problems


def _holds(spec: ParamSpec, value: Any) -> bool:
    """Whether the parameter's widget can show `value` (it may still be out of range: then the
    sentence under the field says so and nothing is sent until it is changed)."""
    if _is_number(spec):
        real = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        return real and (spec.kind == "number" or float(value).is_integer())
    if spec.kind == "stop":
        items = [value] if isinstance(value, str) else value
        return isinstance(items, list) and all(isinstance(i, str) and i and "\n" not in i for i in items)
    if spec.kind == "response_format":
        return check_response_format(value) is None
    if spec.kind == "string":
        return isinstance(value, str)
    return check(spec, value) is None


def load(specs: list[ParamSpec], params: dict[str, Any]) -> None:
    """Put a request's parameters into the form (before it is drawn): known ones into their widgets,
    the rest into "Other parameters"."""
    ss = st.session_state
    reset(specs)
    ss[_key("stream")] = bool(params.get("stream"))
    by_name = {s.name: s for s in specs}
    extra: dict[str, Any] = {}
    from ui import tools_view

    for name, value in tools_view.load(params).items():
        spec = by_name.get(name)
        if name == "stream" and spec:
            continue
        if spec is None or not _holds(spec, value):
            extra[name] = value
        elif spec.kind == "stop":
            ss[_key(name)] = "\n".join([value] if isinstance(value, str) else value)
        elif spec.kind == "response_format":
            ss[_key(name)] = value["type"]
            if value["type"] == "json_schema":
                ss[_key(name, "name")] = value["json_schema"].get("name", "")
                ss[_key(name, "schema")] = json.dumps(value["json_schema"].get("schema"), indent=2)
        elif spec.kind == "json":
            ss[_key(name)] = json.dumps(value)
        elif _is_number(spec):
            ss[_key(name)] = int(value) if spec.kind == "integer" else float(value)
            ss[_sent_key(spec)] = True
        else:
            ss[_key(name)] = value
    if extra:
        ss[_extra_key()] = json.dumps(extra)


def summary(specs: list[ParamSpec], sent: dict[str, Any]) -> str:
    """'Sent: Temperature, Stream · Not sent (provider defaults): Top P, …'."""
    on = [s.label for s in specs if s.name in sent]
    off = [s.label for s in specs if s.name not in sent]
    parts = [f"Sent: {', '.join(on)}" if on else "Sent: no parameters"]
    if off:
        parts.append(f"Not sent (provider defaults): {', '.join(off)}")
    return " · ".join(parts)
