"""A streaming answer drawn in the page at a flat cost: lib/markdown_stream.py decides the pieces
(finished blocks, drawn once; the open block as parts plus a short live tail; everything whole at
the end), this draws each in its own element, redrawing only the pieces that changed. Model text is
drawn only through `safe_markdown`."""

from __future__ import annotations

import time

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from lib.markdown_stream import MarkdownStream
from lib.safe_markdown import safe_markdown

DRAW_EVERY = 0.15  # seconds between redraws of a long live tail: cheap for the browser
DRAW_SHORT_EVERY = 0.03  # a short tail is cheap to redraw: short answers stream word by word
SHORT_TAIL = 500  # characters
CURSOR = " ▌"


class LiveMarkdown:
    """Streams Markdown into `parent` (the current container by default). Each update redraws the
    live tail and whatever else changed (a part frozen, a block closed and drawn whole); the rest of
    the page is left alone, so the browser's work per update stays the same however long the text."""

    def __init__(self, parent: DeltaGenerator | None = None) -> None:
        self.area = (parent or st).container()
        self.slots: list[DeltaGenerator] = []
        self.drawn: list[str] = []  # the Markdown source each slot shows
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
        pieces = self.stream.update(text, final)
        for i, piece in enumerate(pieces):
            live = not final and i == len(pieces) - 1
            self._draw(i, piece.text + CURSOR if live else piece.text)
        for i in range(len(pieces), len(self.slots)):
            if self.drawn[i]:
                self.slots[i].empty()
                self.drawn[i] = ""

    def _draw(self, i: int, source: str) -> None:
        while len(self.slots) <= i:
            self.slots.append(self.area.empty())
            self.drawn.append("")
        if self.drawn[i] is not source and self.drawn[i] != source:
            self.slots[i].markdown(safe_markdown(source))
            self.drawn[i] = source


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
