"""Playground: chat with the chosen model, streamed, with metrics under each answer."""

from __future__ import annotations

import streamlit as st

from lib.catalog import pricing_of
from lib.request import ChatRequest, Message
from ui.chat import render_message, stream_into
from ui.sidebar import ensure_local

ss = st.session_state
messages: list[dict] = ss.playground_messages
conn = ss.get("connection")

st.title("Playground")
if conn is None:
    st.info("Choose a provider and a model in the sidebar to start.")

if ss.pop("playground_stop", False) and messages and messages[-1].get("status") in ("running", "interrupted"):
    messages[-1]["status"] = "stopped"

for msg in messages:
    render_message(msg)

last = messages[-1] if messages else None
wants_start = last and last["role"] == "assistant" and last.get("error_action") == "start_local"
if wants_start and st.button("Start local model and retry", type="primary"):
    ss.playground_retry = True
    st.rerun()

actions = st.container(horizontal=True, key="chat-actions")
if messages:
    if actions.button("Regenerate", disabled=conn is None or not any(m["role"] == "user" for m in messages)):
        while messages and messages[-1]["role"] == "assistant":
            messages.pop()
        ss.playground_retry = True
        st.rerun()
    if actions.button("Clear"):
        messages.clear()
        st.rerun()

prompt = st.chat_input("Send a message…", key="playground_input", submit_mode="stop", disabled=conn is None)
if prompt:
    messages.append({"role": "user", "content": prompt})
    render_message(messages[-1])
retry = ss.pop("playground_retry", False)
if conn is not None and (prompt or retry) and messages:
    if retry and messages[-1]["role"] == "assistant":
        messages.pop()  # the failed answer is replaced by the retry
    if conn.provider.local:
        problem = ensure_local()  # restarts the local model if it was stopped
        if problem:
            st.error(problem)
            st.stop()
    if messages[-1]["role"] == "user":
        request = ChatRequest(
            conn.provider,
            conn.model,
            [Message(m["role"], m["content"]) for m in messages if m.get("content")],
            {"stream": True},
        )
        answer: dict = {"role": "assistant", "content": ""}
        messages.append(answer)
        st.button("Stop", key="playground_stop")
        stream_into(answer, request, conn.key.value, pricing_of(conn.provider, None))
        st.rerun()
