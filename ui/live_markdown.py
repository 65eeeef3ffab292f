"""A streaming answer drawn in the page at a flat cost: lib/markdown_stream.py decides the pieces
(finished blocks, drawn once; the open block as parts plus a short live tail; everything whole at
the end), this draws each in its own element, redrawing only the pieces that changed. Model text is
drawn only through `safe_markdown`."""

from __future__ import annotations

import itertools
import time

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from lib.markdown_stream import MarkdownStream, Piece
from lib.safe_markdown import safe_markdown

DRAW_EVERY = 0.15  # seconds between redraws of a long live tail: cheap for the browser
DRAW_SHORT_EVERY = 0.03  # a short tail is cheap to redraw: short answers stream word by word
SHORT_TAIL = 500  # characters
CURSOR = " ▌"
SETTLE = 0.1  # seconds between the last words in the tail and the open block drawn whole


_ids = itertools.count()
# The parts of a block still open, drawn as one: the gap between elements and the edges of code
# blocks at the seams go, a repeated table header is hidden, and copy buttons wait for the whole
# block (the parts are redrawn as one element when it closes). A part's container key names its
# seams: lmd-<stream>-<draw>-from-<how it joins the part before>-to-<how the next joins it>-.
SEAMS_CSS = """<style>
[data-testid="stLayoutWrapper"]:has(> [class*="st-key-lmd-"]:not([class*="-from-none-"])) { margin-top: -1rem; }
[class*="st-key-lmd-"][class*="-to-code-"] :is(pre, [data-testid="stCode"]) {
  padding-bottom: 0; border-bottom-left-radius: 0; border-bottom-right-radius: 0; }
[class*="st-key-lmd-"][class*="-from-code-"] :is(pre, [data-testid="stCode"]) {
  padding-top: 0; border-top-left-radius: 0; border-top-right-radius: 0; }
[class*="st-key-lmd-"][class*="-from-table-"] thead { visibility: collapse; }
[class*="st-key-lmd-"][class*="-from-block-"] [data-testid="stMarkdownContainer"] > blockquote:first-child {
  margin-top: 0; }
[class*="st-key-lmd-"][class*="-from-"] [data-testid="stElementToolbarButton"] { display: none; }
</style>"""


class LiveMarkdown:
    """Streams Markdown into `parent` (the current container by default). Each update redraws the
    live tail and whatever else changed (a part frozen, a block closed and drawn whole); the rest of
    the page is left alone, so the browser's work per update stays the same however long the text."""

    def __init__(self, parent: DeltaGenerator | None = None) -> None:
        self.id = next(_ids)
        where = parent or st
        where.html(SEAMS_CSS)
        self.area = where.container(key=f"lmd-{self.id}")
        self.slots: list[DeltaGenerator] = []
        self.drawn: list[tuple[str, str]] = []  # the Markdown source each slot shows, and its seams
        self.draws = 0
        self.stream = MarkdownStream()
        self.drawn_at = 0.0
        self.finished = False

    def waiting(self) -> None:
        """A mark where the answer will appear, until its first delta."""
        self._draw(0, "…")

    def update(self, text: str, final: bool = False) -> None:
        now = time.monotonic()
        tail = len(text) - (self.stream.part_end if self.stream.text else 0)
        every = DRAW_SHORT_EVERY if tail < SHORT_TAIL else DRAW_EVERY
        if not final and now - self.drawn_at < every:
            return
        self.drawn_at = now
        self.finished = final
        pieces = self.stream.update(text)
        if final and any(p.part for p in pieces):
            # The open block is drawn whole at the end, one long redraw for the browser: show the
            # last words in the live tail first, and give the browser a moment to paint them.
            self._show(pieces, cursor=False)
            time.sleep(SETTLE)
        if final:
            pieces = self.stream.update(text, final=True)
        self._show(pieces, cursor=not final)

    def _show(self, pieces: list[Piece], cursor: bool) -> None:
        for i, piece in enumerate(pieces):
            live = cursor and i == len(pieces) - 1
            seams = f"from-{piece.joins or 'none'}-to-{piece.continues or 'none'}-" if piece.part else ""
            self._draw(i, piece.text + CURSOR if live else piece.text, seams)
        for i in range(len(pieces), len(self.slots)):
            if self.drawn[i][0]:
                self.slots[i].empty()
                self.drawn[i] = ("", "")

    def _draw(self, i: int, source: str, seams: str = "") -> None:
        while len(self.slots) <= i:
            self.slots.append(self.area.empty())
            self.drawn.append(("", ""))
        old, old_seams = self.drawn[i]
        if (old is source or old == source) and old_seams == seams:
            return
        slot = self.slots[i]
        if seams:  # a part: in a container whose CSS class names its seams (see SEAMS_CSS)
            self.draws += 1
            slot = slot.container(key=f"lmd-{self.id}-{self.draws}-{seams}")
        slot.markdown(safe_markdown(source))
        self.drawn[i] = (source, seams)


class LiveReasoning:
    """The reasoning of a streaming answer, drawn by the same renderer in one collapsed expander,
    made at its first delta (opening it shows it streaming)."""

    def __init__(self) -> None:
        self.slot = st.empty()
        self.live: LiveMarkdown | None = None

    def update(self, text: str, final: bool = False) -> None:
        if self.live is None:
            self.live = LiveMarkdown(self.slot.expander("Reasoning", expanded=False))
        if not self.live.finished:
            self.live.update(text, final)
