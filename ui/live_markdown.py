"""A streaming answer drawn in the page at a bounded cost (what to freeze comes from
lib/markdown_stream.py); model text is drawn only through `safe_markdown`."""

from __future__ import annotations

import time

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from lib.markdown_stream import cut_point
from lib.safe_markdown import safe_markdown

DRAW_EVERY = 0.15  # seconds between redraws of a long unfinished tail: cheap for the browser
DRAW_SHORT_EVERY = 0.03  # a short tail is cheap to redraw: short answers stream word by word


class LiveMarkdown:
    """Streams Markdown into the page at a bounded cost: finished blocks are frozen in their own
    elements and only the unfinished tail is redrawn, less often as it grows. Redrawing
    the whole text on every chunk makes the browser fall seconds behind on long answers."""

    def __init__(self) -> None:
        self.area = st.container()
        self.tail = self.area.empty()
        self.frozen = 0
        self.drawn_at = 0.0

    def update(self, text: str, final: bool = False) -> None:
        now = time.monotonic()
        every = DRAW_SHORT_EVERY if len(text) - self.frozen < 500 else DRAW_EVERY
        if not final and now - self.drawn_at < every:
            return
        self.drawn_at = now
        cut = cut_point(text, self.frozen)
        if cut > self.frozen:
            self.tail.markdown(safe_markdown(text[self.frozen : cut]))
            self.tail = self.area.empty()
            self.frozen = cut
        self.tail.markdown(safe_markdown(text[self.frozen :]) + ("" if final else " ▌"))


class LiveReasoning:
    """The reasoning of a streaming answer: one collapsed expander, drawn at its first delta (opening
    it shows it streaming) and redrawn at most every DRAW_EVERY seconds."""

    def __init__(self) -> None:
        self.slot = st.empty()
        self.box: DeltaGenerator | None = None
        self.drawn_at = 0.0

    def update(self, text: str) -> None:
        if self.box is None:
            self.box = self.slot.expander("Reasoning", expanded=False).empty()
        if time.monotonic() - self.drawn_at >= DRAW_EVERY:
            self.drawn_at = time.monotonic()
            self.box.markdown(safe_markdown(text) + " ▌")
