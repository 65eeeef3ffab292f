"""Server-sent events over httpx, decoded by httpx-sse.

httpx-sse's EventSource drops a last event that has no closing blank line and hides comments; the
watchdog needs to see comments (`: ping`) arrive, so this drives httpx-sse's own decoders directly.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass

import httpx
from httpx_sse._decoders import SSEDecoder, SSELineDecoder  # pinned: httpx-sse==0.4.3


@dataclass(frozen=True, slots=True)
class SSE:
    event: str  # "message" when the server named none; "comment" for `: ...` lines
    data: str


_COMMENT = SSE("comment", "")


def _decode(lines: Iterable[str], decoder: SSEDecoder) -> Iterator[SSE]:
    for line in lines:
        if line.startswith(":"):
            yield _COMMENT
            continue
        sse = decoder.decode(line)
        if sse is not None:
            yield SSE(sse.event, sse.data)


def _flush(line_decoder: SSELineDecoder, decoder: SSEDecoder) -> Iterator[SSE]:
    yield from _decode(line_decoder.flush(), decoder)
    last = decoder.decode("")  # dispatch a last event that had no closing blank line
    if last is not None:
        yield SSE(last.event, last.data)


def iter_sse_text(chunks: Iterable[str]) -> Iterator[SSE]:
    """Events from text chunks as they arrive (any split, CR / LF / CRLF line ends)."""
    line_decoder, decoder = SSELineDecoder(), SSEDecoder()
    for text in chunks:
        if text:
            yield from _decode(line_decoder.decode(text), decoder)
    yield from _flush(line_decoder, decoder)


def iter_sse(response: httpx.Response) -> Iterator[SSE]:
    """Events of a streaming httpx response."""
    return iter_sse_text(response.iter_text())


async def aiter_sse(response: httpx.Response) -> AsyncIterator[SSE]:
    """Events of a streaming httpx response, async."""
    line_decoder, decoder = SSELineDecoder(), SSEDecoder()
    async for text in response.aiter_text():
        if text:
            for sse in _decode(line_decoder.decode(text), decoder):
                yield sse
    for sse in _flush(line_decoder, decoder):
        yield sse
