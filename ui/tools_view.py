"""Beyond text in the Playground: the "Tools" editor with "Tool choice", "Parallel tool calls" and
"Mock tools"; "Show token probabilities"; tool-call cards (filling in while they stream), a "Tool
result" field per call and "Send tool results"; the schema check of a structured answer.

The section's widgets live under the parameter form's keys (`param_tools`, ...), in the form's
scope, so `ui.form.values()` sends them with the other parameters and a reload keeps them.
"""

from __future__ import annotations

import json
import re
from typing import Any

import streamlit as st

from lib import tools
from lib.conversation import ChatMessage
from lib.events import ToolCall, ToolCallDelta
from lib.structured import check_answer
from ui import keys

TOOLS, CHOICE, PARALLEL, MOCK, MOCK_RESULTS = (
    "tools",
    "tool_choice",
    "parallel_tool_calls",
    "mock_tools",
    "mock_results",
)
LOGPROBS, TOP = "logprobs", "top_logprobs"
TOP_DEFAULT, TOP_MAX = 5, 20  # OpenAI takes 0–20 alternatives per token
CHOICE_NOT_SENT = "Not sent · auto when tools are sent"


def _key(name: str, part: str = "") -> str:
    from ui.form import _SCOPE  # the form's scope (a Compare pane's prefix), read at call time

    return _SCOPE.get() + keys.param(name, part)


def _load_example() -> None:
    st.session_state[_key(TOOLS)] = tools.EXAMPLE_TOOLS
    st.session_state.setdefault(_key(MOCK_RESULTS), tools.EXAMPLE_MOCKS)


def draw() -> None:
    """The section: tools, their choice and mocks, then token probabilities."""
    ss = st.session_state
    ss.setdefault(_key(TOOLS), "")
    st.text_area(
        "Tools", key=_key(TOOLS), height=160, placeholder="Not sent · a JSON array of function definitions",
        help="Functions the model may call, as OpenAI's `tools` array: each "
        '{"type": "function", "function": {"name", "description", "parameters"}}.',
    )  # fmt: skip
    parsed, problems = tools.parse_tools(ss[_key(TOOLS)])
    for problem in problems:
        st.error(problem)
    if not ss[_key(TOOLS)].strip():
        from ui.form import _SCOPE  # a button's key must not be a persistent `param_` one (it cannot be set)

        st.button("Start from an example", key=_SCOPE.get() + "tools_example", on_click=_load_example)
    names = tools.function_names(parsed)
    options = [*tools.CHOICES, *names]
    if ss.get(_key(CHOICE)) not in [None, *options]:
        ss[_key(CHOICE)] = None  # a function that is no longer defined
    ss.setdefault(_key(CHOICE), None)
    st.selectbox("Tool choice", options, key=_key(CHOICE), placeholder=CHOICE_NOT_SENT, disabled=not parsed,
                 format_func=lambda o: o if o in tools.CHOICES else f"Call {o}",
                 help="auto: the model decides; none: no calls; required: at least one; or one function.")  # fmt: skip
    ss.setdefault(_key(PARALLEL), None)
    st.selectbox("Parallel tool calls", [True, False], key=_key(PARALLEL), disabled=not parsed,
                 format_func=lambda v: "true" if v else "false", placeholder="Not sent · provider default",
                 help="Whether the model may call several functions in one answer.")  # fmt: skip
    ss.setdefault(_key(MOCK), False)
    st.toggle("Mock tools", key=_key(MOCK), disabled=not parsed,
              help="Answer each call with a canned result per function, so a demo runs by itself.")  # fmt: skip
    if ss[_key(MOCK)] and parsed:
        ss.setdefault(_key(MOCK_RESULTS), tools.EXAMPLE_MOCKS)
        st.text_area("Mock results", key=_key(MOCK_RESULTS), height=100,
                     help="A JSON object: each function's name and the result it returns.")  # fmt: skip
        mock_problem = tools.parse_mocks(ss[_key(MOCK_RESULTS)])[1]
        if mock_problem:
            st.error(mock_problem)
    ss.setdefault(_key(LOGPROBS), False)
    st.toggle("Show token probabilities", key=_key(LOGPROBS),
              help="Sends `logprobs` and `top_logprobs`: each answer token is shaded by its probability.")  # fmt: skip
    if ss[_key(LOGPROBS)]:
        ss.setdefault(_key(TOP), TOP_DEFAULT)
        st.number_input("Top alternatives", min_value=0, max_value=TOP_MAX, step=1, key=_key(TOP),
                        help="How many likely alternatives to list for each token (top_logprobs).")  # fmt: skip


