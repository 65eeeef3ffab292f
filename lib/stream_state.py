"""Turns server events (or a whole JSON response) into typed events and one ChatResult.

Pure state, no I/O: the engine's core feeds it, and tests feed it directly. It reads what real
providers send, not only the OpenAI reference shape: refusals, content as a list of typed parts,
reasoning under several names, tool-call deltas merged by index, and usage wherever a provider puts it.
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
    OtherPart,
    Pricing,
    ReasoningDelta,
    RefusalDelta,
    Status,
    TextDelta,
    ToolCall,
    ToolCallDelta,
    Usage,
)
from lib.request import ChatRequest
from lib.sse import SSE
from lib.token_count import count_message_tokens, count_tokens

TEXT_PARTS = frozenset({"text", "output_text"})
REASONING_PARTS = frozenset({"thinking", "reasoning", "reasoning_text", "reasoning.text", "summary_text"})
REASONING_FIELDS = ("reasoning_content", "reasoning", "thinking")


def _error_message(obj: Any) -> str:
    if isinstance(obj, dict):
        return str(obj.get("message") or obj.get("detail") or json.dumps(obj))
    return str(obj)


def _part_text(value: Any) -> str:
    """The text inside a part's field: a string, or (Mistral's thinking) a list of text parts."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(_part_text(v.get("text") if isinstance(v, dict) else v) for v in value)
    return ""


class StreamState:
    """Accumulates one answer; `t0` is when the request was sent."""

    def __init__(self, t0: float, pricing: Pricing | None, request: ChatRequest | None = None):
        self.t0 = t0
        self.pricing = pricing
        self.request = request  # for counting prompt tokens when the server reports none
        self.result = ChatResult()
        self.first_at: float | None = None
        self.last_at: float | None = None
        self.done = False  # saw `[DONE]`
        self.received = False  # any answer content (text, reasoning, refusal, tool call) arrived
        self._calls: dict[int, ToolCall] = {}  # tool calls by their place in the answer
        self._slots: dict[int, int] = {}  # a stream index -> the place of the call it now continues

    # -- streaming ---------------------------------------------------------------------------
    def on_sse(self, sse: SSE) -> list[Event]:
        """Events for one server-sent event; raises a WorkbenchError for an error event."""
        now = perf_counter()
        self.last_at = now
        data = sse.data
        if data.strip() == "[DONE]":
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
            self.result.usage = _find_usage(chunk) or self.result.usage  # OpenRouter counts the failed run
            raise errors.StreamErrorEvent(
                "The server reported an error in the middle of the answer; the part that arrived is "
                f'kept, try again. The server said: "{_error_message(chunk["error"])}".'
            )
        out: list[Event] = []
        for choice in chunk.get("choices") or ():
            if not isinstance(choice, dict) or choice.get("index", 0) != 0:
                continue  # n > 1: the Playground shows the first choice
            delta = choice.get("delta") or choice.get("message") or {}
            if isinstance(delta, dict):
                out += self._delta(delta, now)
            self._logprobs(choice.get("logprobs"))
            reason = choice.get("finish_reason")
            if reason:
                self.result.finish_reason = reason
                out.append(Finish(reason))
        usage = _find_usage(chunk)
        if usage is not None:
            self.result.usage = usage
            out.append(usage)
        return out

    def _delta(self, delta: dict[str, Any], now: float) -> list[Event]:
        out: list[Event] = []
        reasoning = _reasoning_of(delta)
        if reasoning:
            out.append(self._reasoning(reasoning))
        content = delta.get("content")
        if isinstance(content, str) and content:
            out.append(self._text(content))
        elif isinstance(content, list):
            out += self._parts(content)
        refusal = delta.get("refusal")
        if isinstance(refusal, str) and refusal:
            out.append(self._refusal(refusal))
        for call in delta.get("tool_calls") or ():
            if isinstance(call, dict):
                out.append(self._merge_tool_call(call))
        if out:
            self.received = True
            if self.first_at is None:
                self.first_at = now
        return out

    def _text(self, text: str) -> TextDelta:
        self.result.text += text
        return TextDelta(text)

    def _reasoning(self, text: str) -> ReasoningDelta:
        self.result.reasoning += text
        return ReasoningDelta(text)

    def _refusal(self, text: str) -> RefusalDelta:
        self.result.refusal += text
        return RefusalDelta(text)

    def _parts(self, parts: list[Any]) -> list[Event]:
        """Content as typed parts: text is the answer, thinking is reasoning, anything else is named."""
        out: list[Event] = []
        for part in parts:
            if isinstance(part, str):
                if part:
                    out.append(self._text(part))
                continue
            if not isinstance(part, dict):
                continue
            kind = str(part.get("type") or "")
            if kind in TEXT_PARTS:
                text = _part_text(part.get("text"))
                if text:
                    out.append(self._text(text))
            elif kind in REASONING_PARTS:
                text = _part_text(part.get(kind) if kind in part else part.get("text") or part.get("thinking"))
                if text:
                    out.append(self._reasoning(text))
            elif kind == "refusal":
                text = _part_text(part.get("refusal"))
                if text:
                    out.append(self._refusal(text))
            else:
                self.result.other_parts.append(part)
                out.append(OtherPart(kind or "untyped", part))
        return out

    def _logprobs(self, raw: Any) -> None:
        """The tokens' probabilities (`choice.logprobs.content`), kept whole for the answer's view."""
        content = raw.get("content") if isinstance(raw, dict) else None
        if isinstance(content, list):
            self.result.logprobs += [t for t in content if isinstance(t, dict) and isinstance(t.get("token"), str)]

    def _merge_tool_call(self, call: dict[str, Any]) -> ToolCallDelta:
        """Deltas of one call share an index (as openai-python's `_deltas.py` merges them); only the
        first usually carries id and name. Some providers start at an index other than 0, repeat the
        id and name in every delta, or send no index at all (one whole call per delta)."""
        fn = call.get("function") or {}
        call_id = call.get("id") or None
        name = fn.get("name") or ""
        args = fn.get("arguments")
        if not isinstance(args, str):
            args = json.dumps(args) if args is not None else ""
        index = call.get("index")
        if not isinstance(index, int):
            last = max(self._calls) if self._calls else -1
            same = last >= 0 and (call_id is None or call_id == self._calls[last].id)
            index = last if same else last + 1
        else:
            # Ollama (ollama#15457) and some proxies stream every parallel call at index 0: a new id
            # at an index in use starts a new call, and the id-less fragments after it continue it.
            slot = self._slots.get(index)
            held = self._calls[slot].id if slot is not None else None
            if slot is None or (call_id and held and held != call_id):
                free = slot is None and index not in self._calls  # keep the stream's own number
                slot = self._slots[index] = index if free else max(self._calls) + 1
            index = slot
        merged = self._calls.get(index)
        if merged is None:
            merged = self._calls[index] = ToolCall()
        if call_id and merged.id != call_id:
            merged.id = call_id
        if name and merged.name != name:
            merged.name += name
        merged.arguments += args
        self.result.tool_calls = [self._calls[i] for i in sorted(self._calls)]
        return ToolCallDelta(index, call_id, name or None, args)

    # -- whole responses ---------------------------------------------------------------------
    def on_json(self, body: Any) -> None:
        """Fill the result from a non-streamed chat.completion body."""
        now = perf_counter()
        self.first_at = self.last_at = now
        if isinstance(body, dict) and body.get("error"):
            raise errors.StreamErrorEvent(
                "The server answered with an error instead of an answer. The server said: "
                f'"{_error_message(body["error"])}".'
            )
        choices = body.get("choices") if isinstance(body, dict) else None
        if not choices or not isinstance(choices[0], dict):
            raise errors.MalformedEvent(
                "The server answered without any choices; check that the Base URL is an OpenAI-compatible API."
            )
        self.result.raw = body
        choice = choices[0]
        message = choice.get("message") or {}
        if isinstance(message, dict):
            calls = message.get("tool_calls")
            if isinstance(calls, list):  # whole calls, one per item: never merged, even without ids
                message = {**message, "tool_calls": [{"index": i, **c} if isinstance(c, dict) else c
                                                      for i, c in enumerate(calls)]}  # fmt: skip
            self._delta(message, now)
        self._logprobs(choice.get("logprobs"))
        self.result.finish_reason = choice.get("finish_reason")
        self.done = True
        self.result.usage = _find_usage(body)

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
        if self.received and (r.usage is None or r.usage.completion_tokens is None):
            r.usage = self._counted(r.usage)
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

    def _counted(self, reported: Usage | None) -> Usage:
        """The app's own count, from the text (never from the number of chunks)."""
        r = self.result
        arguments = "".join(c.name + c.arguments for c in r.tool_calls)
        completion = (
            count_tokens(r.text) + count_tokens(r.reasoning) + count_tokens(r.refusal) + count_tokens(arguments)
        )
        prompt = reported.prompt_tokens if reported else None
        if prompt is None and self.request is not None:
            prompt = count_message_tokens(m.content for m in self.request.messages)
        return Usage(prompt, completion, (prompt or 0) + completion, source="counted")


