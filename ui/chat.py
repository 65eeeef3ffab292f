"""Chat rendering and the streaming loop that keeps every delta in session state."""

from __future__ import annotations

import time
from typing import Any

import streamlit as st

from lib.client import ChatClient
from lib.events import ChatResult, Done, Pricing, ReasoningDelta, TextDelta
from lib.request import ChatRequest
from lib.safe_markdown import safe_markdown

STATUS_NOTE = {
    "stopped": "Stopped: the answer above is what arrived before Stop.",
    "interrupted": "Interrupted by another action: the answer above is what arrived before it.",
    "incomplete": "Incomplete: the stream ended without saying it was finished.",
}
DRAW_EVERY = 0.15  # seconds between redraws of a long unfinished tail: cheap for the browser
DRAW_SHORT_EVERY = 0.03  # a short tail is cheap to redraw: short answers stream word by word
LONG_TAIL = 2000  # characters after which an unfinished paragraph is frozen at a line or space


def metrics_line(msg: dict[str, Any]) -> str:
    """'TTFT 0.12 s · Latency 1.40 s · Tokens/s 52.1 · Cost $0 · 40 completion tokens (counted)'."""
    m = msg.get("metrics") or {}

    def secs(v: float | None) -> str:
        return "–" if v is None else f"{v:.2f} s"

    cost, rate = m.get("cost"), m.get("tokens_per_s")
    parts = [
        f"**TTFT** {secs(m.get('ttft'))}",
        f"**Latency** {secs(m.get('latency'))}",
        f"**Tokens/s** {'–' if rate is None else f'{rate:.1f}'}",
        f"**Cost** {'unknown' if cost is None else ('$0' if cost == 0 else f'${cost:.6f}')}",
    ]
    u = msg.get("usage") or {}
    counts = []
    if u.get("prompt_tokens") is not None:
        counts.append(f"{u['prompt_tokens']} prompt")
    if u.get("completion_tokens") is not None:
        counts.append(f"{u['completion_tokens']} completion")
    if counts:
        label = " (counted by the app)" if u.get("source") == "counted" else ""
        parts.append(" / ".join(counts) + " tokens" + label)
    return " · ".join(parts)


def _edit_box(msg: dict[str, Any]) -> None:
    ss = st.session_state
    text = st.text_area("Edit message", msg["content"], key=f"edit_text_{msg['id']}", height=120)
    row = st.container(horizontal=True)
    if row.button("Save", key=f"edit_save_{msg['id']}", type="primary"):
        msg["content"] = text
        ss.editing = None
        st.rerun()
    if row.button("Cancel", key=f"edit_cancel_{msg['id']}"):
        ss.editing = None
        st.rerun()


def render_message(msg: dict[str, Any], messages: list[dict[str, Any]] | None = None) -> None:
    """One stored message: escaped, link-safe Markdown, reasoning, status, error, metrics, and (with
    `messages`) the edit and delete actions."""
    ss = st.session_state
    with st.chat_message(msg["role"]):
        if msg.get("reasoning"):
            with st.expander("Reasoning", expanded=False):
                st.markdown(safe_markdown(msg["reasoning"]))
        if messages is not None and ss.get("editing") == msg.get("id"):
            _edit_box(msg)
        elif msg.get("content"):
            st.markdown(safe_markdown(msg["content"]))
        note = STATUS_NOTE.get(msg.get("status", ""))
        if note:
            st.caption(note)
        if msg.get("finish_reason") == "length" and not msg.get("error"):
            limit = msg.get("max_tokens")
            st.caption(f"Cut at Max tokens ({limit}): the model had more to say." if limit else
                       "Cut at the provider's token limit: the model had more to say.")  # fmt: skip
        if msg.get("error"):
            st.error(msg["error"])
        if msg["role"] == "assistant" and msg.get("metrics"):
            st.caption(metrics_line(msg))
        if messages is not None and msg.get("id") is not None and ss.get("editing") != msg.get("id"):
            row = st.container(horizontal=True, key=f"msg-actions-{msg['id']}")
            if row.button("Edit", key=f"edit_{msg['id']}", icon=":material/edit:", type="tertiary"):
                ss.editing = msg["id"]
                st.rerun()
            if row.button("Delete", key=f"delete_{msg['id']}", icon=":material/delete:", type="tertiary"):
                messages[:] = [m for m in messages if m.get("id") != msg["id"]]
                st.rerun()


