"""Chat rendering and the streaming loop that keeps every delta in session state."""

from __future__ import annotations

from typing import Any

import streamlit as st

from lib.client import ChatClient
from lib.events import ChatResult, Done, Pricing, ReasoningDelta, TextDelta
from lib.request import ChatRequest

STATUS_NOTE = {
    "stopped": "Stopped: the answer above is what arrived before Stop.",
    "interrupted": "Interrupted by another action: the answer above is what arrived.",
}


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


def render_message(msg: dict[str, Any]) -> None:
    """One stored message: text as escaped Markdown, reasoning, status, error and metrics."""
    with st.chat_message(msg["role"]):
        if msg.get("reasoning"):
            with st.expander("Reasoning", expanded=False):
                st.markdown(msg["reasoning"])
        if msg.get("content"):
            st.markdown(msg["content"])
        note = STATUS_NOTE.get(msg.get("status", ""))
        if note:
            st.caption(note)
        if msg.get("error"):
            st.error(msg["error"])
        if msg["role"] == "assistant" and msg.get("metrics"):
            st.caption(metrics_line(msg))


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


def stream_into(msg: dict[str, Any], request: ChatRequest, key: str | None, pricing: Pricing | None) -> None:
    """Run the request, drawing deltas as they arrive and keeping each one in `msg` at once, so a
    click or Stop mid-stream (Streamlit interrupts this run) leaves the partial answer, marked."""
    msg.update(content="", reasoning="", status="running")
    with st.chat_message("assistant"):
        reasoning_box = st.empty()
        text_box = st.empty()
        text_box.markdown("…")
        client = ChatClient()
        stream = client.stream(request, key, pricing)
        try:
            for event in stream:
                if isinstance(event, TextDelta):
                    msg["content"] += event.text
                    text_box.markdown(msg["content"] + " ▌")
                elif isinstance(event, ReasoningDelta):
                    msg["reasoning"] += event.text
                    with reasoning_box.expander("Reasoning", expanded=False):
                        st.markdown(msg["reasoning"])
                elif isinstance(event, Done):
                    store_result(msg, event.result)
        except BaseException as exc:
            # Streamlit stops or reruns this script by raising inside it: keep what arrived.
            msg["status"] = "stopped" if type(exc).__name__ == "StopException" else "interrupted"
            raise
        finally:
            stream.cancel()
            client.close()