def _reasoning_of(delta: dict[str, Any]) -> str:
    for name in REASONING_FIELDS:
        value = delta.get(name)
        if isinstance(value, str) and value:
            return value
    details = delta.get("reasoning_details")  # OpenRouter, when it sends no plain `reasoning`
    if isinstance(details, list):
        return "".join(str(d.get("text") or d.get("summary") or "") for d in details if isinstance(d, dict))
    return ""


def _loads_or_text(data: str) -> Any:
    try:
        obj = json.loads(data)
    except ValueError:
        return data
    return obj.get("error", obj) if isinstance(obj, dict) else obj


def _find_usage(chunk: dict[str, Any]) -> Usage | None:
    """Usage where providers put it: the chunk (OpenAI), `x_groq` (Groq), the first choice
    (Moonshot and others); input/output names as well as prompt/completion."""
    holders: list[Any] = [chunk, chunk.get("x_groq")]
    choices = chunk.get("choices")
    if isinstance(choices, list) and choices:
        holders.append(choices[0])
    for holder in holders:
        raw = holder.get("usage") if isinstance(holder, dict) else None
        if isinstance(raw, dict):
            usage = _usage(raw)
            if usage.prompt_tokens is not None or usage.completion_tokens is not None:
                return usage
    return None


def _usage(raw: dict[str, Any]) -> Usage:
    def num(*keys: str) -> int | None:
        for key in keys:
            v = raw.get(key)
            if isinstance(v, int | float) and not isinstance(v, bool):
                return int(v)
        return None

    return Usage(
        num("prompt_tokens", "input_tokens"),
        num("completion_tokens", "output_tokens"),
        num("total_tokens"),
    )
