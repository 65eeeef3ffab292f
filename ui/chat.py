"""Chat rendering, the streaming loop that keeps every delta in session state, and the buttons under a
conversation (fix and retry, Regenerate or Send, Clear and its Undo, Stop)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from lib.budget import Meter
from lib.client import ChatClient, ChatStream
from lib.conversation import (
    ChatMessage,
    MessageStatus,
    drop_answers,
    edit,
    has_question,
    mark_cut,
    metrics_line,
    raised_max_tokens,
    shows_metrics,
)
from lib.events import ChatResult, Done, Event, Pricing, ReasoningDelta, RefusalDelta, TextDelta, ToolCallDelta
from lib.params import ParamSpec
from lib.providers import Provider
from lib.recording import Recorder
from lib.request import ChatRequest
from lib.safe_markdown import safe_markdown
from lib.store import RunWriter
from ui import attachments, form, keys, logprobs_view, replay, tools_view
from ui.live_markdown import LiveMarkdown, LiveReasoning
from ui.state import set_later

STATUS_NOTE = {
    "stopped": "Stopped: the answer above is what arrived before Stop.",
    "interrupted": "Interrupted by another action: the answer above is what arrived before it.",
    "incomplete": "Incomplete: the stream ended without saying it was finished.",
}
OUTDATED_NOTE = "Answers an earlier version of the question: it was edited after this answer."
WINDOW = 20  # messages drawn at first; "Show earlier messages" adds as many again
SETTLE_WAIT = 3.0  # seconds a new run waits for the cut stream's thread to write its last state
LIVE_KEY = "live-answer"  # the streaming answer's container: CSS class st-key-live-answer

LIVE_FLAG = "live-flag"  # in the hidden box while an answer streams (st-key-live-flag)
CHAT_BOX = "chat-box"  # the Playground's scrolling conversation (st-key-chat-box)

# What only the page itself can do, in one script run once per browser tab. It reads no page content
# and sends nothing but one click.
# 1. Stopping the script (the chat input's stop button) ends the run with no rerun, so nothing more
#    can be drawn: the cursor and any text not drawn yet would stay until the next click. The
#    streaming run raises a flag (a hidden element) and lowers it when the answer ends by itself;
#    with the app idle and the flag still up, the script clicks a hidden button once, so the next run
#    draws the finished answer. (The app is briefly idle between an answer's end and the run that
#    follows it: hence the flag, not the streaming answer, as the sign.)
# 2. The chat box follows its newest line: after any change it is scrolled to its end, unless the
#    reader scrolled up in it (until they scroll back down or send a message). Streamlit's own
#    autoscroll (off for this box) was seen to lose its hold when the browser is busy, the box then
#    staying put while the answer grows below it, and to pull a reader who scrolls up back down
#    while text streams in (it ignores a wheel during its own scrolling).
_PAGE_SCRIPT = """
<script>
(() => {
  if (window.__workbenchPage) return;
  window.__workbenchPage = true;
  const FLAG = ".st-key-{flag}", BUTTON = ".st-key-{button} button";

  const stopped = () => {
    const app = document.querySelector("[data-testid='stApp']");
    if (!app || app.getAttribute("data-test-script-state") !== "notRunning") return null;
    return document.querySelector(FLAG + ":not([data-after-stop])");
  };
  // Idle with the flag up, and still so a moment later: the page may mark the run over before it
  // has taken the flag down that the run's last steps sent (seen with an answer that ended by
  // itself, then a rerun), so one look is not enough to tell a stopped run.
  let pending = null;
  const afterStop = () => {
    if (pending || !stopped()) return;
    pending = setTimeout(() => {
      pending = null;
      const flag = stopped(), button = document.querySelector(BUTTON);
      if (!flag || !button) return;
      flag.setAttribute("data-after-stop", "1");
      button.click();
    }, 400);
  };
  new MutationObserver(afterStop).observe(document.body, {
    subtree: true, attributes: true, attributeFilter: ["data-test-script-state"],
  });

})();
</script>
"""


# Keeps each scrolling box (BOX: a CSS selector) at its newest line as text streams in, unless the
# reader scrolled up in it; sending a message follows again. Installed once per box kind per window.
_FOLLOW_SCRIPT = """
<script>
(() => {
  const BOX = "{box}";
  window.__workbenchFollow = window.__workbenchFollow || new Set();
  if (window.__workbenchFollow.has(BOX)) return;
  window.__workbenchFollow.add(BOX);
  const scrolledUp = new WeakSet();  // boxes the reader scrolled up in
  let readerAt = 0;  // when the reader last acted in a box: a scroll soon after is theirs
  const inBox = e => e.target instanceof Element && e.target.closest(BOX);
  for (const type of ["wheel", "touchstart", "pointerdown", "keydown"]) {
    document.addEventListener(type, e => { if (inBox(e)) readerAt = Date.now(); },
                              {capture: true, passive: true});
  }
  document.addEventListener("scroll", e => {
    const box = e.target;
    if (!(box instanceof Element) || !box.matches(BOX) || Date.now() - readerAt > 1000) return;
    const atEnd = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
    atEnd ? scrolledUp.delete(box) : scrolledUp.add(box);
  }, {capture: true, passive: true});
  const sent = () => document.querySelectorAll(BOX).forEach(box => scrolledUp.delete(box));
  document.addEventListener("keydown", e => {
    if (e.key === "Enter" && !e.shiftKey && e.target.closest?.("[data-testid='stChatInput']")) sent();
  }, true);
  document.addEventListener("click", e => {
    if (e.target.closest?.("[data-testid='stChatInputSubmitButton']")) sent();
  }, true);
  let queued = false;
  const follow = () => {
    queued = false;
    const since = Date.now() - readerAt;
    if (since < 1000) {  // the reader's own scroll may still be under way: look again after it
      queued = true;
      setTimeout(() => requestAnimationFrame(follow), 1000 - since);
      return;
    }
    for (const box of document.querySelectorAll(BOX)) {
      if (!scrolledUp.has(box)) box.scrollTop = box.scrollHeight;
    }
  };
  new MutationObserver(() => {
    if (!queued) { queued = true; requestAnimationFrame(follow); }
  }).observe(document.body, {subtree: true, childList: true, characterData: true});
})();
</script>
"""


def follow_script(box_selector: str) -> str:
    """The script that keeps the boxes `box_selector` names at their newest line (st.html with
    unsafe_allow_javascript, in a hidden container)."""
    return _FOLLOW_SCRIPT.replace("{box}", box_selector)


@dataclass
class LiveRun:
    """The answer streaming in this session's running script. A click starts a new run at once while
    the old one goes on until its next Streamlit call: the new run cancels the stream and waits for
    `settled`, so it draws the answer as it ended (all its text, its metrics), not half-written."""

    stream: ChatStream
    settled: threading.Event
    # Set by the run that cut it, before it cancels the stream: how the answer ended ("stopped" for a
    # Stop, "interrupted" for another click). The old run may still be reading when that cancel comes,
    # and its stream then ends as any cancelled one does, "stopped".
    cut_as: MessageStatus | None = None


def settle(messages: list[ChatMessage], stopped: bool) -> None:
    """At the start of a run: end an answer a click cut, wait for its last state, mark how it ended
    (`stopped`: the click was a Stop)."""
    live: LiveRun | None = st.session_state.pop(keys.LIVE, None)
    if live is not None:
        live.cut_as = "stopped" if stopped else "interrupted"
        live.stream.cancel()
        live.settled.wait(SETTLE_WAIT)
    mark_cut(messages, stopped)


def page_helpers() -> DeltaGenerator:
    """The hidden box: the page's script (_PAGE_SCRIPT) and the button it clicks once a stopped run is
    over; returns the slot for the flag `stream_into` raises while it streams."""
    script = _PAGE_SCRIPT.replace("{flag}", LIVE_FLAG).replace("{button}", "after-stop")
    with st.container(key="after-stop"):
        st.button("Show the stopped answer", key=keys.AFTER_STOP)
        st.html(script, unsafe_allow_javascript=True)
        st.html(follow_script(f".st-key-{CHAT_BOX}"), unsafe_allow_javascript=True)
        return st.empty()


def _edit_box(msg: ChatMessage, messages: list[ChatMessage]) -> None:
    """The message's text in a field; for a question, Save and regenerate (first, the default) or
    Save (answers below it are then marked as answering the old text)."""
    ss = st.session_state
    text = st.text_area("Edit message", msg.content, key=keys.edit_text(msg.id), height=120)
    row = st.container(horizontal=True)
    question = msg.role == "user"
    if question and row.button("Save and regenerate", key=keys.edit_regenerate(msg.id), type="primary"):
        edit(messages, msg.id, text, regenerate=True)
        ss[keys.EDITING] = None
        ask_again()
    if row.button("Save", key=keys.edit_save(msg.id), type="secondary" if question else "primary"):
        edit(messages, msg.id, text, regenerate=False)
        ss[keys.EDITING] = None
        st.rerun()
    if row.button("Cancel", key=keys.edit_cancel(msg.id)):
        ss[keys.EDITING] = None
        st.rerun()


def _notes(msg: ChatMessage) -> None:
    """Under an answer: how it ended when not plainly, its error, its metrics."""
    if msg.outdated:
        st.caption(":material/history: " + OUTDATED_NOTE)
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
    if shows_metrics(msg):
        st.caption(metrics_line(msg))


def _message_actions(msg: ChatMessage, messages: list[ChatMessage]) -> None:
    row = st.container(horizontal=True, key=keys.message_actions(msg.id))
    if row.button("Edit", key=keys.edit(msg.id), icon=":material/edit:", type="tertiary"):
        st.session_state[keys.EDITING] = msg.id
        st.rerun()
    if row.button("Delete", key=keys.delete(msg.id), icon=":material/delete:", type="tertiary"):
        messages[:] = [m for m in messages if m.id != msg.id]
        st.rerun()
    replay.actions(msg, row, messages)  # Record, Replay, and the "Replayed" mark


def render_message(msg: ChatMessage, messages: list[ChatMessage] | None = None) -> None:
    """One stored message: escaped, link-safe Markdown, reasoning, status, error, metrics, and (with
    `messages`) the edit and delete actions."""
    editing = messages is not None and st.session_state.get(keys.EDITING) == msg.id
    with st.chat_message(msg.role):
        if msg.reasoning:
            with st.expander("Reasoning", expanded=False):
                st.markdown(safe_markdown(msg.reasoning))
        if editing:
            assert messages is not None
            _edit_box(msg, messages)
        elif msg.role == "tool":
            tools_view.tool_result(msg)
        elif msg.logprobs:
            logprobs_view.draw(msg)
        elif msg.content and tools_view.structured(msg):
            tools_view.structured_answer(msg, safe_markdown(msg.content))
        elif msg.content:
            st.markdown(safe_markdown(msg.content))
        if msg.logprobs == [] and msg.status == "complete":
            st.caption(logprobs_view.NOT_RETURNED)
        if msg.attachments:
            attachments.thumbnails(msg.attachments)
        if msg.tool_calls:
            tools_view.cards(msg)
            if messages is not None and not editing and tools_view.pending(messages) is msg:
                tools_view.result_fields(msg, messages)
        if msg.logprobs and tools_view.structured(msg):  # drawn token by token above: the check under it
            tools_view.schema_check(msg)
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


def _clear(messages: list[ChatMessage]) -> None:
    st.session_state[keys.CLEARED] = list(messages)
    messages.clear()
    st.session_state.pop(keys.SHARE_RESULT, None)


def _undo_clear(messages: list[ChatMessage]) -> None:
    messages[:] = st.session_state.pop(keys.CLEARED, None) or []


def chat_actions(messages: list[ChatMessage], can_send: bool, streaming: bool) -> None:
    """One row, always in the same place and in the same order, so nothing moves while an answer
    streams: "Send" (a question waiting for its answer, e.g. after an import or an edit) or
    "Regenerate", then "Clear", then "Stop" while an answer streams or "Undo clear" just after a Clear."""
    actions = st.container(horizontal=True, key="chat-actions")
    waiting = bool(messages) and messages[-1].role == "user" and not streaming
    if waiting:
        if actions.button("Send", type="primary", disabled=not can_send, key="chat-send"):
            ask_again()
    elif actions.button("Regenerate", disabled=not can_send or not has_question(messages), key="chat-regenerate"):
        drop_answers(messages)
        ask_again()
    actions.button("Clear", disabled=not messages, key="chat-clear", on_click=_clear, args=(messages,))
    if streaming:
        actions.button("Stop", key=keys.STOP, icon=":material/stop_circle:")
    elif st.session_state.get(keys.CLEARED):
        actions.button("Undo clear", key="chat-undo-clear", icon=":material/undo:", on_click=_undo_clear,
                       args=(messages,))  # fmt: skip


def _finish_cut(msg: ChatMessage, stream: ChatStream, events: Iterator[Event]) -> None:
    """A run cut mid-stream: stop the request and keep the answer as it ended (text, usage, metrics so
    far). The status stays as the page judged it: the next run marks a still "running" one."""
    stream.cancel()
    result: ChatResult | None = None
    for event in events:  # after cancel() the same iteration ends at once with Done (status "stopped")
        if isinstance(event, Done):
            result = event.result
    if result is not None:
        status = msg.status
        msg.record(result)
        msg.status = status


def stream_into(
    msg: ChatMessage,
    request: ChatRequest,
    key: str | None,
    pricing: Pricing | None,
    flag: DeltaGenerator,
    writer: RunWriter | None = None,
    meter: Meter | None = None,
) -> None:
    """Run the request, drawing deltas as they arrive and keeping each one in `msg` at once, so a
    click or Stop mid-stream (Streamlit interrupts this run) leaves the partial answer and its metrics.
    `flag` (from page_helpers) is up while the answer streams. `writer` (the history store's) saves
    the answer as it streams and when it ends."""
    ss = st.session_state
    msg.start(request.params.get("max_tokens"))
    msg.response_format = request.params.get("response_format")
    msg.logprobs = [] if request.params.get("logprobs") else None  # asked for: filled when they arrive
    flag.container(key=LIVE_FLAG).caption("streaming")
    with st.container(key=LIVE_KEY), st.chat_message("assistant"):
        reasoning = LiveReasoning()
        live = LiveMarkdown()
        live.waiting()
        calls = tools_view.LiveCalls()
    client = ChatClient()
    recorder = Recorder()  # each chunk's moment after the request, for Replay
    stream = client.stream(request, key, pricing, meter)
    run = LiveRun(stream, threading.Event())
    ss[keys.LIVE] = run
    events = iter(stream)
    try:
        for event in events:
            recorder.add(event)
            if isinstance(event, TextDelta):
                if msg.reasoning:  # the answer has begun: the reasoning is drawn whole, once
                    reasoning.update(msg.reasoning, final=True)
                msg.content += event.text
                live.update(msg.content)
            elif isinstance(event, ReasoningDelta):
                msg.reasoning += event.text
                reasoning.update(msg.reasoning)
            elif isinstance(event, ToolCallDelta):
                calls.update(event)
            elif isinstance(event, RefusalDelta):  # kept as it arrives; drawn marked once it is over
                msg.refusal += event.text
            elif isinstance(event, Done):
                msg.record(event.result)
                if event.result.status == "stopped" and run.cut_as is not None:  # cancelled by the next run
                    msg.status = run.cut_as
                if writer is not None:
                    writer.finish_message(msg, event.result)
                live.update(msg.content, final=True)
                if msg.reasoning:
                    reasoning.update(msg.reasoning, final=True)
                flag.empty()  # ended by itself: the run that follows draws it, no click needed
                if event.result.status == "complete":
                    replay.captured(msg, recorder.recording)
            if writer is not None and msg.status == "running":
                writer.update(msg.content, msg.reasoning, msg.refusal)
    except BaseException:
        # Streamlit stops or reruns this script by raising inside one of its calls: keep what
        # arrived. Which click it was is only known to the next run, which marks the status.
        if msg.status == "running":
            _finish_cut(msg, stream, events)
        raise
    finally:
        # No Streamlit call here, not even session state: once the script is stopped it raises.
        # The next run takes `run` out of session state.
        if writer is not None and not writer.closed:  # a cut run: saved as interrupted with what arrived
            writer.finish_message(msg)
        run.settled.set()
        stream.cancel()
        client.close()
