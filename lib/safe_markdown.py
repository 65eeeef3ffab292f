"""Model and user text made safe to show as Markdown.

Streamlit already escapes HTML when `unsafe_allow_html` is off (it always is here). What Markdown
itself can still do is link to `javascript:`/`vbscript:`/`data:` URLs and load remote images; a
loaded image is the known way to leak a conversation to a third party (the URL carries the data).
So unsafe links become plain text and images become links that load nothing until clicked.
Code spans and fenced blocks are left exactly as written: they render as text.
"""

from __future__ import annotations

import html
import re

UNSAFE_SCHEMES = ("javascript:", "vbscript:", "data:", "file:")

_FENCE = re.compile(r"^( {0,3})(`{3,}|~{3,})[^\n]*\n.*?(?:^\1?\2[ \t]*$|\Z)", re.S | re.M)
_CODE_SPAN = re.compile(r"(`+)(?!`).+?(?<!`)\1(?!`)", re.S)
_TEXT = r"((?:[^\[\]\\]|\\.|\[[^\[\]]*\])*)"
_DEST = r"\(\s*(<[^>\n]*>|[^\s()]*(?:\([^\s()]*\)[^\s()]*)*)(\s+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?\s*\)"
_IMAGE = re.compile(r"!\[" + _TEXT + r"\]" + _DEST)
_LINK = re.compile(r"(?<!!)\[" + _TEXT + r"\]" + _DEST)
_REF_IMAGE = re.compile(r"!\[" + _TEXT + r"\](\[[^\]]*\])")
_REF_DEF = re.compile(r"^( {0,3}\[[^\]]+\]:\s*)(<[^>\n]*>|\S+)", re.M)
_AUTOLINK = re.compile(r"<([A-Za-z][A-Za-z0-9+.-]{1,31}:[^<>\s]*)>")


def is_unsafe_url(url: str) -> bool:
    """True for a URL whose scheme runs code or inlines content (entities and controls ignored)."""
    plain = html.unescape(url.strip().strip("<>"))
    plain = re.sub(r"[\x00-\x20\x7f]", "", plain).lower()
    return plain.startswith(UNSAFE_SCHEMES)


def _neutralise(text: str) -> str:
    def image(m: re.Match[str]) -> str:
        alt, url = m.group(1) or "image", m.group(2).strip("<>")
        if is_unsafe_url(url):
            return f":material/image: {alt} (image removed: unsafe address)"
        return f"[:material/image: {alt}]({url})"  # a link: the image is not fetched unless the person opens it

    def link(m: re.Match[str]) -> str:
        return f"{m.group(1)} (unsafe link removed)" if is_unsafe_url(m.group(2)) else m.group(0)

    def ref_def(m: re.Match[str]) -> str:
        return f"{m.group(1)}#unsafe-link-removed" if is_unsafe_url(m.group(2)) else m.group(0)

    def autolink(m: re.Match[str]) -> str:
        return f"\\<{m.group(1)}\\>" if is_unsafe_url(m.group(1)) else m.group(0)

    text = _IMAGE.sub(image, text)
    text = _REF_IMAGE.sub(lambda m: f"[:material/image: {m.group(1) or 'image'}]{m.group(2)}", text)
    text = _LINK.sub(link, text)
    text = _REF_DEF.sub(ref_def, text)
    return _AUTOLINK.sub(autolink, text)


def _outside(pattern: re.Pattern[str], text: str, fn) -> str:  # type: ignore[no-untyped-def]
    out, last = [], 0
    for m in pattern.finditer(text):
        out += [fn(text[last : m.start()]), m.group(0)]
        last = m.end()
    out.append(fn(text[last:]))
    return "".join(out)


def safe_markdown(text: str) -> str:
    """`text` with unsafe links and remote images neutralised, code left as written."""
    return _outside(_FENCE, text, lambda chunk: _outside(_CODE_SPAN, chunk, _neutralise))
