"""The streaming cut logic (lib/markdown_stream.py): whatever the text and however it arrives, the
pieces drawn at the end of the stream render exactly as the whole text (checked with a real
CommonMark parser, markdown-it-py, tables on as in Streamlit), and the live tail stays short."""

from __future__ import annotations

import textwrap

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from lib.markdown_stream import MarkdownStream, Piece

MD = MarkdownIt("commonmark").enable("table").disable("html_block").disable("html_inline")
HTML_MD = MarkdownIt("commonmark").enable("table")  # raw HTML blocks on: their own block rules

LINES = [
    "", " ", "\t", "plain words here", "more words", "- item", "* star item", "+ plus", "-", "- ",
    "1. one", "2) two", "10. ten", "1234567890. no", "  two spaces", "   three", "    four spaces",
    "      six", "\tcode after tab", "- - nested", "1. - mixed", "> quote", ">", "> > deep", ">- quoted item",
    "> ```", "```", "```py", "``` `bad`", "~~~", "~~~~", "````", "  ```", "   ~~~ x", "- ```", "  - ```",
    "# heading", "## h2 #", "---", "***", "- - -", "===", "| a | b |", "|---|---|", "| 1 | 2 |", "a | b",
    "<pre>", "</pre>", "<script>", "<!--", "-->", "<div>", "<?php", "?>", "[ref]: /url", "[ref]",
    "[ref\\]]: /u", "[^1]: note", "see [ref] and [x][ref]", "**bold** and _it_", "`code` span", "a\\",
    "![img](/i.png)", "[l](javascript:alert(1))", "http://x.y", "&amp; &#35;", "\\# not a heading",
]  # fmt: skip

lines = st.lists(st.sampled_from(LINES) | st.text(alphabet=" \t>-*+#`~|\\[]():!1.ab\n", max_size=12), max_size=30)
endings = st.sampled_from(["\n", "\r\n", "\r"])


def html(pieces: list[Piece], md: MarkdownIt = MD) -> str:
    return "".join(md.render(p.text) for p in pieces)


def stream(text: str, cuts: list[int], part_size: int) -> tuple[MarkdownStream, list[list[Piece]]]:
    """Feed `text` in chunks ending at `cuts`, then end the stream; return every update's pieces."""
    live = MarkdownStream(part_size=part_size)
    seen = [live.update(text[:at]) for at in sorted(set(cuts))]
    seen.append(live.update(text, final=True))
    return live, seen


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lines,
    endings,
    st.lists(st.integers(min_value=0, max_value=2000), max_size=40),
    st.integers(min_value=4, max_value=80),
)
@example(["```", "a", "", "b", "```", "", "c"], "\n", [3, 9], 4)
@example(["- a", "", "- b", "", "c"], "\n", [4, 8], 4)
@example(["-", "", "-"], "\n", [], 4)
@example(["- ```", "", "", "x"], "\r\n", [10], 4)  # a "\r" at the end may be half a "\r\n"
@example(["<pre>", "```", "</pre>", "", "text"], "\n", [], 4)  # raw HTML parsed, or not
@example(["[x]", "", "[x]: /u"], "\n", [4], 4)
def test_the_end_of_a_stream_renders_as_the_whole_text(
    parts: list[str], ending: str, cuts: list[int], part_size: int
) -> None:
    text = ending.join(parts)
    cuts = [c % (len(text) + 1) for c in cuts]
    _, seen = stream(text, cuts, part_size)
    final = seen[-1]
    assert "".join(p.text for p in final) == text
    assert not any(p.part for p in final)
    assert html(final) == MD.render(text)
    assert html(final, HTML_MD) == HTML_MD.render(text)


@settings(max_examples=300, deadline=None)
@given(lines, st.lists(st.integers(min_value=0, max_value=5000), max_size=60))
def test_exact_blocks_never_change_and_the_tail_stays_short(parts: list[str], cuts: list[int]) -> None:
    text = "\n".join(parts * 20)
    cuts = [c % (len(text) + 1) for c in cuts]
    _, seen = stream(text, cuts, 40)
    frozen: list[str] = []
    for pieces in seen[:-1]:
        exact = []
        for p in pieces[:-1]:  # the last piece is the live tail
            if p.part:
                break
            exact.append(p.text)
        assert exact[: len(frozen)] == frozen  # a block once frozen is never drawn again
        frozen = exact
        assert len(pieces[-1].text) <= 40 + 60  # a part, and what reopens its context