def store_result(msg: dict[str, Any], result: ChatResult) -> None:
    """Copy a finished result into the stored message (plain data only)."""
    msg["content"] = result.text
    msg["reasoning"] = result.reasoning
    msg["status"] = result.status
    msg["finish_reason"] = result.finish_reason
    msg["error"] = str(result.error) if result.error else None
    msg["error_action"] = result.error.action if result.error else None
    msg["metrics"] = {
        "ttft": result.metrics.ttft,
        "latency": result.metrics.latency,
        "tokens_per_s": result.metrics.tokens_per_s,
        "cost": result.metrics.cost,
    }
    if result.usage:
        u = result.usage
        msg["usage"] = {
            "prompt_tokens": u.prompt_tokens,
            "completion_tokens": u.completion_tokens,
            "source": u.source,
        }


def _cut_point(text: str, start: int) -> int:
    """Where the finished part of `text[start:]` ends: after its last blank line outside code, or, for
    a long unfinished paragraph, after its last line break or space. `start` is never inside code."""
    chunk = text[start:]
    in_fence, cut, pos = False, 0, 0
    for line in chunk.splitlines(keepends=True):
        pos += len(line)
        stripped = line.lstrip()
        if stripped.startswith(("```", "~~~")):
            in_fence = not in_fence
        elif not in_fence and not stripped and pos < len(chunk):
            cut = pos
    if not in_fence and len(chunk) - cut > LONG_TAIL:
        tail_break = max(chunk.rfind("\n", cut), chunk.rfind(" ", cut))
        if tail_break > cut:
            cut = tail_break + 1
    return start + cut


class LiveMarkdown:
    """Streams Markdown into the page at a bounded cost: finished blocks are frozen in their own
    elements and only the unfinished tail is redrawn, less often as it grows. Redrawing
    the whole text on every chunk makes the browser fall seconds behind on long answers."""

    def __init__(self) -> None:
        self.area = st.container()
        self.tail = self.area.empty()
        self.frozen = 0
        self.drawn_at = 0.0

    def update(self, text: str, final: bool = False) -> None:
        now = time.monotonic()
        every = DRAW_SHORT_EVERY if len(text) - self.frozen < 500 else DRAW_EVERY
        if not final and now - self.drawn_at < every:
            return
        self.drawn_at = now
        cut = _cut_point(text, self.frozen)
        if cut > self.frozen:
            self.tail.markdown(safe_markdown(text[self.frozen : cut]))
            self.tail = self.area.empty()
            self.frozen = cut
        self.tail.markdown(safe_markdown(text[self.frozen :]) + ("" if final else " ▌"))


def stream_into(msg: dict[str, Any], request: ChatRequest, key: str | None, pricing: Pricing | None) -> None:
    """Run the request, drawing deltas as they arrive and keeping each one in `msg` at once, so a
    click or Stop mid-stream (Streamlit interrupts this run) leaves the partial answer, marked."""
    msg.update(content="", reasoning="", status="running", max_tokens=request.params.get("max_tokens"))
    with st.chat_message("assistant"):
        reasoning_slot = st.empty()
        reasoning_box = None
        live = LiveMarkdown()
        live.tail.markdown("…")
        reasoning_drawn = 0.0
        client = ChatClient()
        stream = client.stream(request, key, pricing)
        try:
            for event in stream:
                if isinstance(event, TextDelta):
                    msg["content"] += event.text
                    live.update(msg["content"])
                elif isinstance(event, ReasoningDelta):
                    msg["reasoning"] += event.text
                    if reasoning_box is None:  # drawn once, collapsed: opening it shows it streaming
                        reasoning_box = reasoning_slot.expander("Reasoning", expanded=False).empty()
                    if time.monotonic() - reasoning_drawn >= DRAW_EVERY:
                        reasoning_drawn = time.monotonic()
                        reasoning_box.markdown(safe_markdown(msg["reasoning"]) + " ▌")
                elif isinstance(event, Done):
                    store_result(msg, event.result)
                    live.update(msg["content"], final=True)
        except BaseException:
            # Streamlit stops or reruns this script by raising inside it: keep what arrived. Which
            # click it was is only known on the next run (the Playground marks a Stop as "stopped").
            if msg.get("status") == "running":  # the next run may already have marked it "stopped"
                msg["status"] = "interrupted"
            raise
        finally:
            stream.cancel()
            client.close()
