"""Server-sent events, decoded by httpx-sse's own decoders, fed text as it arrives.

httpx-sse's EventSource drops a last event that has no closing blank line and hides comments; the
watchdog needs to see comments (`: ping`) arrive, so this drives httpx-sse's decoders directly. It is
a push decoder (text in, events out), so the engine's core stays free of I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from httpx_sse._decoders import SSEDecoder, SSELineDecoder  # pinned: httpx-sse==0.4.3


@dataclass(frozen=True, slots=True)
class SSE:
    event: str  # "message" when the server named none; "comment" for `: ...` lines
    data: str


_COMMENT = SSE("comment", "")


class SSEStream:
    """Events from text pieces in any split, with CR, LF or CRLF line ends."""

    def __init__(self) -> None:
        self._lines = SSELineDecoder()
        self._events = SSEDecoder()

    def _decode(self, lines: Iterable[str]) -> list[SSE]:
        out: list[SSE] = []
        for line in lines:
            if line.startswith(":"):
                out.append(_COMMENT)
                continue
            sse = self._events.decode(line)
            if sse is not None:
                out.append(SSE(sse.event, sse.data))
        return out

    def feed(self, text: str) -> list[SSE]:
        return self._decode(self._lines.decode(text)) if text else []

    def flush(self) -> list[SSE]:
        """The rest, at the end of the body: a last event with no closing blank line is kept."""
        out = self._decode(self._lines.flush())
        last = self._events.decode("")
        if last is not None:
            out.append(SSE(last.event, last.data))
        return out


def iter_sse_text(chunks: Iterable[str]) -> Iterator[SSE]:
    """Events from text chunks as they arrive."""
    stream = SSEStream()
    for text in chunks:
        yield from stream.feed(text)
    yield from stream.flush()
