"""Every shape of answer, streamed long enough to be drawn in parts (ui/live_markdown.py), ends
drawn right in a real Chromium: one code block with one copy button for a closed fence (that copies
all of it, highlighted in its language), a table with all its rows, a list with all its items, one
paragraph for a line without a break. Checked twice: as the stream itself leaves the page (the
parts drawn whole, without moving what is on screen) and as the finished answer is drawn after it.
The app runs against the stand-in only: these tests need no local model."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from markdown_it import MarkdownIt
from playwright.sync_api import Page, expect

from tests.support.answer_shapes import ALL_SHAPES, PROSE, REASONING, shape_text, shape_tokens
from tests.support.browser import App, message, open_app, send, start_app, stop_app, wait_answer
from tests.support.environment import app_vars
from tests.support.stand_in import Behaviour, StandIn, free_port

N = 3000  # tokens: about 12,000 characters, several parts of an open block
MD = MarkdownIt("commonmark").enable("table")

# Watch the live answer as the stream draws it: each state it shows (whether it shows the last
# token without the cursor yet, how many parts, what it holds, how tall it is).
WATCH = """
([marker, reasoning]) => {
  window.__ends = [];
  const area = () => {
    const live = document.querySelector(".st-key-live-answer");
    if (!live) return null;
    const areas = [...live.querySelectorAll('[class*="st-key-lmd-"]:not([class*="-from-"])')];
    return areas.find(a => !!a.closest("[data-testid='stExpander']") === reasoning) || null;
  };
  window.__maxParts = 0;
  const look = () => {
    const a = area();
    if (!a) return;
    const parts = a.querySelectorAll('[class*="-from-"]').length;
    window.__maxParts = Math.max(window.__maxParts, parts);
    const done = a.textContent.includes(marker) && !a.textContent.includes("\u258c");
    const copies = [...a.querySelectorAll("[data-testid='stElementToolbarButton']")]
      .filter(b => getComputedStyle(b).display !== "none");
    const state = {
      done, parts,
      pre: a.querySelectorAll("pre").length, copy: copies.length,
      li: a.querySelectorAll("li").length, tr: a.querySelectorAll("tr").length,
      blockquote: a.querySelectorAll("blockquote").length, p: a.querySelectorAll("p").length,
      code: [...a.querySelectorAll("pre code")].map(c => c.className).join(" "),
      height: Math.round(a.getBoundingClientRect().height),
    };
    const last = window.__ends[window.__ends.length - 1];
    if (!last || JSON.stringify(last) !== JSON.stringify(state)) window.__ends.push(state);
  };
  new MutationObserver(look).observe(document.body, {subtree: true, childList: true, characterData: true});
}
"""
FENCED = {
    "code ```python": "language-python",
    "code ``` (no language)": "",
    "code ~~~javascript": "language-javascript",
    "code in a list item": "language-bash",
    "one line of JSON in a fence": "language-json",
}


@pytest.fixture(scope="module")
def shapes_app(stand_in_server: StandIn) -> Iterator[App]:
    """The app with the stand-in as Oxen and no local model behind it."""
    app = start_app(app_vars(free_port(), stand_in_server.base_url, "sk-shapes"), "shapes")
    yield app
    stop_app(app)


def expected(text: str) -> dict[str, int]:
    """What a CommonMark renderer makes of the whole text."""
    html = MD.render(text)
    return {tag: len(re.findall(f"<{tag}[ >]", html)) for tag in ("pre", "li", "tr", "blockquote", "p")}


def counts(state: dict[str, Any]) -> dict[str, int]:
    return {tag: state[tag] for tag in ("pre", "li", "tr", "blockquote", "p")}


@pytest.mark.parametrize("shape", ALL_SHAPES)
def test_each_shape_ends_drawn_right(shapes_app: App, page: Page, stand_in: StandIn, shape: str) -> None:
    tokens = shape_tokens(shape, N)
    marker = f"w{N - 1}"
    reasoning = shape == REASONING
    if reasoning:
        stand_in.then(Behaviour(reasoning=tokens, tokens=["Done."], token_interval=0.002))
    else:
        stand_in.then(Behaviour(tokens=tokens, token_interval=0.002))
    text = shape_text(shape, N)
    want = expected(text)
    open_app(page, f"{shapes_app.url}/?provider=oxen&model=plain-chat-model")
    page.evaluate(WATCH, [marker, reasoning])
    send(page, f"Answer as {shape}.")
    if reasoning:
        message(page, 1).get_by_text("Reasoning").click()  # open it while it streams
    answer = wait_answer(page, 1)

    # As the finished answer is drawn after the stream.
    if reasoning:
        answer.get_by_text("Reasoning").click()
        shown = answer.get_by_test_id("stExpanderDetails").get_by_test_id("stMarkdown").first
    else:
        shown = answer.get_by_test_id("stMarkdown").first
    expect(shown).to_contain_text(marker)
    for tag, n in want.items():
        expect(shown.locator(tag)).to_have_count(n)
    height = shown.evaluate("e => Math.round(e.getBoundingClientRect().height)")

    # As the stream left it, just before the page drew the finished answer in its place: drawn in
    # parts on the way, then either the parts with all the words, or the block drawn whole, looking
    # as the finished answer does (no jump). Under load the page may rerun before the browser got
    # the stream's last draw: then it is shorter by the last words only, never taller.
    assert page.evaluate("window.__maxParts") > 0, "the answer was never drawn in parts"
    states: list[dict[str, Any]] = page.evaluate("window.__ends")
    live = states[-1]
    if live["done"] and live["parts"] == 0:
        assert counts(live) == want, (live, want)
        if shape in FENCED:
            assert (live["copy"], live["code"]) == (1, FENCED[shape])
    # Parts look as the whole (within 3 px, as whole blocks do), but for two seams that cannot be
    # drawn away to the pixel: a table's repeated header, hidden, keeps its 1 px border at each
    # seam, and a quote cannot flow one paragraph across two parts (a quoted paragraph cut mid-way
    # ends a line early: up to a 24 px line at each seam; a cut where a paragraph starts loses the
    # 16 px margin before it).
    slack = 3 + {"table": 1, "block quote": 24}.get(shape, 0) * live["parts"]
    if live["done"]:
        assert abs(live["height"] - height) <= slack, (live, height)
    else:
        # While it streams, a paragraph's parts do not flow on one line yet (only once it is over:
        # flowing costs a layout of the whole paragraph per draw), each seam ending a line early.
        if shape in (PROSE, REASONING):
            slack += 26 * live["parts"]
        assert 0.9 * height <= live["height"] <= height + slack, (live, height)
    if shape in FENCED:
        code = shown.locator("pre code")
        if FENCED[shape]:
            expect(code).to_have_class(re.compile(FENCED[shape]))
            expect(code.locator(".token").first).to_be_attached()  # highlighted
        shown.locator("pre").hover()
        copy = shown.get_by_role("button", name="Copy to clipboard")
        expect(copy).to_have_count(1)
        copy.click()
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied.rstrip("\n") == code.inner_text().rstrip("\n")
        assert marker in copied and len(copied) > 10_000
