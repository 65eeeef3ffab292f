"""Playground: chat with the chosen model, streamed, with metrics under each answer; beside it the
parameter form and the exact request as code. The form and the code are one fragment, so tuning a
parameter redraws them and never the conversation."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import streamlit as st

from lib import variables
from lib.catalog import pricing_of
from lib.curl_import import CurlImportError, import_curl
from lib.params import ParamSpec, specs_for
from lib.request import ChatRequest, Message
from lib.share import Setup, to_query
from ui import form
from ui.api_panel import api_call_panel
from ui.chat import render_message, stream_into
from ui.sidebar import ensure_local
from ui.state import Connection, new_message, providers, set_later

ss = st.session_state
messages: list[dict[str, Any]] = ss.playground_messages
conn = ss.get("connection")
specs: list[ParamSpec] = specs_for(conn.model_info if conn else None, local=conn.provider.local if conn else True)
SAMPLE = "Hello, what can you do?"
WINDOW = 20  # messages drawn at first; "Show earlier messages" adds as many again


def variable_values() -> dict[str, str]:
    texts = [ss.get(form.SYSTEM, "")] + [m["content"] for m in messages]
    return {name: ss.get(f"var_{name}", "") for name in variables.names(texts)}


def request_messages() -> list[Message]:
    """What the model is sent: the system prompt, then the conversation up to its last question,
    with {{variables}} filled."""
    values = variable_values()
    history = [Message(m["role"], variables.fill(m["content"], values)) for m in messages if m.get("content")]
    while history and history[-1].role == "assistant":
        history.pop()
    system = ss.get(form.SYSTEM, "").strip()
    head = [Message("system", variables.fill(system, values))] if system else []
    return head + (history or [Message("user", SAMPLE)])


def next_request(params: dict[str, Any]) -> ChatRequest | None:
    return ChatRequest(conn.provider, conn.model, request_messages(), params) if conn else None


def apply_import(text: str) -> None:
    """A pasted cURL command into the connection, the form and the conversation (next run)."""
    try:
        got = import_curl(text, providers())
    except CurlImportError as exc:
        ss.import_result = ("error", str(exc), [])
        return
    pid = got.provider_id
    pending: dict[str, Any] = {"provider_id": pid, f"model_{pid}": got.model, "curl_text": got.shown}
    if pid != "local":
        pending[f"base_url_{pid}"] = got.base_url
    if got.key:
        pending[f"api_key_{pid}"] = got.key
    system = [m.content for m in got.messages if m.role == "system"]
    pending[form.SYSTEM] = "\n\n".join(system)
    set_later(pending)
    messages[:] = [new_message(m.role, m.content) for m in got.messages if m.role != "system"]
    form.load(specs_for(None), got.params)  # the standard set: the new model's form keeps what applies
    moved = " The key was moved to the API key field and removed from the command." if got.key else ""
    ss.import_result = ("ok", f"Imported {got.model} with {len(got.messages)} message(s).{moved}", got.problems)
    st.rerun()


def share_link(conn: Connection, params: dict[str, Any]) -> None:
    setup = Setup(
        conn.provider.id, conn.model, None if conn.provider.local else conn.provider.base_url, params,
        ss.get(form.SYSTEM, ""), variable_values(),
        [{"role": m["role"], "content": m["content"]} for m in messages if m.get("content")],
    )  # fmt: skip
    page = (st.context.url or "http://127.0.0.1:8501/").split("?", 1)[0]
    query, note = to_query(setup, page)
    st.query_params.from_dict(query)
    ss.share_result = (page + "?" + urlencode(query), note)


@st.fragment
def side_panel() -> None:
    """Import, parameters, variables and the API call: redrawn alone when one of them changes."""
    with st.expander("Import cURL"):
        ss.setdefault("curl_text", "")
        st.text_area("Paste a curl command", key="curl_text", height=120,
                     placeholder="curl https://…/chat/completions -H … -d '{…}'")  # fmt: skip
        if st.button("Import", key="import_curl"):
            apply_import(ss.curl_text)
        result = ss.get("import_result")
        if result:
            (st.success if result[0] == "ok" else st.error)(result[1])
            for problem in result[2]:
                st.warning(problem)
    with st.expander("Parameters", expanded=True):
        form.draw(specs)
        st.text_area("System prompt", key=form.SYSTEM, height=80, placeholder="Not sent · e.g. You are concise.")
        values = variable_values()
        if values:
            st.markdown("**Variables**")
            for name in values:
                ss.setdefault(f"var_{name}", "")
                st.text_input(name, key=f"var_{name}", placeholder=f"Fills {{{{{name}}}}}")
            empty = [n for n in values if not ss.get(f"var_{n}")]
            if empty:
                st.caption("Sent as written until filled: " + ", ".join(f"{{{{{n}}}}}" for n in empty))
        params, problems = form.values(specs)
        for problem in problems:
            st.error(problem)
        st.caption(form.summary(specs, params))
        row = st.container(horizontal=True)
        row.button("Reset to defaults", on_click=form.reset, args=(specs,))
        if conn and row.button("Share link", key="share"):
            share_link(conn, params)
    shared = ss.get("share_result")
    if shared:
        st.caption("Share link (no key is ever in it):")
        st.code(shared[0], language=None, wrap_lines=True)
        if shared[1]:
            st.warning(shared[1])
    api_call_panel(next_request(params), specs)


# An answer still "running" at the start of a run was cut by this click: Streamlit starts the new run
# at once and the old one stops at its next yield point, so it may not have marked itself yet.
stop_clicked = ss.pop("playground_stop", False)
if messages and messages[-1].get("status") in ("running", "interrupted"):
    messages[-1]["status"] = "stopped" if stop_clicked else "interrupted"

# A message goes into the conversation at once; the answer streams below it in this same run.
prompt = st.chat_input("Send a message…", key="playground_input", submit_mode="stop", disabled=conn is None)
if prompt:
    messages.append(new_message("user", prompt))
retry = ss.pop("playground_retry", False)


st.title("Playground")
if ss.get("notice"):
    st.warning(ss.pop("notice"))
chat_col, side_col = st.columns([5, 4], gap="large")
with side_col:
    side_panel()

with chat_col:
    if conn is None:
        st.info("Choose a provider and a model in the sidebar to start.")
    elif not messages:
        st.caption(f"Chatting with **{conn.model}** on {conn.provider.label}. Type below; Shift+Enter adds a line.")
    # A long conversation shows its latest messages; all of them are still sent. Drawing hundreds of
    # messages makes every rerun slow in the browser (bench/ui_stream.py).
    window = ss.setdefault("chat_window", WINDOW)
    hidden = max(0, len(messages) - window)
    if hidden and st.button(f"Show earlier messages ({hidden} hidden; all are sent)", icon=":material/expand_less:"):
        ss.chat_window = window + WINDOW
        st.rerun()
    for msg in messages[hidden:]:
        render_message(msg, messages)
    last = messages[-1] if messages else None
    if last and last["role"] == "assistant" and conn is not None:
        action = last.get("error_action")
        if action == "start_local" and st.button("Start local model and retry", type="primary"):
            ss.playground_retry = True
            st.rerun()
        if action == "key" and not conn.provider.local:
            typed = st.text_input("Paste an API key for this session", type="password", key="inline_key")
            if st.button("Use this key and retry", type="primary", disabled=not typed):
                set_later({f"api_key_{conn.provider.id}": typed, "inline_key": ""})
                ss.playground_retry = True
                st.rerun()
        if last.get("finish_reason") == "length" and not last.get("error"):
            spec = next((s for s in specs if s.name == "max_tokens"), None)
            current = last.get("max_tokens") or (last.get("usage") or {}).get("completion_tokens") or 256
            raised = int(min(current * 2, spec.maximum or current * 2)) if spec else current * 2
            if spec and st.button(f"Raise Max tokens to {raised} and regenerate", type="primary"):
                set_later({form.key("max_tokens"): raised})
                ss.playground_retry = True
                st.rerun()
    if messages:
        actions = st.container(horizontal=True, key="chat-actions")
        if actions.button("Regenerate", disabled=conn is None or not any(m["role"] == "user" for m in messages)):
            while messages and messages[-1]["role"] == "assistant":
                messages.pop()
            ss.playground_retry = True
            st.rerun()
        if actions.button("Clear"):
            messages.clear()
            ss.pop("share_result", None)
            st.rerun()

if conn is not None and (prompt or retry) and messages:
    if retry and messages[-1]["role"] == "assistant":
        messages.pop()  # the failed answer is replaced by the retry
    params, problems = form.values(specs)
    problem = problems[0] if problems else (ensure_local() if conn.provider.local else None)
    if problem:
        messages.append(new_message("assistant", "", error=f"Not sent: {problem}", status="error"))
        st.rerun()
    elif messages[-1]["role"] == "user":
        request = next_request(params)
        assert request is not None
        answer = new_message("assistant", "")
        messages.append(answer)
        with chat_col:
            st.button("Stop", key="playground_stop")
            stream_into(answer, request, conn.key.value, pricing_of(conn.provider, conn.model_info))
        st.rerun()