def values() -> tuple[dict[str, Any], list[str]]:
    """The section's parameters to send (none when it was never drawn) and what blocks sending."""
    ss = st.session_state
    out: dict[str, Any] = {}
    parsed, problems = tools.parse_tools(ss.get(_key(TOOLS)) or "")
    if parsed:
        out[TOOLS] = parsed
        choice = tools.tool_choice(ss.get(_key(CHOICE)))
        if choice is not None:
            out[CHOICE] = choice
        if ss.get(_key(PARALLEL)) is not None:
            out[PARALLEL] = ss[_key(PARALLEL)]
        if ss.get(_key(MOCK)):
            problem = tools.parse_mocks(ss.get(_key(MOCK_RESULTS)) or "")[1]
            problems += [problem] if problem else []
    if ss.get(_key(LOGPROBS)):
        out[LOGPROBS] = True
        top = ss.get(_key(TOP), TOP_DEFAULT)
        if isinstance(top, int):
            out[TOP] = top
    return out, problems


def load(params: dict[str, Any]) -> dict[str, Any]:
    """Put a request's tools and token-probability settings into the section; the other parameters."""
    ss = st.session_state
    rest = dict(params)
    if isinstance(rest.get(TOOLS), list) and not tools.check_tools(rest[TOOLS]):
        ss[_key(TOOLS)] = json.dumps(rest.pop(TOOLS), indent=2)
        label = tools.choice_label(rest.get(CHOICE))
        if label is not None:
            rest.pop(CHOICE)
        ss[_key(CHOICE)] = label
        if isinstance(rest.get(PARALLEL), bool):
            ss[_key(PARALLEL)] = rest.pop(PARALLEL)
    if rest.get(LOGPROBS) is True:
        rest.pop(LOGPROBS)
        ss[_key(LOGPROBS)] = True
        top = rest.get(TOP)
        if isinstance(top, int) and 0 <= top <= TOP_MAX:
            ss[_key(TOP)] = rest.pop(TOP)
    return rest


def reset() -> None:
    for name in (TOOLS, CHOICE, PARALLEL, MOCK, LOGPROBS, TOP):
        st.session_state.pop(_key(name), None)


def mocks() -> dict[str, Any] | None:
    """The canned results when Mock tools is on (and they parse), else None."""
    ss = st.session_state
    if not ss.get(_key(MOCK)):
        return None
    value, problem = tools.parse_mocks(ss.get(_key(MOCK_RESULTS)) or "")
    return None if problem else value


# -- the conversation ------------------------------------------------------------------------------
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~:$])")


def plain(text: str) -> str:
    """Model text (a function name, a call id, a schema error quoting the answer) as literal Markdown:
    every character Markdown could read as syntax escaped, so a name cannot become a link or markup."""
    return _MARKDOWN.sub(r"\\\1", text)


def _card(call: dict[str, Any], final: bool, key: str | None) -> None:
    fn = call.get("function") or {}
    with st.container(border=True, key=key):
        st.markdown(f":material/build: **{plain(fn.get('name') or '…')}** · {plain(call.get('id') or 'no id')}")
        args = tools.pretty_arguments(fn.get("arguments") or "")
        if args.valid:
            st.code(args.text, language="json")
        else:
            st.code(args.text, language=None, wrap_lines=True)
            if final:
                st.warning("These arguments are not valid JSON; they are shown as they arrived.")
            else:
                st.caption("Arguments arriving…")


def cards(msg: ChatMessage) -> None:
    for i, call in enumerate(msg.tool_calls or ()):
        _card(call, True, f"tool-call-{msg.id}-{i}")


class LiveCalls:
    """The cards of an answer's tool calls, redrawn as their deltas arrive (merged by index, as
    lib.stream_state merges them for the result)."""

    def __init__(self) -> None:
        self.slot = st.empty()
        self.calls: dict[int, ToolCall] = {}

    def update(self, delta: ToolCallDelta) -> None:
        call = self.calls.setdefault(delta.index, ToolCall())
        call.id = delta.id or call.id
        if delta.name and call.name != delta.name:
            call.name += delta.name
        call.arguments += delta.arguments
        with self.slot.container():
            for i in sorted(self.calls):
                # No key: a keyed element may be drawn once per run, and these are redrawn per delta.
                _card(tools.as_openai([self.calls[i]])[0] | {"id": self.calls[i].id}, False, None)


