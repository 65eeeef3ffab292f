"""Recordings: a real stream from the stand-in recorded with its timing, stored compactly as JSON,
read back (and refused when damaged), and replayed at its pace with no server."""

from __future__ import annotations

import json
import time

import pytest

from lib.client import ChatClient
from lib.events import Done, Metrics, ReasoningDelta, TextDelta
from lib.providers import Provider
from lib.recording import Chunk, Recorder, Recording, from_json, replay
from lib.request import ChatRequest, Message
from tests.support.stand_in import Behaviour, StandIn


def _record(oxen: Provider, stand_in: StandIn, tokens: list[str], interval: float) -> Recording:
    stand_in.then(Behaviour(tokens=tokens, token_interval=interval))
    request = ChatRequest(oxen, "gpt-oss-120b", [Message("user", "hi")], {"stream": True})
    with ChatClient() as client:
        recorder = Recorder()
        for event in client.stream(request, "sk-test"):
            recorder.add(event)
    return recorder.recording


def test_a_real_stream_is_recorded_with_its_timing_and_replays_at_its_pace(oxen: Provider, stand_in: StandIn) -> None:
    tokens = [f"w{i} " for i in range(8)]
    rec = _record(oxen, stand_in, tokens, 0.1)
    assert rec.text == "".join(tokens)
    assert rec.status == "complete" and rec.metrics.latency is not None and rec.usage is not None
    # Sent 0.1 s apart: the times say so (a busy machine may bunch two, never shorten the whole).
    assert 600 <= rec.chunks[-1].ms - rec.chunks[0].ms < 2000, [c.ms for c in rec.chunks]
    assert sorted(c.ms for c in rec.chunks) == [c.ms for c in rec.chunks]
    before = len(stand_in.requests)
    start = time.monotonic()
    seen: list[tuple[float, str]] = []
    for event in replay(from_json(json.loads(json.dumps(rec.to_json())))):
        if isinstance(event, TextDelta):
            seen.append((time.monotonic() - start, event.text))
        elif isinstance(event, Done):
            assert event.result.text == rec.text
            assert event.result.metrics.latency == pytest.approx(rec.metrics.latency, abs=1e-3)
    assert len(stand_in.requests) == before
    for (at, text), chunk in zip(seen, rec.chunks, strict=True):
        assert text == chunk.text
        assert abs(at - chunk.ms / 1000) < 0.1  # a loaded 2-core machine oversleeps; the schedule never drifts


def test_replay_at_twice_the_speed_takes_half_the_time() -> None:
    rec = Recording([Chunk(0, "a"), Chunk(200, "b", reasoning=True), Chunk(400, "c")])
    start = time.monotonic()
    events = list(replay(rec, speed=2.0))
    assert 0.19 <= time.monotonic() - start < 0.35
    assert [type(e) for e in events] == [TextDelta, ReasoningDelta, TextDelta, Done]
    done = events[-1]
    assert isinstance(done, Done) and done.result.text == "ac" and done.result.reasoning == "b"


def test_the_end_comes_when_the_original_ended_not_with_the_last_chunk() -> None:
    """The last byte came 300 ms after the last chunk: Done waits for that moment (a fake clock)."""
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    rec = Recording([Chunk(0, "a"), Chunk(100, "b")], Metrics(0.0, 0.4, None, None))
    at = [(type(e).__name__, now[0]) for e in replay(rec, clock=lambda: now[0], sleep=sleep)]
    assert at == [("TextDelta", 0.0), ("TextDelta", 0.1), ("Done", 0.4)]
    assert [(type(e).__name__) for e in replay(Recording([Chunk(0, "a")]), clock=lambda: 0.0, sleep=sleep)] == [
        "TextDelta",
        "Done",
    ]  # no latency recorded: the end follows at once


def test_the_stored_form_is_compact() -> None:
    rec = Recording([Chunk(i * 50, f"word{i} ") for i in range(200)])
    stored = json.dumps(rec.to_json(), separators=(",", ":"))
    assert len(stored) < len(rec.text) + 200 * 10 + 100
    assert from_json(json.loads(stored)).chunks == rec.chunks


def test_chunks_in_the_same_millisecond_are_merged() -> None:
    now = [0.0]
    recorder = Recorder(started=0.0, clock=lambda: now[0])
    recorder.add(TextDelta("a"))
    recorder.add(TextDelta("b"))
    now[0] = 0.01
    recorder.add(TextDelta("c"))
    assert recorder.recording.chunks == [Chunk(0, "ab"), Chunk(10, "c")]


@pytest.mark.parametrize(
    "data",
    [None, {"v": 2, "c": []}, {"v": 1, "c": [[5, "a"], [1, "b"]]}, {"v": 1, "c": [["x", "a"]]},
     {"v": 1, "c": [[1, 2]]}, {"v": 1, "c": [[1, "a", "z"]]}],
)  # fmt: skip
def test_a_damaged_recording_is_one_sentence(data: object) -> None:
    with pytest.raises(ValueError, match="recording"):
        from_json(data)
