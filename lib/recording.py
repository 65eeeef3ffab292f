"""Recorded answers: each chunk of a streamed answer with the moment it arrived, kept compactly, and
played back as the same events at the same pace with no network and no model (a demo that survives
bad Wi-Fi). Stored as JSON in `messages.recording` and in scenario files:

    {"v": 1, "c": [[ms, text], [ms, text, "r"], ...], "m": [ttft, latency, tokens/s, cost],
     "u": [prompt, completion, total, source], "f": finish reason, "s": status}

`ms` is whole milliseconds after the request was sent; a chunk with "r" is reasoning. Chunks that
arrive within the same millisecond are merged, so a recording is about its text plus a few bytes
per chunk."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from lib.events import ChatResult, Done, Event, Metrics, ReasoningDelta, TextDelta, Usage

VERSION = 1
MAX_CHUNKS = 100_000  # a recording from a file is anybody's text: bounded


@dataclass
class Chunk:
    ms: int
    text: str
    reasoning: bool = False


@dataclass
class Recording:
    chunks: list[Chunk] = field(default_factory=list)
    metrics: Metrics = field(default_factory=Metrics)
    usage: Usage | None = None
    finish_reason: str | None = None
    status: str = "complete"

    @property
    def text(self) -> str:
        return "".join(c.text for c in self.chunks if not c.reasoning)

    @property
    def reasoning(self) -> str:
        return "".join(c.text for c in self.chunks if c.reasoning)

    @property
    def duration(self) -> float:
        """Seconds from the request to the last chunk (or the recorded latency, when longer)."""
        last = self.chunks[-1].ms / 1000 if self.chunks else 0.0
        return max(last, self.metrics.latency or 0.0)

    def to_json(self) -> dict[str, Any]:
        m = self.metrics
        out: dict[str, Any] = {
            "v": VERSION,
            "c": [[c.ms, c.text, "r"] if c.reasoning else [c.ms, c.text] for c in self.chunks],
            "m": [_round(m.ttft), _round(m.latency), _round(m.tokens_per_s), m.cost],
            "s": self.status,
        }
        if self.usage is not None:
            u = self.usage
            out["u"] = [u.prompt_tokens, u.completion_tokens, u.total_tokens, u.source]
        if self.finish_reason:
            out["f"] = self.finish_reason
        return out


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def from_json(data: Any) -> Recording:
    """A stored or imported recording, checked; ValueError with one sentence when it is not one."""
    if not isinstance(data, dict) or data.get("v") != VERSION or not isinstance(data.get("c"), list):
        raise ValueError("The recording is not one this app can play (an unknown or damaged format).")
    raw = data["c"]
    if len(raw) > MAX_CHUNKS:
        raise ValueError(f"The recording has over {MAX_CHUNKS:,} chunks; it was not loaded.")
    chunks: list[Chunk] = []
    last = 0
    for item in raw:
        ok = isinstance(item, list) and len(item) in (2, 3) and _count(item[0]) is not None
        if not ok or not isinstance(item[1], str) or item[0] < last or (len(item) == 3 and item[2] != "r"):
            raise ValueError("The recording's chunks are damaged (each needs a time, in order, and a text).")
        last = item[0]
        chunks.append(Chunk(item[0], item[1], len(item) == 3))
    m: list[Any] = data["m"] if isinstance(data.get("m"), list) and len(data["m"]) == 4 else [None] * 4
    metrics = Metrics(_number(m[0]), _number(m[1]), _number(m[2]), _number(m[3]))
    usage = None
    u = data.get("u")
    if isinstance(u, list) and len(u) == 4:
        usage = Usage(_count(u[0]), _count(u[1]), _count(u[2]), "counted" if u[3] == "counted" else "reported")
    finish = data.get("f") if isinstance(data.get("f"), str) else None
    status = str(data["s"]) if data.get("s") in ("complete", "stopped", "incomplete") else "complete"
    return Recording(chunks, metrics, usage, finish, status)


class Recorder:
    """Keeps each text and reasoning delta of a stream with its time after `started` (the moment the
    request was sent, time.monotonic), and the result's metrics at the end."""

    def __init__(self, started: float | None = None, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self.started = clock() if started is None else started
        self.recording = Recording()

    def add(self, event: Event) -> None:
        if isinstance(event, TextDelta | ReasoningDelta) and event.text:
            ms = max(0, round((self.clock() - self.started) * 1000))
            reasoning = isinstance(event, ReasoningDelta)
            chunks = self.recording.chunks
            if chunks and chunks[-1].ms == ms and chunks[-1].reasoning == reasoning:
                chunks[-1].text += event.text  # same millisecond: one chunk is as faithful and smaller
            else:
                chunks.append(Chunk(ms, event.text, reasoning))
        elif isinstance(event, Done):
            self.finish(event.result)

    def finish(self, result: ChatResult) -> Recording:
        rec = self.recording
        rec.metrics = Metrics(result.metrics.ttft, result.metrics.latency, result.metrics.tokens_per_s,
                              result.metrics.cost)  # fmt: skip
        rec.usage, rec.finish_reason = result.usage, result.finish_reason
        rec.status = result.status if result.status in ("complete", "stopped", "incomplete") else "complete"
        return rec


def replay(
    recording: Recording,
    speed: float = 1.0,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[Event]:
    """The recording's events at its pace (`speed` 2.0: twice as fast), then Done with its result.
    Each chunk waits for its own moment after the start, so a slow consumer never makes the
    schedule drift: a late chunk comes at once and the next keeps its time."""
    start = clock()
    text = reasoning = ""
    for chunk in recording.chunks:
        wait = start + chunk.ms / 1000 / speed - clock()
        if wait > 0:
            sleep(wait)
        if chunk.reasoning:
            reasoning += chunk.text
            yield ReasoningDelta(chunk.text)
        else:
            text += chunk.text
            yield TextDelta(chunk.text)
    m = recording.metrics
    if m.latency is not None:
        # The end comes when the original's did (its last byte, often well after its last chunk): drawn
        # at once, the finished answer's redraw held the last chunk back 86-185 ms in Chromium.
        wait = start + m.latency / speed - clock()
        if wait > 0:
            sleep(wait)
    metrics = Metrics(m.ttft, m.latency, m.tokens_per_s, m.cost)  # what the original answer measured
    result = ChatResult(text=text, reasoning=reasoning, finish_reason=recording.finish_reason,
                        usage=recording.usage, status=recording.status, metrics=metrics)  # type: ignore[arg-type]  # fmt: skip
    yield Done(result)
