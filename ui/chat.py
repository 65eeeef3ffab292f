"""Chat rendering, the streaming loop that keeps every delta in session state, and the buttons under a
conversation (fix and retry, Regenerate, Clear)."""

from __future__ import annotations

import streamlit as st

from lib.client import ChatClient
from lib.conversation import ChatMessage, drop_answers, has_question, metrics_line, raised_max_tokens
from lib.events import Done, Pricing, ReasoningDelta, RefusalDelta, TextDelta
from lib.params import ParamSpec
from lib.providers import Provider
from lib.request import ChatRequest
from lib.safe_markdown import safe_markdown
from ui import form, keys
from ui.live_markdown import LiveMarkdown, LiveReasoning
from ui.state import set_later

STATUS_NOTE = {
    "stopped": "Stopped: the answer above is what arrived before Stop.",
    "interrupted": "Interrupted by another action: the answer above is what arrived before it.",
    "incomplete": "Incomplete: the stream ended without saying it was finished.",
}
WINDOW = 20  # messages drawn at first; "Show earlier messages" adds as many again


def _edit_box(msg: ChatMessage) -> None:
    ss = st.session_state
    text = st.text_area("Edit message", msg.content, key=keys.edit_text(msg.id), height=120)
    row = st.container(horizontal=True)
    if row.button("Save", key=keys.edit_save(msg.id), type="primary"):
        msg.content = text
        ss[keys.EDITING] = None
        st.rerun()
    if row.button("Cancel", key=keys.edit_cancel(msg.id)):
        ss[keys.EDITING] = None
        st.rerun()


def _notes(msg: ChatMessage) -> None:
    """Under an answer: how it ended when not plainly, its error, its metrics."""
    if msg.other_parts:
        names = ", ".join(dict.fromkeys(msg.other_parts))
        st.caption(f"The answer also holds content this page does not show: {names}.")
    note = STATUS_NOTE.get(msg.status)
    if note:
        st.caption(note)
    if msg.cut_at_limit:
        limit = msg.max_tokens
        st.caption(f"Cut at Max tokens ({limit}): the model had more to say." if limit else
                   "Cut at the provider's token limit: the model had more to say.")  # fmt: skip
    if msg.error:
        st.error(msg.error)
    if msg.role == "assistant" and msg.metrics is not None:
        st.caption(metrics_line(msg))


def _message_actions(msg: ChatMessage, messages: list[ChatMessage]) -> None:
    row = st.container(horizontal=True, key=keys.message_actions(msg.id))
    if row.button("Edit", key=keys.edit(msg.id), icon=":material/edit:", type="tertiary"):
        st.session_state[keys.EDITING] = msg.id
        st.rerun()
    if row.button("Delete", key=keys.delete(msg.id), icon=":material/delete:", type="tertiary"):
        messages[:] = [m for m in messages if m.id != msg.id]
        st.rerun()


def render_message(msg: ChatMessage, messages: list[ChatMessage] | None = None) -> None:
    """One stored message: escaped, link-safe Markdown, reasoning, status, error, metrics, and (with
    `messages`) the edit and delete actions."""
    editing = messages is not None and st.session_state.get(keys.EDITING) == msg.id
    with st.chat_message(msg.role):
        if msg.reasoning:
            with st.expander("Reasoning", expanded=False):
                st.markdown(safe_markdown(msg.reasoning))
        if editing:
            _edit_box(msg)
        elif msg.content:
            st.markdown(safe_markdown(msg.content))
        if msg.refusal:
            st.markdown(":material/block: **Refused:** " + safe_markdown(msg.refusal))
        _notes(msg)
        if messages is not None and not editing:
            _message_actions(msg, messages)


def history(messages: list[ChatMessage]) -> None:
    """The latest messages of a conversation; all of them are still sent. Drawing hundreds of messages
    makes every rerun slow in the browser (bench/ui_stream.py)."""
    ss = st.session_state
    window = ss.setdefault(keys.CHAT_WINDOW, WINDOW)
    hidden = max(0, len(messages) - window)
    if hidden and st.button(f"Show earlier messages ({hidden} hidden; all are sent)", icon=":material/expand_less:"):
        ss[keys.CHAT_WINDOW] = window + WINDOW
        st.rerun()
    for msg in messages[hidden:]:
        render_message(msg, messages)


def ask_again() -> None:
    """Send the last question again on the next run (the page's send step reads the flag)."""
    st.session_state[keys.RETRY] = True
    st.rerun()


def _key_and_retry(provider: Provider) -> None:
    typed = st.text_input("Paste an API key for this session", type="password", key=keys.INLINE_KEY)
    if st.button("Use this key and retry", type="primary", disabled=not typed):
        set_later({keys.api_key(provider.id): typed, keys.INLINE_KEY: ""})
        ask_again()


def offer_fixes(answer: ChatMessage, provider: Provider, max_tokens: ParamSpec | None) -> None:
    """Under a failed or cut answer, the one action that fixes it and asks again."""
    if answer.error_action == "start_local" and st.button("Start local model and retry", type="primary"):
        ask_again()
    if answer.error_action == "key" and not provider.local:
        _key_and_retry(provider)
    if answer.cut_at_limit and max_tokens is not None:
        raised = raised_max_tokens(answer, max_tokens.maximum, max_tokens.default)
        if st.button(f"Raise Max tokens to {raised} and regenerate", type="primary"):
            set_later(form.set_number_later("max_tokens", raised))
            ask_again()


def chat_actions(messages: list[ChatMessage], can_send: bool) -> None:
    """The buttons "Regenerate" (the last question again) and "Clear", in the container `chat-actions`."""
    actions = st.container(horizontal=True, key="chat-actions")
    if actions.button("Regenerate", disabled=not can_send or not has_question(messages)):
        drop_answers(messages)
        ask_again()
    if actions.button("Clear"):
        messages.clear()
        st.session_state.pop(keys.SHARE_RESULT, None)
        st.rerun()


def stream_into(msg: ChatMessage, request: ChatRequest, key: str | None, pricing: Pricing | None) -> None:
    """Run the request, drawing deltas as they arrive and keeping each one in `msg` at once, so a
    click or Stop mid-stream (Streamlit interrupts this run) leaves the partial answer, marked."""
    msg.start(request.params.get("max_tokens"))
    with st.chat_message("assistant"):
        reasoning = LiveReasoning()
        live = LiveMarkdown()
        live.tail.markdown("…")
        client = ChatClient()
        stream = client.stream(request, key, pricing)
        try:
            for event in stream:
                if isinstance(event, TextDelta):
                    msg.content += event.text
                    live.update(msg.content)
                elif isinstance(event, ReasoningDelta):
                    msg.reasoning += event.text
                    reasoning.update(msg.reasoning)
                elif isinstance(event, RefusalDelta):  # kept as it arrives; drawn marked once it is over
                    msg.refusal += event.text
                elif isinstance(event, Done):
                    msg.record(event.result)
                    live.update(msg.content, final=True)
        except BaseException:
            # Streamlit stops or reruns this script by raising inside it: keep what arrived. Which
            # click it was is only known on the next run (the Playground marks a Stop as "stopped").
            if msg.status == "running":  # the next run may already have marked it "stopped"
                msg.status = "interrupted"
            raise
        finally:
            stream.cancel()
            client.close()
