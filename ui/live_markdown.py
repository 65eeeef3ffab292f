"""A streaming answer drawn in the page at a flat cost: lib/markdown_stream.py decides the pieces
(finished blocks, drawn once; the open block as parts plus a short live tail; everything whole at
the end), this draws each in its own element, redrawing only the pieces that changed. Model text is
drawn only through `safe_markdown`."""

from __future__ import annotations

import itertools
import time
from dataclasses import replace

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
# The open block's parts sit in one container (key lmdg-...), so that drawing the block whole
# replaces them all at once. Each part's container key names its seams,
# lmd-<stream>-<draw>-from-<how it joins the part before>-to-<how the next joins it>-, for these
# rules that draw the seams away: code blocks lose their edges where they meet, a paragraph's parts
# flow on one line once the stream is over (FLOW_CSS, for that group: flowing while it streams would
# lay the whole paragraph out again on every draw, a cost that grows with it), a list item's marker
# drawn again to continue it (or the code in it) is hidden (and the item margins at a seam count
# once), a repeated table header is hidden, the rest of a long line of code waits for the whole block
# (it would be off to the right anyway), and copy buttons wait for the whole block.
# A list that starts a piece after another (elements stand a gap apart) adds no item margin to it:
# in the whole text that margin collapses into the paragraph's before it.
SEAMS_CSS = """<style>
[class*="st-key-lmdg-"] { display: block; }
[class*="st-key-lmd-"][class*="-to-code-"] :is(pre, [data-testid="stCode"]) {
  padding-bottom: 0; border-bottom-left-radius: 0; border-bottom-right-radius: 0; }
[class*="st-key-lmd-"][class*="-from-code-"] :is(pre, [data-testid="stCode"]) {
  padding-top: 0; border-top-left-radius: 0; border-top-right-radius: 0; }
[class*="st-key-lmdg-"] > [data-testid="stLayoutWrapper"]:has(> [class*="-from-codeline-"]) { display: none; }
[class*="st-key-lmd-"][class*="-from-table-"] thead { visibility: collapse; }
[class*="st-key-lmd-"]:is([class*="-from-block-"], [class*="-from-item"]) [data-testid="stMarkdownContainer"]
  > blockquote:first-child { margin-top: 0; }
[class*="st-key-lmd-"][class*="-to-"]:not([class*="-to-none-"]) [data-testid="stMarkdownContainer"]
  > :is(ul, ol):last-child > li:last-child { margin-bottom: 0; }
[class*="st-key-lmd-"]:is([class*="-from-item"], [class*="-from-code-item"]) :is([data-testid="stMarkdownContainer"],
  [data-testid="stMarkdownContainer"] > blockquote:first-child) > :is(ul, ol):first-child > li:first-child,
[class*="st-key-lmd-"]:is([class*="-from-item2-"], [class*="-from-code-item2-"])
  :is([data-testid="stMarkdownContainer"], [data-testid="stMarkdownContainer"] > blockquote:first-child)
  > :is(ul, ol):first-child > li:first-child
  > :is(ul, ol):first-child > li:first-child { list-style-type: none; margin-top: 0; }
[class*="st-key-lmd-"][class*="-from-"] [data-testid="stElementToolbarButton"] { display: none; }
[class*="st-key-lmd-"]:not([class*="-from-"]) > [data-testid="stElementContainer"]:not(:first-child)
  > [data-testid="stMarkdown"] [data-testid="stMarkdownContainer"] > :is(ul, ol):first-child > li:first-child,
[class*="st-key-lmd-"]:not([class*="-from-"]) > :not(:first-child) [class*="-from-none-"]
  > [data-testid="stElementContainer"] > [data-testid="stMarkdown"] [data-testid="stMarkdownContainer"]
  > :is(ul, ol):first-child > li:first-child { margin-top: 0; }
</style>"""


# A paragraph's parts flow on one line, once the stream is over (GROUP: the group's class).
FLOW_CSS = """<style>
GROUP > [data-testid="stLayoutWrapper"]:has(> [class*="-inline-"]),
GROUP [class*="st-key-lmd-"][class*="-inline-"],
GROUP [class*="st-key-lmd-"][class*="-inline-"] :is([data-testid="stElementContainer"], [data-testid="stMarkdown"],
  [data-testid="stMarkdown"] > div, [data-testid="stMarkdownContainer"], [data-testid="stMarkdownContainer"] > p) {
  display: inline; }
</style>"""


