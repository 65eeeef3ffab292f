"""What a chat request produces: typed events while it runs, one ChatResult at the end."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from lib.errors import WorkbenchError

Status = Literal["running", "complete", "stopped", "incomplete", "error"]
UsageSource = Literal["reported", "counted"]


@dataclass(frozen=True, slots=True)
class TextDelta:
    text: str


@dataclass(frozen=True, slots=True)
class ReasoningDelta:
    text: str


@dataclass(frozen=True, slots=True)
class RefusalDelta:
    """The model declined: `delta.refusal` (or a `refusal` content part), shown as a refusal."""

    text: str


@dataclass(frozen=True, slots=True)
class OtherPart:
    """A content part that is neither text nor reasoning (an image, audio, ...): named, never dropped."""

    type: str
    part: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ToolCallDelta:
    index: int
    id: str | None
    name: str | None
    arguments: str


@dataclass(frozen=True, slots=True)
class Usage:
    prompt_tokens: int | None
    completion_tokens: int | None
    total_tokens: int | None
    source: UsageSource = "reported"  # "counted": the app counted, the server reported nothing


@dataclass(frozen=True, slots=True)
class Finish:
    reason: str


@dataclass
class Metrics:
    ttft: float | None = None  # seconds, request sent -> first content or reasoning
    latency: float | None = None  # seconds, request sent -> last byte
    tokens_per_s: float | None = None  # completion tokens over the time after the first token
    cost: float | None = None  # USD; None when the model's price is unknown


@dataclass
class ToolCall:
    id: str | None = None
    name: str = ""
    arguments: str = ""


@dataclass
class ChatResult:
    text: str = ""
    reasoning: str = ""
    refusal: str = ""  # the model's refusal, when it declined (the text is then usually empty)
    tool_calls: list[ToolCall] = field(default_factory=list)
    other_parts: list[dict[str, Any]] = field(default_factory=list)  # content parts shown by type only
    logprobs: list[dict[str, Any]] = field(default_factory=list)  # `logprobs.content`: token, logprob, top
    finish_reason: str | None = None
    usage: Usage | None = None
    status: Status = "running"
    error: WorkbenchError | None = None
    metrics: Metrics = field(default_factory=Metrics)
    raw: dict[str, Any] | None = None  # the non-streamed response body

    def raise_for_error(self) -> ChatResult:
        if self.error is not None:
            raise self.error
        return self


@dataclass(frozen=True, slots=True)
class Done:
    result: ChatResult


Event = TextDelta | ReasoningDelta | RefusalDelta | OtherPart | ToolCallDelta | Usage | Finish | Done


@dataclass(frozen=True)
class Pricing:
    input_cost_per_token: float | None = None
    output_cost_per_token: float | None = None

    def cost(self, usage: Usage | None) -> float | None:
        """USD for this usage, or None when a price or a count is unknown."""
        if self.input_cost_per_token == 0 and self.output_cost_per_token == 0:
            return 0.0  # a free model costs nothing whatever was counted
        if usage is None or self.input_cost_per_token is None or self.output_cost_per_token is None:
            return None
        if usage.prompt_tokens is None or usage.completion_tokens is None:
            return None
        return usage.prompt_tokens * self.input_cost_per_token + usage.completion_tokens * self.output_cost_per_token


FREE = Pricing(0.0, 0.0)
