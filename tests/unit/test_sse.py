"""SSE edge cases, fed as raw byte chunks over real HTTP (and to the decoder directly)."""

from __future__ import annotations

import itertools
import json

import pytest

from lib.client import ChatClient
from lib.events import TextDelta
from lib.providers import Provider
from lib.request import ChatRequest, Message
from lib.sse import iter_sse_text
from tests.support.stand_in import Behaviour, StandIn


def chunk(content: str, finish: str | None = None) -> str:
    return json.dumps({"choices": [{"index": 0, "delta": {"content": content}, "finish_reason": finish}]})


def split_bytes(data: bytes, *cuts: int) -> list[bytes]:
    edges = [0, *sorted(cuts), len(data)]
    return [data[a:b] for a, b in itertools.pairwise(edges)]


def stream_raw(stand_in: StandIn, oxen: Provider, chunks: list[bytes]):  # type: ignore[no-untyped-def]
    stand_in.then(Behaviour(raw_chunks=chunks))
    with ChatClient() as client:
        events = list(client.stream(ChatRequest(oxen, "m", [Message("user", "x")], {"stream": True}), "sk-test"))
    return [e.text for e in events if isinstance(e, TextDelta)], events[-1].result  # type: ignore[union-attr]


@pytest.mark.parametrize("eol", ["\n", "\r\n", "\r"])
def test_line_endings(stand_in: StandIn, oxen: Provider, eol: str) -> None:
    body = f"data: {chunk('Hel')}{eol}{eol}data: {chunk('lo', 'stop')}{eol}{eol}data: [DONE]{eol}{eol}".encode()
    # Cut between CR and LF too, where a CRLF can be mistaken for two line ends.
    texts, result = stream_raw(stand_in, oxen, split_bytes(body, body.index(b"\n") if "\n" in eol else 5, 40))
    assert texts == ["Hel", "lo"] and result.status == "complete"


def test_multibyte_utf8_split_across_chunks(stand_in: StandIn, oxen: Provider) -> None:
    body = f"data: {json.dumps({'choices': [{'delta': {'content': 'héllo 👋 שלום'}}]}, ensure_ascii=False)}\n\n"
    raw = body.encode() + b"data: [DONE]\n\n"
    emoji_at = raw.index("👋".encode())
    texts, result = stream_raw(stand_in, oxen, split_bytes(raw, raw.index("é".encode()) + 1, emoji_at + 2))
    assert texts == ["héllo 👋 שלום"] and result.status == "complete"


def test_u2028_inside_json_is_not_a_line_break(stand_in: StandIn, oxen: Provider) -> None:
    text = "line\u2028separator\u2029para"
    raw = f"data: {json.dumps({'choices': [{'delta': {'content': text}}]}, ensure_ascii=False)}\n\ndata: [DONE]\n\n"
    texts, _ = stream_raw(stand_in, oxen, [raw.encode()])
    assert texts == [text]


def test_multi_line_data_and_comments(stand_in: StandIn, oxen: Provider) -> None:
    raw = (
        b": keep-alive comment\n\n"
        b'data: {"choices": [{"delta":\n'
        b'data: {"content": "joined"}}]}\n\n'
        b": ping\n\n"
        b"data: [DONE]\n\n"
    )
    texts, result = stream_raw(stand_in, oxen, split_bytes(raw, 10, 30))
    assert texts == ["joined"] and result.status == "complete"


def test_last_event_without_blank_line(stand_in: StandIn, oxen: Provider) -> None:
    raw = f"data: {chunk('a')}\n\ndata: {chunk('b', 'stop')}".encode()
    texts, result = stream_raw(stand_in, oxen, [raw])
    assert texts == ["a", "b"] and result.status == "complete"


def test_decoder_directly_on_one_byte_chunks() -> None:
    raw = f"event: message\r\ndata: {chunk('x')}\r\n\r\n: c\r\ndata: [DONE]"
    events = [e for e in iter_sse_text(list(raw)) if e.event != "comment"]
    assert [e.data for e in events] == [chunk("x"), "[DONE]"]
