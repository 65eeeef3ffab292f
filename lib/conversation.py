"""A conversation as plain data: the messages a chat page keeps in session state, and the rules about
them that need no page (what is sent, what a retry replaces, how a cut answer is marked)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from lib import variables
from lib.events import ChatResult, Metrics, Status, Usage
from lib.images import image_parts
from lib.request import Message, Role
from lib.tools import as_openai

# An answer's status: the engine's, "interrupted" when another click cut it, "" for a message
# that was typed, imported or loaded from a link.
MessageStatus = Status | Literal["interrupted", ""]
SAMPLE = "Hello, what can you do?"  # sent when there is no question yet, so the code is a real request
DEFAULT_MAX_TOKENS = 256  # the guess to double when an answer was cut and nobody knows its limit


@dataclass
class ChatMessage:
    """One entry of a conversation, with a stable `id` for its widgets."""

    id: int
    role: Role
    content: str = ""
    reasoning: str = ""
    refusal: str = ""  # the model declined: its words, shown marked as a refusal
    other_parts: list[str] = field(default_factory=list)  # types of content parts that are not text, named
    status: MessageStatus = ""
    finish_reason: str | None = None
    error: str | None = None  # the sentence shown in place of (or under) the answer
    error_action: str | None = None  # what would fix it: "key", "start_local", ... (WorkbenchError.action)
    metrics: Metrics | None = None
    usage: Usage | None = None
    max_tokens: int | None = None  # the limit the answer was asked with, when one was sent
    outdated: bool = False  # an answer whose question was edited after it was given
    tool_calls: list[dict[str, Any]] | None = None  # the assistant's calls, as the API takes them back
    tool_call_id: str | None = None  # a tool message: the call it answers
    name: str | None = None  # a tool message: the function's name (shown, not sent)
    logprobs: list[dict[str, Any]] | None = None  # the answer's `logprobs.content`, when asked for
    attachments: list[dict[str, Any]] = field(default_factory=list)  # images (lib/images.py), by file
    response_format: dict[str, Any] | None = None  # what the answer was asked for: its schema check

    def start(self, max_tokens: int | None) -> None:
        """Empty the message for an answer that is about to stream in."""
        self.content, self.reasoning, self.refusal, self.other_parts = "", "", "", []
        self.status, self.max_tokens = "running", max_tokens
        self.tool_calls, self.logprobs = None, None

    def record(self, result: ChatResult) -> None:
        """Copy a finished result in, as plain data (an error becomes its sentence and its action)."""
        self.content = result.text
        self.reasoning = result.reasoning
        self.refusal = result.refusal
        self.other_parts = [str(part.get("type") or "untyped") for part in result.other_parts]
        self.status = result.status
        self.finish_reason = result.finish_reason
        self.error = str(result.error) if result.error else None
        self.error_action = result.error.action if result.error else None
        self.metrics = replace(result.metrics)
        self.tool_calls = as_openai(result.tool_calls) or None
        # Asked for (an empty list since `start`) but none came: stays empty, so the page can say so.
        self.logprobs = list(result.logprobs) if result.logprobs else ([] if self.logprobs is not None else None)
        if result.usage:
            self.usage = result.usage

    @property
    def cut_at_limit(self) -> bool:
        """The answer stopped at the token limit (not at an error): the model had more to say."""
        return self.finish_reason == "length" and not self.error


def mark_cut(messages: list[ChatMessage], stopped: bool) -> None:
    """An answer still "running" when a run starts was cut by that run's click (the run that streamed
    it cannot tell a Stop from another click: Streamlit stops it the same way). `stopped`: the click
    was a Stop. An answer already marked keeps its mark."""
    if messages and messages[-1].status == "running":
        messages[-1].status = "stopped" if stopped else "interrupted"


def edit(messages: list[ChatMessage], message_id: int, text: str, regenerate: bool) -> None:
    """Give a message new text. `regenerate`: drop everything after it (the caller asks again);
    otherwise the answers below it, if its text changed, are marked as answering the old text."""
    at = next((i for i, m in enumerate(messages) if m.id == message_id), None)
    if at is None:
        return
    changed = messages[at].content != text
    messages[at].content = text
    if regenerate:
        del messages[at + 1 :]
    elif changed:
        for later in messages[at + 1 :]:
            if later.role == "assistant":
                later.outdated = True


def shows_metrics(answer: ChatMessage) -> bool:
    """Whether an answer has a metrics strip: it reached the model (something arrived, or it ended
    without an error). A request refused before sending, or failed before any byte, has none."""
    m = answer.metrics
    return answer.role == "assistant" and m is not None and (m.ttft is not None or answer.error is None)


def has_question(messages: Sequence[ChatMessage]) -> bool:
    return any(m.role == "user" for m in messages)


def drop_answers(messages: list[ChatMessage]) -> None:
    """Remove the answers at the end, so the last question is asked again (Regenerate)."""
    while messages and messages[-1].role == "assistant":
        messages.pop()


def drop_failed_answer(messages: list[ChatMessage]) -> None:
    """A retry replaces the answer it retries."""
    if messages and messages[-1].role == "assistant":
        messages.pop()


def variable_names(system: str, messages: Sequence[ChatMessage]) -> list[str]:
    """The `{{name}}` placeholders of the system prompt and the conversation, first-seen order."""
    return variables.names([system] + [m.content for m in messages])


def request_messages(messages: Sequence[ChatMessage], system: str, values: Mapping[str, str]) -> list[Message]:
    """What the model is sent: the system prompt, then the conversation up to its last question, with
    {{variables}} filled; the sample question when there is none yet."""
    history = [
        Message(m.role, variables.fill(m.content, values), tool_call_id=m.tool_call_id, tool_calls=m.tool_calls,
                images=image_parts(m.attachments))
        for m in messages
        if m.content or m.tool_calls or m.role == "tool" or m.attachments
    ]  # fmt: skip
    while history and history[-1].role == "assistant":
        history.pop()
    history = answered_calls_only(history)
    system = system.strip()
    head = [Message("system", variables.fill(system, values))] if system else []
    return head + (history or [Message("user", SAMPLE)])


def answered_calls_only(history: list[Message]) -> list[Message]:
    """The messages with each tool call that no `tool` message answered left out (an answer left
    with neither a call nor text goes too), and each `tool` message that answers no call: providers
    refuse both, so a question typed instead of "Send tool results" would break the conversation."""
    out: list[Message] = []
    for i, m in enumerate(history):
        if m.role == "assistant" and m.tool_calls:
            after = history[i + 1 :]
            tail = after[: next((k for k, n in enumerate(after) if n.role != "tool"), len(after))]
            answered = {t.tool_call_id for t in tail}
            calls = [c for c in m.tool_calls if c.get("id") in answered]
            if calls != m.tool_calls:
                m = replace(m, tool_calls=calls or None)
                if not calls and not m.content and not m.images:
                    continue
        elif m.role == "tool":
            asked = next((p for p in reversed(out) if p.role != "tool"), None)
            if asked is None or not any(c.get("id") == m.tool_call_id for c in asked.tool_calls or ()):
                continue
        out.append(m)
    return out


def shareable(messages: Sequence[ChatMessage]) -> list[dict[str, str]]:
    """Role and content of each message with text: what a share link carries (never metrics or errors)."""
    return [{"role": m.role, "content": m.content} for m in messages if m.content]


def raised_max_tokens(answer: ChatMessage, maximum: float | None, default: float | None = None) -> int:
    """A limit worth regenerating with (doubling a cut at 3 gives 6, still useless): the model's
    default when that is more, else four times the limit the answer was cut at (or the tokens it
    got), and at least DEFAULT_MAX_TOKENS; within the model's maximum."""
    current = answer.max_tokens or (answer.usage.completion_tokens if answer.usage else None)
    want = max(4 * current if current else 2 * DEFAULT_MAX_TOKENS, int(default or 0), DEFAULT_MAX_TOKENS)
    return int(min(want, maximum) if maximum else want)


def _seconds(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f} s"


def metrics_line(answer: ChatMessage) -> str:
    """'**TTFT** 0.12 s · **Latency** 1.40 s · **Tokens/s** 52.1 · **Cost** $0 · 4 prompt / 40 completion
    tokens (counted by the app)', as Markdown."""
    m = answer.metrics or Metrics()
    cost, rate = m.cost, m.tokens_per_s
    parts = [
        f"**TTFT** {_seconds(m.ttft)}",
        f"**Latency** {_seconds(m.latency)}",
        f"**Tokens/s** {'–' if rate is None else f'{rate:.1f}'}",
        f"**Cost** {'unknown' if cost is None else ('$0' if cost == 0 else f'${cost:.6f}')}",
    ]
    u = answer.usage
    counts = []
    if u and u.prompt_tokens is not None:
        counts.append(f"{u.prompt_tokens} prompt")
    if u and u.completion_tokens is not None:
        counts.append(f"{u.completion_tokens} completion")
    if u and counts:
        label = " (counted by the app)" if u.source == "counted" else ""
        parts.append(" / ".join(counts) + " tokens" + label)
    return " · ".join(parts)
