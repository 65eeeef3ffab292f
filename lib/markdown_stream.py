"""Which pieces of a streaming Markdown answer to draw, so that drawing stays cheap however long the
answer grows, and the pieces drawn at the end render exactly as the whole text would.

The text is cut in two ways:
- exact cuts, for good: before a line that starts at column 0 after a blank line, outside a top-level
  fence or raw-HTML block, and not a list marker that could continue a list. Nothing before such a
  line can change what follows, nor the other way round (CommonMark's block structure), so each
  finished block is drawn once in its own element;
- provisional cuts inside the block still open (a long fenced code block, list, table, quote,
  paragraph, or a line without a break): it is drawn as parts of about `part_size` characters, each
  reopened in its context (its containers, its fence or table header), plus a short live tail. When
  the block closes, or the stream ends, it is drawn again whole, in one element.

So each update redraws a bounded tail; a block is drawn whole once. Link reference definitions are
global to a document: when the text may hold one, the end of the stream draws it whole.
Pure logic (no Streamlit): ui/live_markdown.py draws the pieces, each through `safe_markdown`.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field, replace

LONG_TAIL = 2000  # characters: the size of a provisional part, and so at most the live tail's

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)")
_FENCE_OPEN = re.compile(r"(`{3,}|~{3,})(.*)$")
_BULLET = re.compile(r"([-+*])(?=[ \t]|$)")
_ORDERED = re.compile(r"(\d{1,9})([.)])(?=[ \t]|$)")
_THEMATIC = re.compile(r"(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$")
_ATX = re.compile(r"#{1,6}(?:[ \t]|$)")
_SETEXT = re.compile(r"(?:=+|-+)[ \t]*$")
_DELIMITER_ROW = re.compile(r"\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")
# Raw HTML blocks that a blank line does not end (CommonMark types 1-5), and what ends each.
_HTML_OPEN = (
    (
        re.compile(r"<(?:script|pre|style|textarea)(?:[ \t>]|$)", re.I),
        re.compile(r"</(?:script|pre|style|textarea)>", re.I),
    ),
    (re.compile(r"<!--"), re.compile(r"-->")),
    (re.compile(r"<\?"), re.compile(r"\?>")),
    (re.compile(r"<![A-Za-z]"), re.compile(r">")),
    (re.compile(r"<!\[CDATA\["), re.compile(r"\]\]>")),
)
# A line that may define a link reference or footnote (`[label]: ...`, the label may span lines),
# after any container markers. Loose on purpose: a false alarm only costs one whole redraw at the end.
_REF_DEF = re.compile(r"(?:^|(?<=[\r\n]))(?:[ \t>]|[-+*][ \t]|\d{1,9}[.)][ \t])*\[(?:[^\]\\]|\\.)*\]:")
_MARKER_START = frozenset("-+*0123456789")
_PUNCTUATION = frozenset(string.punctuation)


@dataclass
class _Container:
    quote: bool  # a block quote, else a list item
    opener: str = "> "  # the text that opens it again, at its own content column
    width: int = 2  # columns a line needs (list item) to stay inside it
    has_content: bool = True  # a list item that began with a blank line ends at a second one


@dataclass
class _Leaf:
    kind: str  # "paragraph", "fence", "indented", "html", "table"
    fence: str = ""  # the fence's characters (fence)
    indent: int = 0
    reopen: str = ""  # the lines that open it again (fence: the opener; table: header and delimiter)
    end: re.Pattern[str] | None = None  # what ends a raw-HTML block of types 1-5


@dataclass
class _LineInfo:
    start: int  # where the line starts in the text
    prefix: int  # how many characters of the (tab-expanded) line its containers took
    opener: str  # what opens its containers again
    cont: str  # what continues them on a line of its own
    leaf: _Leaf | None  # the open leaf the line continues, if any
    kept: str = ""  # what opens again the containers it continues (not those it starts itself)
    kept_items: int = 0  # how many of those are list items
    items: int = 0  # how many list items are open after it
    starts: str = ""  # the kind of leaf the line starts (a paragraph's first line has no `leaf`)


@dataclass
class _Scanner:
    """CommonMark's block structure, line by line, as far as cutting needs it: which containers
    (quotes, list items) and which leaf (fence, paragraph, ...) are open."""

    stack: list[_Container] = field(default_factory=list)
    leaf: _Leaf | None = None
    blank_before: bool = False  # the previous line was blank (spaces and tabs only)
    in_list: bool = False  # the last top-level block is a list: its items may have ended, not it
    html: bool = True  # raw HTML blocks parsed as such (as Streamlit's renderer does), or as text

    def copy(self) -> _Scanner:
        stack = [replace(c) for c in self.stack]  # feed() changes containers
        return _Scanner(stack, self.leaf, self.blank_before, self.in_list, self.html)

    def exact_cut_before(self, line: str) -> bool:
        """A cut before `line` (maybe incomplete) that no later text can undo; see the module doc."""
        if not self.blank_before or not line or line[0] in " \t\r\n":
            return False
        if not self.stack and self.leaf is not None and self.leaf.kind in ("fence", "html"):
            return False  # the line is inside a top-level fence or raw-HTML block
        # A marker may continue a list (a blank line closed every quote, and maybe an empty item).
        in_list = self.in_list or bool(self.stack)
        return not in_list or line[0] not in _MARKER_START or _surely_not_marker(line)

    def feed(self, raw: str, start: int) -> _LineInfo:
        """Take one line (without its ending) into the structure; say what context it continues."""
        s = raw.expandtabs(4) if "\t" in raw else raw
        blank = not s.strip(" \t")
        pos, matched = 0, 0
        for c in self.stack:
            if c.quote:
                ind = _indent(s, pos)
                if ind > 3 or s[pos + ind : pos + ind + 1] != ">":
                    break
                pos += ind + 1 + (s[pos + ind + 1 : pos + ind + 2] == " ")
            elif not _blank(s, pos):
                if _indent(s, pos) < c.width:
                    break
                pos += c.width
            elif not c.has_content:
                break
            matched += 1
        info = _LineInfo(start, pos, *_openers(self.stack[:matched]), None)
        info.kept, info.kept_items = info.opener, _items(self.stack[:matched])
        all_matched = matched == len(self.stack)
        leaf = self.leaf
        self.blank_before = blank
        if all_matched and leaf is not None and leaf.kind == "fence":
            info.leaf = leaf
            rest = s[pos:]
            ind = _indent(rest, 0)
            closer = rest[ind:].rstrip(" \t")
            if ind <= 3 and closer and set(closer) == {leaf.fence[0]} and len(closer) >= len(leaf.fence):
                self.leaf = None
            return info
        if all_matched and leaf is not None and leaf.kind == "html":
            info.leaf = leaf
            if leaf.end is not None and leaf.end.search(s, pos):
                self.leaf = None
            return info
        paragraph = all_matched and leaf is not None and leaf.kind in ("paragraph", "table")
        started = False
        while not blank:  # new containers
            ind = _indent(s, pos)
            if ind >= 4:
                break
            p = pos + ind
            if s[p : p + 1] == ">":
                self._close(matched)
                self.stack.append(_Container(quote=True))
                matched = len(self.stack)
                pos = p + 1 + (s[p + 1 : p + 2] == " ")
                started, paragraph = True, False
                continue
            if _THEMATIC.match(s, p):
                break
            m = _BULLET.match(s, p) or _ORDERED.match(s, p)
            if not m:
                break
            after = m.end()
            empty = _blank(s, after)
            if paragraph and (empty or (m.re is _ORDERED and m.group(1) != "1")):
                break  # cannot interrupt a paragraph
            spaces = _indent(s, after)
            width = (after - pos) + (1 if empty or spaces >= 5 else spaces)
            self._close(matched)
            if not self.stack:
                self.in_list = True
            self.stack.append(_Container(False, s[pos:after].ljust(width), width, not empty))
            matched = len(self.stack)
            pos = pos + width if not empty else len(s)
            started, paragraph = True, False
        rest = s[pos:]
        lazy = not started and not all_matched and not blank and leaf is not None and leaf.kind == "paragraph"
        if lazy and not _interrupts(rest, self.html):  # a lazy continuation line: every container stays open
            info.opener, info.cont = _openers(self.stack)
            info.items = _items(self.stack)
            self.leaf = info.leaf = _Leaf("paragraph", reopen=rest + "\n")
            return info
        if not all_matched or started:
            self._close(matched)
        leaf = self.leaf
        info.opener, info.cont = _openers(self.stack)
        info.items = _items(self.stack)
        info.prefix = pos
        if _blank(rest, 0):  # a blank line, or one with only container markers
            if leaf is not None and leaf.kind != "indented":
                self.leaf = None
            return info
        for c in self.stack:
            c.has_content = True
        if not self.stack:
            self.in_list = False  # a block at top level: any list before it has ended
        ind = _indent(rest, 0)
        body = rest[ind:]
        continues = all_matched and not started and leaf is not None
        if ind >= 4:
            if continues and leaf is not None and leaf.kind in ("paragraph", "table", "indented"):
                info.leaf = leaf
            else:
                info.leaf = self.leaf = _Leaf("indented")
            return info
        fence = _FENCE_OPEN.match(body)
        if fence and not (fence.group(1)[0] == "`" and "`" in fence.group(2)):
            self.leaf = _Leaf("fence", fence.group(1), ind, rest)
            return info
        for begin, end in _HTML_OPEN if self.html else ():
            if begin.match(body):
                self.leaf = None if end.search(body, 1) else _Leaf("html", end=end)
                return info
        if _ATX.match(body) or _THEMATIC.match(body):
            self.leaf = None
            return info
        if continues and leaf is not None and leaf.kind == "paragraph":
            if _SETEXT.match(body):
                self.leaf = None
                return info
            if "|" in body and _DELIMITER_ROW.match(body) and not self.stack:
                self.leaf = _Leaf("table", reopen=leaf.reopen + rest + "\n")
                return info
            info.leaf = self.leaf = _Leaf("paragraph", reopen=rest + "\n")
            return info
        if continues and leaf is not None and leaf.kind == "table":
            info.leaf = leaf
            return info
        self.leaf = _Leaf("paragraph", reopen=rest + "\n")  # its last line: a table's header, should it become one
        info.starts = "paragraph"
        return info

    def _close(self, keep: int) -> None:
        if keep < len(self.stack):
            del self.stack[keep:]
        self.leaf = None


def _openers(stack: list[_Container]) -> tuple[str, str]:
    """(what opens these containers again, what continues them on a next line)."""
    return "".join(c.opener for c in stack), "".join("> " if c.quote else " " * c.width for c in stack)


def _items(stack: list[_Container]) -> int:
    return sum(not c.quote for c in stack)


def _indent(s: str, pos: int) -> int:
    n = pos
    while n < len(s) and s[n] == " ":
        n += 1
    return n - pos


def _blank(s: str, pos: int) -> bool:
    return not s[pos:].strip(" \t")


def _surely_not_marker(line: str) -> bool:
    """Whether a line starting with "-", "+", "*" or a digit is surely not a list marker, from what
    of it has arrived."""
    m = re.match(r"[-+*]|\d{1,9}[.)]", line)
    if m is None:
        digits = re.match(r"\d*", line)
        assert digits is not None
        return digits.end() < len(line)  # "12a" is not a marker; "12" may still become "12."
    return m.end() < len(line) and line[m.end()] not in " \t\r\n"


def _interrupts(rest: str, html: bool) -> bool:
    """Whether a line would start a block rather than continue a paragraph lazily."""
    ind = _indent(rest, 0)
    if ind >= 4:
        return False
    body = rest[ind:]
    if body.startswith(">") or _ATX.match(body) or _THEMATIC.match(body):
        return True
    fence = _FENCE_OPEN.match(body)
    if fence and not (fence.group(1)[0] == "`" and "`" in fence.group(2)):
        return True
    m = _BULLET.match(body) or _ORDERED.match(body)
    if m and not _blank(body, m.end()) and (m.re is _BULLET or m.group(1) == "1"):
        return True
    return html and any(begin.match(body) for begin, _ in _HTML_OPEN)


@dataclass(frozen=True)
class Piece:
    """Markdown to draw in one element. `part`: a provisional part of a block still open (drawn
    again whole when it closes). How a part goes on from the one before (`joins`) and into the next
    (`continues`), so that the page can draw their seams away: "code" (more lines of the same code
    block; "code-item"/"code-item2" for code in a list item, one or more levels deep), "codeline"
    (more of the same line of code), "inline" (more of the same paragraph),
    "table" (more rows of the same table), "block" (more of the same list or quote), "item"/"item2"
    (more of the list item before it, one or more levels deep: its marker drawn again is not a new
    item's), "" (not a part)."""

    text: str
    part: bool = False
    joins: str = ""
    continues: str = ""


class MarkdownStream:
    """The pieces to draw for a text that only grows. `update(text)` returns them: exact blocks
    (frozen), then the open block as provisional parts plus a live tail, or, with `final`, whole."""

    def __init__(self, part_size: int = LONG_TAIL) -> None:
        self.part_size = part_size
        self.text = ""
        self._reset()

    def _reset(self) -> None:
        self.blocks: list[str] = []  # exact blocks, for good
        self.start = 0  # where the open block starts
        self.scanned = 0  # where the first line not yet taken into the scanner starts
        self.scanner = _Scanner()
        self.plain = _Scanner(html=False)  # cuts must hold whether raw HTML is parsed or not
        self.lines: list[_LineInfo] = []  # lines of the open block since its last part
        self.parts: list[Piece] = []
        self.part_end = 0  # where the live tail starts
        self.tail_reopen = ""  # what opens the live tail's context again
        self.tail_joins = ""  # how the live tail goes on from the last part

    def update(self, text: str, final: bool = False) -> list[Piece]:
        if not text.startswith(self.text):
            self._reset()  # not a continuation: start again
        self.text = text
        self._scan(final)
        if final:
            if self.blocks and _REF_DEF.search(text):
                return [Piece(text)]  # references reach across blocks: one element
            return [Piece(b) for b in self.blocks] + ([Piece(text[self.start :])] if text[self.start :] else [])
        self._split()
        tail = text[self.part_end :]
        pieces = [Piece(b) for b in self.blocks] + self.parts
        if self.parts:
            tail = self.tail_reopen + tail
        pieces.append(Piece(tail, part=bool(self.parts), joins=self.tail_joins))
        return pieces

    def _scan(self, final: bool) -> None:
        text = self.text
        while True:
            m = _LINE.match(text, self.scanned)
            if m is None or (m.group().endswith("\r") and m.end() == len(text) and not final):
                break  # a "\r" at the end may be the first half of "\r\n"
            self._line(m.group().rstrip("\r\n"), self.scanned)
            self.scanned = m.end()
        rest = text[self.scanned :]
        if rest and self.scanned > self.start and self._exact_cut_before(rest):
            self._cut(self.scanned)

    def _line(self, line: str, start: int) -> None:
        if start > self.start and self._exact_cut_before(line):
            self._cut(start)
        self.lines.append(self.scanner.feed(line, start))
        self.plain.feed(line, start)

    def _exact_cut_before(self, line: str) -> bool:
        return self.scanner.exact_cut_before(line) and self.plain.exact_cut_before(line)

    def _cut(self, at: int) -> None:
        self.blocks.append(self.text[self.start : at])
        self.start = self.part_end = at
        self.scanner = _Scanner()
        self.plain = _Scanner(html=False)
        self.lines.clear()
        self.parts.clear()
        self.tail_reopen, self.tail_joins = "", ""

    def _split(self) -> None:
        """Freeze provisional parts while the live tail is longer than a part: at a line start when
        there is one, else inside the long line, after a space if it has one."""
        text = self.text
        while len(text) - self.part_end > self.part_size:
            limit = len(text) - self.part_size // 4  # leave a little in the tail
            least = self.part_end + self.part_size // 4
            line = next((x for x in reversed(self.lines) if least <= x.start <= limit), None)
            inside = line is None
            if line is None:  # the line the cut falls in
                if self.scanned <= limit and self.scanned < len(text):
                    line = self.scanner.copy().feed(text[self.scanned :], self.scanned)
                else:
                    line = next((x for x in reversed(self.lines) if x.start <= limit), None)
                if line is None:
                    return
                cut = _inside_line_cut(text, max(least, line.start + line.prefix + 1), limit)
                if cut is None:
                    return
            else:
                cut = line.start
            joins = _joins(line, inside)
            part = Piece(self.tail_reopen + text[self.part_end : cut], True, self.tail_joins, joins)
            self.parts.append(part)
            reopen = _reopen(line, inside)
            if joins == "inline" and text[cut - 1] in " \t\n":
                reopen += "&#32;"  # the space at the seam, which a paragraph would drop at its edge
            if inside and joins != "codeline" and text[cut] in _PUNCTUATION:
                reopen += "\\"  # a "#", ">" or "-" cut from its line must not start a block
            self.part_end, self.tail_reopen, self.tail_joins = cut, reopen, joins
            self.lines = [x for x in self.lines if x.start > cut]


def _joins(line: _LineInfo, inside: bool) -> str:
    """How a part that starts at `line` (or inside it) goes on from the part before."""
    # A cut inside a paragraph's first line (prose as one long line) goes on in that paragraph, as a
    # cut inside any later line of it does.
    kind = line.leaf.kind if line.leaf is not None else line.starts if inside else ""
    if kind in ("fence", "indented"):
        if inside:
            return "codeline"
        # The list items reopened around the code: their markers, drawn again, are not new items'.
        return "code" if not line.kept_items else "code-item" if line.kept_items == 1 else "code-item2"
    if kind == "table" and not line.cont:
        return "table"
    if kind == "paragraph" and not line.cont and (inside or line.prefix == 0):
        return "inline"
    reopened = line.items if inside else line.kept_items
    return "block" if not reopened else "item" if reopened == 1 else "item2"


def _reopen(line: _LineInfo, inside: bool) -> str:
    """What, put before a part that starts at `line` (or, `inside`, in the middle of it), draws the
    part in the same context: its containers, and its fence or table header."""
    leaf = line.leaf
    if leaf is not None and leaf.kind == "fence":
        return line.opener + leaf.reopen + "\n" + (line.cont if inside else "")
    if leaf is not None and leaf.kind == "table" and not line.cont:
        return leaf.reopen
    if not inside:  # the line continues its containers: open them, empty, on a line before it (not
        # those the line starts itself: a new list item would get an empty one before it)
        if not line.kept and leaf is not None and leaf.kind == "indented":
            # Streamlit dedents what it draws: code indented on every line would lose its indent
            # and become a paragraph. A reference definition, which draws nothing, keeps it.
            return "[//]: #\n\n"
        return line.kept.rstrip() + "\n" if line.kept else ""
    return line.opener + ("    " if leaf is not None and leaf.kind == "indented" else "")


def _inside_line_cut(text: str, lo: int, hi: int) -> int | None:
    """A place to cut a long line between `lo` and `hi`: after its last space, else anywhere that
    does not split an escape or an entity."""
    space = text.rfind(" ", lo - 1, hi - 1)
    if space >= lo - 1 and text[space + 1] not in " \t\r\n":
        return space + 1
    for at in range(hi, lo - 1, -1):
        if text[at - 1] not in "\\&" and text[at] not in " \t\r\n\\&;":
            return at
    return None


def fenced_code(text: str) -> list[tuple[int, int]]:
    """Where `text` holds fenced code, as (start, end) of runs of whole lines (opener and closer
    included), by CommonMark's block structure: a fence in a list item or quote ends with it. A
    line counts only if it is fenced code whether raw HTML blocks are parsed or not."""
    scanners = (_Scanner(), _Scanner(html=False))
    spans: list[tuple[int, int]] = []
    pos = 0
    while pos < len(text):
        m = _LINE.match(text, pos)
        end = m.end() if m else len(text)
        line = text[pos:end].rstrip("\r\n")
        if all([_in_fence(s, line, pos) for s in scanners]):  # a list: both scanners see every line
            if spans and spans[-1][1] == pos:
                spans[-1] = (spans[-1][0], end)
            else:
                spans.append((pos, end))
        pos = end
    return spans


def _in_fence(scanner: _Scanner, line: str, start: int) -> bool:
    before = scanner.leaf
    info = scanner.feed(line, start)
    if info.leaf is not None and info.leaf.kind == "fence":
        return True  # a line inside a fence, or its closer
    return scanner.leaf is not None and scanner.leaf is not before and scanner.leaf.kind == "fence"  # an opener
