"""Model and user text made safe to show as Markdown.

Streamlit already escapes HTML when `unsafe_allow_html` is off (it always is here). What Markdown
itself can still do is link to `javascript:`/`vbscript:`/`data:` URLs and load remote images; a
loaded image is the known way to leak a conversation to a third party (the URL carries the data).
So unsafe links become plain text and images become links that load nothing until clicked.
Fenced code blocks are left exactly as written: they render as text. Inline code is not skipped:
which backticks pair up depends on block structure a regular expression cannot see, and a wrong guess
would leave a live link; inside backticks a neutralised link is only cosmetic. A property test checks
all this against a real CommonMark parser.
"""

from __future__ import annotations

import html
import re

from lib.markdown_stream import fenced_code

UNSAFE_SCHEMES = ("javascript:", "vbscript:", "data:", "file:")

_TEXT = r"((?:[^\[\]\\]|\\.|\[[^\[\]]*\])*)"
_DEST = r"\(\s*(<[^>\n]*>|[^\s()]*(?:\([^\s()]*\)[^\s()]*)*)(\s+(?:\"[^\"]*\"|'[^']*'|\([^()]*\)))?\s*\)"
_IMAGE = re.compile(r"!\[" + _TEXT + r"\]" + _DEST)
_LINK = re.compile(r"(?<!!)\[" + _TEXT + r"\]" + _DEST)
_REF_DEF = re.compile(r"(\[[^\]\n]+\]:[ \t]*)(<[^>\n]*>|\S+)")  # anywhere: inside quotes and lists too
_AUTOLINK = re.compile(r"<([A-Za-z][A-Za-z0-9+.-]{1,31}:[^<>\s]*)>")


def is_unsafe_url(url: str) -> bool:
    """True for a URL whose scheme runs code or inlines content (entities and controls ignored)."""
    plain = html.unescape(url.strip().strip("<>"))
    plain = re.sub(r"[\x00-\x20\x7f]", "", plain).lower()
    return plain.startswith(UNSAFE_SCHEMES)


def _links(text: str) -> str:
    """Unsafe inline links to text, inner ones first: a link inside another's text is the live one."""

    def link(m: re.Match[str]) -> str:
        inner = _links(m.group(1))
        if is_unsafe_url(m.group(2)):
            return f"{inner} (unsafe link removed)"
        return "[" + inner + m.group(0)[m.end(1) - m.start(0) :]

    return _LINK.sub(link, text)


def _neutralise(text: str) -> str:
    def image(m: re.Match[str]) -> str:
        alt, url = m.group(1) or "image", m.group(2).strip("<>")
        if is_unsafe_url(url):
            return f":material/image: {alt} (image removed: unsafe address)"
        # A link, not fetched unless opened; the icon comes first so a "!" before it cannot make it
        # an image again.
        return f":material/image: [{alt}]({url})"

    def ref_def(m: re.Match[str]) -> str:
        return f"{m.group(1)}#unsafe-link-removed" if is_unsafe_url(m.group(2)) else m.group(0)

    def autolink(m: re.Match[str]) -> str:  # the brackets go, so no backslash before them can revive it
        return f"{m.group(1)} (unsafe link removed)" if is_unsafe_url(m.group(1)) else m.group(0)

    for _ in range(8):  # each pass can only remove syntax; repeat until nothing changes
        before = text
        text = _IMAGE.sub(image, text)
        text = text.replace("![", ":material/image: [")  # reference images ![a][r], ![a][], ![a]: links now
        text = _links(text)
        text = _REF_DEF.sub(ref_def, text)
        text = _AUTOLINK.sub(autolink, text)
        if text == before:
            break
    return text


def safe_markdown(text: str) -> str:
    """`text` with unsafe links and remote images neutralised, fenced code left as written. Where
    fenced code ends is CommonMark's block structure (a fence inside a list item or quote ends with
    it), not a pattern: a pattern that ran a fence on to the end would leave what follows live."""
    out: list[str] = []
    last = 0
    for start, end in fenced_code(text):
        out += [_neutralise(text[last:start]), text[start:end]]
        last = end
    out.append(_neutralise(text[last:]))
    return "".join(out)