def pending(messages: list[ChatMessage]) -> ChatMessage | None:
    """The last message, when it is an answer whose tool calls wait for their results."""
    last = messages[-1] if messages else None
    return last if last is not None and last.role == "assistant" and last.tool_calls else None


def rounds(messages: list[ChatMessage]) -> int:
    """Answers with tool calls since the last question: how long Mock tools has been answering."""
    n = 0
    for m in reversed(messages):
        if m.role == "user":
            break
        n += m.role == "assistant" and bool(m.tool_calls)
    return n


def tool_messages(answer: ChatMessage, results: list[str], new_message: Any) -> list[ChatMessage]:
    """One `tool` message per call, in the calls' order."""
    out = []
    for call, result in zip(answer.tool_calls or (), results, strict=True):
        msg = new_message("tool", result)
        msg.tool_call_id, msg.name = call["id"], call["function"]["name"]
        out.append(msg)
    return out


def result_fields(answer: ChatMessage, messages: list[ChatMessage]) -> None:
    """Under an answer's calls: a "Tool result" field each, and "Send tool results"."""
    from ui.chat import ask_again
    from ui.state import new_message

    ss = st.session_state
    for i, call in enumerate(answer.tool_calls or ()):
        st.text_area("Tool result", key=f"tool_result_{answer.id}_{i}", height=68,
                     placeholder=f"What {call['function']['name']} returned, e.g. JSON")  # fmt: skip
    if st.button("Send tool results", key=f"send_tool_results_{answer.id}", type="primary"):
        results = [ss.get(f"tool_result_{answer.id}_{i}") or "" for i in range(len(answer.tool_calls or ()))]
        messages.extend(tool_messages(answer, results, new_message))
        ask_again()


def auto_answer(messages: list[ChatMessage]) -> bool:
    """With Mock tools on: answer the last answer's calls with their canned results and ask again.
    False when there is nothing to answer, a function has no canned result, or it has gone on for
    MAX_MOCK_ROUNDS answers (a model that keeps calling)."""
    from ui.state import new_message

    answer, canned = pending(messages), mocks()
    if answer is None or canned is None or answer.status != "complete" or rounds(messages) > tools.MAX_MOCK_ROUNDS:
        return False
    results = tools.mock_results(answer.tool_calls or [], canned)
    if results is None:
        return False
    messages.extend(tool_messages(answer, results, new_message))
    st.session_state[keys.RETRY] = True
    return True


def tool_result(msg: ChatMessage) -> None:
    """A `tool` message: which call it answers, and the result as sent."""
    st.caption(f":material/output: Result of **{plain(msg.name or 'a tool')}** · {plain(msg.tool_call_id or '')}")
    st.code(msg.content or " ", language="json" if _is_json(msg.content) else None, wrap_lines=True)


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def structured(msg: ChatMessage) -> bool:
    """A finished answer that was asked for JSON (a schema or any object): it gets its check."""
    return msg.status == "complete" and check_answer(msg.response_format, msg.content) is not None


def structured_answer(msg: ChatMessage, text_markdown: str) -> None:
    """The answer as written beside it pretty-printed as JSON (when it parses), then the verdict."""
    check = check_answer(msg.response_format, msg.content)
    if check is not None and check.pretty is not None:
        left, right = st.columns(2)
        left.caption("As answered")
        left.markdown(text_markdown)
        right.caption("As JSON")
        right.code(check.pretty, language="json")
    else:
        st.markdown(text_markdown)
    schema_check(msg, pretty=False)


def schema_check(msg: ChatMessage, pretty: bool = True) -> None:
    """Under a finished structured answer: the check's verdict (and, `pretty`, the answer as JSON)."""
    check = check_answer(msg.response_format, msg.content)
    if check is None:
        return
    with st.container(key=f"schema-check-{msg.id}"):
        if check.valid:
            st.success(check.summary, icon=":material/check_circle:")
        else:
            listed = "\n".join(f"- {plain(e)}" for e in check.errors)
            st.error(check.summary + "\n\n" + listed, icon=":material/error:")
        if pretty and check.pretty is not None:
            st.code(check.pretty, language="json")