class _Slots:
    """Elements in a container, each redrawn only when what it shows changes."""

    def __init__(self, box: DeltaGenerator) -> None:
        self.box = box
        self.slots: list[DeltaGenerator] = []
        self.drawn: list[tuple[str, str]] = []  # the Markdown source each slot shows, and its seams
        self.inner: dict[int, DeltaGenerator] = {}  # a slot's keyed container (named for its seams)

    def slot(self, i: int) -> DeltaGenerator:
        while len(self.slots) <= i:
            self.slots.append(self.box.empty())
            self.drawn.append(("", ""))
        return self.slots[i]

    def changed(self, i: int, source: str, seams: str = "") -> bool:
        self.slot(i)
        old, old_seams = self.drawn[i]
        if (old is source or old == source) and old_seams == seams:
            return False
        self.drawn[i] = (source, seams)
        return True

    def clear_from(self, n: int) -> None:
        for i in range(n, len(self.slots)):
            if self.drawn[i] != ("", ""):
                self.slots[i].empty()
                self.drawn[i] = ("", "")
                self.inner.pop(i, None)


class LiveMarkdown:
    """Streams Markdown into `parent` (the current container by default): finished blocks in their
    own elements, the open block in a group of parts plus the live tail, redrawn whole in that
    group's place when it closes. Each update redraws the tail and whatever else changed, so the
    browser's work per update stays the same however long the text grows."""

    def __init__(self, parent: DeltaGenerator | None = None) -> None:
        self.id = next(_ids)
        where = parent or st
        where.html(SEAMS_CSS)
        self.area = _Slots(where.container(key=f"lmd-{self.id}"))
        self.group: _Slots | None = None
        self.group_at = -1  # the area slot that holds the group
        self.group_draw = 0  # in the group's key
        self.stream = MarkdownStream()
        self.drawn_at = 0.0
        self.draws = 0
        self.finished = False

    def waiting(self) -> None:
        """A mark where the answer will appear, until its first delta."""
        if self.area.changed(0, "…"):
            self.area.slot(0).markdown("…")

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
            # The open block is drawn whole at the end, a long redraw for the browser (and the
            # Playground reruns at once, which drops what is still queued): show the last words in
            # the live tail first, and give the browser a moment to paint them. Then the parts are
            # drawn as the whole looks (a paragraph's flow on one line, a long layout for the
            # browser, so not with the last words), the state the page keeps should the browser
            # skip the whole block: a busy browser draws only the last of the changes it is behind
            # on, and the run that follows replaces this answer.
            self._show(pieces, cursor="")
            time.sleep(SETTLE)
            self._show(pieces, cursor="", end=True)
            time.sleep(SETTLE)
        if final:
            pieces = self.stream.update(text, final=True)
        self._show(pieces, cursor="" if final else CURSOR, open_block=not final)

    def _show(self, pieces: list[Piece], cursor: str, open_block: bool = True, end: bool = False) -> None:
        """Draw what changed; with `open_block`, the last pieces are the open block's parts and
        live tail (which ends in `cursor`), drawn in its group; with `end`, as the stream is over."""
        n_exact = len(pieces)
        if open_block:
            n_exact = next(i for i, p in enumerate(pieces) if p.part or i == len(pieces) - 1)
            pieces = [*pieces[:-1], replace(pieces[-1], text=pieces[-1].text + cursor)]
        for i, piece in enumerate(pieces[:n_exact]):
            if self.area.changed(i, piece.text):
                self.area.slot(i).markdown(safe_markdown(piece.text))
                if i == self.group_at:
                    self.group, self.group_at = None, -1  # the block drawn whole in its group's place
        if n_exact < len(pieces):
            if self.group is None or self.group_at != n_exact:
                self.draws += 1
                self.group_draw = self.draws
                box = self.area.slot(n_exact).container(key=f"lmdg-{self.id}-{self.draws}")
                self.group, self.group_at = _Slots(box), n_exact
                self.area.drawn[n_exact] = ("", "group")
            group = self.group
            for j, piece in enumerate(pieces[n_exact:]):
                seams = f"from-{piece.joins or 'none'}-to-{piece.continues or 'none'}-" if piece.part else ""
                old_seams = group.drawn[j][1] if j < len(group.drawn) else None
                if not group.changed(j, piece.text, seams):
                    continue
                source = safe_markdown(piece.text)  # before any element is sent: none shows empty
                slot = group.slot(j)
                if seams and (seams != old_seams or j not in group.inner):
                    # A part's container is made once per seams (its key names them) and the live
                    # tail is redrawn inside it: one element updated in place per draw, not a new
                    # container the browser mounts from scratch.
                    self.draws += 1
                    group.inner[j] = slot.container(key=f"lmd-{self.id}-{self.draws}-{seams}").empty()
                elif not seams:
                    group.inner.pop(j, None)
                (group.inner[j] if seams else slot).markdown(source)
            self.group.clear_from(len(pieces) - n_exact)
            self.area.clear_from(n_exact + 1)
            if end and any(p.joins == "inline" for p in pieces[n_exact:]):
                # Style only: Streamlit keeps it out of the page's flow.
                self.area.box.html(FLOW_CSS.replace("GROUP", f".st-key-lmdg-{self.id}-{self.group_draw}"))
        else:
            self.area.clear_from(n_exact)


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