@pytest.mark.parametrize(
    "opening",
    ["```python\n", "~~~\n", "1. Run:\n\n   ```bash\n", "> ```\n", "- a\n", "| a |\n|---|\n", "> q\n", "",
     "    code\n"],
)  # fmt: skip
def test_a_long_open_block_streams_as_parts_and_ends_whole(opening: str) -> None:
    body = "".join(f"line {i} " + ("x" * (i % 7)) + ("\n" if "code" not in opening else "\n    ") for i in range(3000))
    text = opening + body
    live = MarkdownStream(part_size=500)
    longest, parts = 0, 0
    for at in range(0, len(text), 97):
        pieces = live.update(text[:at])
        longest = max(longest, len(pieces[-1].text))
        parts = max(parts, sum(p.part for p in pieces))
    assert longest < 700  # the live tail stays about a part long, however long the block grows
    assert parts > 50
    final = live.update(text, final=True)
    assert html(final) == MD.render(text)
    assert len(final) == 1


def test_a_line_without_a_break_streams_as_parts() -> None:
    for text in ("A" * 50_000, "```json\n" + '{"a":1,' * 8000, "- " + "word " * 10_000):
        live = MarkdownStream(part_size=500)
        longest = max(len(live.update(text[:at])[-1].text) for at in range(0, len(text), 101))
        assert longest < 700, text[:20]
        assert html(live.update(text, final=True)) == MD.render(text)


@pytest.mark.parametrize("marker", ["- ", "* ", "1. "])
def test_a_list_streamed_in_parts_has_no_empty_items(marker: str) -> None:
    """A part that starts at a new item of a list opens no item of its own before it: drawn in
    parts, a list shows as many items as it has, with no empty bullet at each seam."""
    text = "".join(f"{marker}item {i}: a few more plain words here\n" for i in range(300))
    live = MarkdownStream(part_size=500)
    for at in range(0, len(text), 97):
        live.update(text[:at])
    pieces = live.update(text)
    assert sum(p.part for p in pieces) > 5
    assert html(pieces).count("<li>") == 300
    assert "<li></li>" not in html(pieces)


def test_a_part_that_continues_a_list_item_says_so() -> None:
    """The page hides the marker drawn again to continue an item; a new item keeps its own."""
    text = "".join(f"- item {i}\n\n  more about item {i}, several words long\n\n" for i in range(200))
    live = MarkdownStream(part_size=300)
    for at in range(0, len(text), 53):
        live.update(text[:at])
    joins = {p.joins for p in live.update(text) if p.part} - {""}
    assert joins == {"block", "item"}


@pytest.mark.parametrize(("opening", "joins"), [("```bash\n", "code"), ("1. Run:\n\n   ```bash\n", "code-item"),
                                                 ("- a\n  - b\n\n    ```\n", "code-item2")])  # fmt: skip
def test_a_part_of_code_in_a_list_item_says_how_deep(opening: str, joins: str) -> None:
    """Code in a list item is drawn again in its item: the page hides that item's marker and
    margin (it is not a new item), as many levels deep as the code is."""
    indent = " " * (len(opening.splitlines()[-1]) - len(opening.splitlines()[-1].lstrip()))
    text = opening + "".join(f'{indent}echo "step {i}"\n' for i in range(400))
    live = MarkdownStream(part_size=500)
    for at in range(0, len(text), 97):
        live.update(text[:at])
    pieces = live.update(text)
    assert {p.joins for p in pieces if p.part} - {""} == {joins}
    assert html(pieces).count("<pre>") == sum(p.part for p in pieces)


def test_a_part_of_indented_code_stays_code_when_dedented() -> None:
    """Streamlit's st.markdown dedents its text: a part that is indented code on every line must
    still be code after that (it once became a paragraph of run-together lines)."""
    text = "Output:\n\n" + "".join(f"    row {i}: {i * 3} ok\n" for i in range(400))
    live = MarkdownStream(part_size=500)
    for at in range(0, len(text), 97):
        live.update(text[:at])
    parts = [p for p in live.update(text) if p.part]
    assert len(parts) > 5
    for part in parts[1:]:  # the first starts with "Output:"
        shown = MD.render(textwrap.dedent(part.text).strip())
        assert shown.startswith("<pre><code>row ") and shown.count("<pre>") == 1, part.text[:40]
