"""Playground: chat with the chosen model, streamed, with metrics under each answer and the exact
request as code beside it."""

from __future__ import annotations

import streamlit as st

from lib.catalog import pricing_of
from lib.request import ChatRequest, Message
from ui.api_panel import api_call_panel
from ui.chat import render_message, stream_into
from ui.sidebar import ensure_local

ss = st.session_state
messages: list[dict] = ss.playground_messages
conn = ss.get("connection")
PARAMS = {"stream": True}


def next_request() -> ChatRequest | None:
    """The request the app sends for this conversation (a sample question while it is empty)."""
    if conn is None:
        return None
    history = [Message(m["role"], m["content"]) for m in messages if m.get("content")]
    while history and history[-1].role == "assistant":
        history.pop()
    return ChatRequest(conn.provider, conn.model, history or [Message("user", "Hello, what can you do?")], PARAMS)


st.title("Playground")
if ss.pop("playground_stop", False) and messages and messages[-1].get("status") in ("running", "interrupted"):
    messages[-1]["status"] = "stopped"

chat_col, code_col = st.columns([3, 2], gap="large")
with code_col:
    api_panel = st.empty()

with chat_col:
    if conn is None:
        st.info("Choose a provider and a model in the sidebar to start.")
    for msg in messages:
        render_message(msg)
    last = messages[-1] if messages else None
    wants_start = last and last["role"] == "assistant" and last.get("error_action") == "start_local"
    if wants_start and st.button("Start local model and retry", type="primary"):
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
            st.rerun()

prompt = st.chat_input("Send a message…", key="playground_input", submit_mode="stop", disabled=conn is None)
retry = ss.pop("playground_retry", False)
if prompt:
    messages.append({"role": "user", "content": prompt})
    with chat_col:
        render_message(messages[-1])
if conn is not None and (prompt or retry) and messages:
    if retry and messages[-1]["role"] == "assistant":
        messages.pop()  # the failed answer is replaced by the retry
    problem = ensure_local() if conn.provider.local else None  # restarts the local model if it stopped
    if problem:
        with chat_col:
            st.error(problem)
    elif messages[-1]["role"] == "user":
        request = next_request()
        assert request is not None
        answer: dict = {"role": "assistant", "content": ""}
        messages.append(answer)
        with api_panel.container():
            api_call_panel(request)
        with chat_col:
            st.button("Stop", key="playground_stop")
            stream_into(answer, request, conn.key.value, pricing_of(conn.provider, None))
        st.rerun()

with api_panel.container():
    api_call_panel(next_request())
