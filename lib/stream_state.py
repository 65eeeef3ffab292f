"""Turns server events (or a whole JSON response) into typed events and one ChatResult.

Pure state, no I/O: the sync and async clients share it, and tests feed it directly.
"""

from __future__ import annotations

import json
from time import perf_counter
from typing import Any

from lib import errors
from lib.events import (
    ChatResult,
    Event,
    Finish,
    Pricing,
    ReasoningDelta,
    Status,
    TextDelta,
    ToolCall,
    ToolCallDelta,
    Usage,
)
from lib.sse import SSE


def _error_message(obj: Any) -> str:
    if isinstance(obj, dict):
        return str(obj.get("message") or obj.get("detail") or json.dumps(obj))
    return str(obj)


class StreamState:
    """Accumulates one answer; `t0` is when the request was sent."""

    def __init__(self, t0: float, pricing: Pricing | None):
        self.t0 = t0
        self.pricing = pricing
        self.result = ChatResult()
        self.first_at: float | None = None
        self.last_at: float | None = None
        self.done = False  # saw `[DONE]`
        self.chunks = 0  # content/reasoning chunks, the honest count when no usage arrives

    # -- streaming ---------------------------------------------------------------------------
    def on_sse(self, sse: SSE) -> list[Event]:
        """Events for one server-sent event; raises a WorkbenchError for an error event."""
        now = perf_counter()
        self.last_at = now
        data = sse.data
        if data == "[DONE]":
            self.done = True
            return []
        if sse.event == "error":
            raise errors.StreamErrorEvent(
                "The server reported an error in the middle of the answer; the part that arrived is "
                f'kept, try again. The server said: "{_error_message(_loads_or_text(data))}".'
            )
        if not data.strip():
            return []
        try:
            chunk = json.loads(data)
        except ValueError:
            raise errors.MalformedEvent(
                "The server sent an event that is not valid JSON, so the answer stops here; the part "
                "that arrived is kept. Try again, or check that the Base URL is an OpenAI-compatible API."
            ) from None
        if not isinstance(chunk, dict):
            raise errors.MalformedEvent(
                "The server sent an event that is not a chat-completion chunk; the part that arrived "
                "is kept. Check that the Base URL is an OpenAI-compatible API."
            )
        if chunk.get("error"):
            raise errors.StreamErrorEvent(
                "The server reported an error in the middle of the answer; the part that arrived is "
                f'kept, try again. The server said: "{_error_message(chunk["error"])}".'
            )
        out: list[Event] = []
        for choice in chunk.get("choices") or ():
            if choice.get("index", 0) != 0:
                continue
            delta = choice.get("delta") or {}
            reasoning = delta.get("reasoning_content") or delta.get("reasoning")
            if isinstance(reasoning, str) and reasoning:
                self._first(now)
                self.result.reasoning += reasoning
                self.chunks += 1
                out.append(ReasoningDelta(reasoning))
            content = delta.get("content")
            if isinstance(content, str) and content:
                self._first(now)
                self.result.text += content
                self.chunks += 1
                out.append(TextDelta(content))
            for call in delta.get("tool_calls") or ():
                out.append(self._merge_tool_call(call))
                self._first(now)
            reason = choice.get("finish_reason")
            if reason:
                self.result.finish_reason = reason
                out.append(Finish(reason))
        usage = chunk.get("usage")
        if isinstance(usage, dict):
            self.result.usage = _usage(usage)
            out.append(self.result.usage)
        return out

    def _first(self, now: float) -> None:
        if self.first_at is None:
            self.first_at = now

    def _merge_tool_call(self, call: dict[str, Any]) -> ToolCallDelta:
        # Deltas of one call share an index; only the first carries id and name.
        index = int(call.get("index", 0))
        while len(self.result.tool_calls) <= index:
            self.result.tool_calls.append(ToolCall())
        merged = self.result.tool_calls[index]
        fn = call.get("function") or {}
        if call.get("id"):
            merged.id = call["id"]
        if fn.get("name"):
            merged.name += fn["name"]
        args = fn.get("arguments") or ""
        merged.arguments += args
        return ToolCallDelta(index, call.get("id"), fn.get("name"), args)

    # -- whole responses ---------------------------------------------------------------------
    def on_json(self, body: dict[str, Any]) -> None:
        """Fill the result from a non-streamed chat.completion body."""
        now = perf_counter()
        self.first_at = self.last_at = now
        self.result.raw = body
        choices = body.get("choices") or []
        if not choices:
            raise errors.MalformedEvent(
                "The server answered without any choices; check that the Base URL is an OpenAI-compatible API."
            )
        choice = choices[0]
        message = choice.get("message") or {}
        self.result.text = message.get("content") or ""
        self.result.reasoning = message.get("reasoning_content") or message.get("reasoning") or ""
        for call in message.get("tool_calls") or ():
            fn = call.get("function") or {}
            self.result.tool_calls.append(ToolCall(call.get("id"), fn.get("name") or "", fn.get("arguments") or ""))
        self.result.finish_reason = choice.get("finish_reason")
        self.done = True
        if isinstance(body.get("usage"), dict):
            self.result.usage = _usage(body["usage"])

    # -- the end -------------------------------------------------------------------------------
    def finish(self, status: Status | None = None, error: errors.WorkbenchError | None = None) -> ChatResult:
        """Close the result: status, usage (counted when none was reported) and metrics."""
        r = self.result
        if error is not None:
            r.error = error
            status = status or "error"
        if status is None:
            if self.done or r.finish_reason:
                status = "complete"
            else:
                status = "incomplete"
                r.error = errors.StreamCut(
                    "The answer ended without the server saying it was complete, so it may be cut "
                    "short; what arrived is kept. Regenerate to try again."
                )
        r.status = status
        if r.usage is None and self.chunks:
            r.usage = Usage(None, self.chunks, None, source="counted")
        m = r.metrics
        end = self.last_at or perf_counter()
        m.latency = end - self.t0
        if self.first_at is not None:
            m.ttft = self.first_at - self.t0
            tokens = r.usage.completion_tokens if r.usage else None
            gen = end - self.first_at
            if tokens and gen > 0:
                m.tokens_per_s = tokens / gen
        m.cost = self.pricing.cost(r.usage) if self.pricing else None
        return r


def _loads_or_text(data: str) -> Any:
    try:
        obj = json.loads(data)
    except ValueError:
        return data
    return obj.get("error", obj) if isinstance(obj, dict) else obj


def _usage(raw: dict[str, Any]) -> Usage:
    def num(key: str) -> int | None:
        v = raw.get(key)
        return int(v) if isinstance(v, int | float) else None

    return Usage(num("prompt_tokens"), num("completion_tokens"), num("total_tokens"))
