"""Answers of every Markdown shape, as token lists for the stand-in: fenced code of each kind,
indented code, lines without a break, a list, a table, a block quote, prose and a reasoning block.
bench/ui_stream.py times them streaming; tests/e2e/test_stream_shapes.py checks how they end."""

from __future__ import annotations

from collections.abc import Callable

TOKEN_CHARS = 4  # about what a tokenizer makes of English and code


def _lines(make: Callable[[int], str], head: str = "") -> Callable[[int], str]:
    """A text of about `size` characters: `head`, then make(0), make(1), ... (no "w<digits>" in it:
    that is the marker of the last token)."""

    def text(size: int) -> str:
        parts, i, total = [head], 0, len(head)
        while total < size:
            parts.append(make(i))
            total += len(parts[-1])
            i += 1
        return "".join(parts)

    return text


def _base64ish(i: int) -> str:  # letters only, no "w": a marker cannot appear by chance
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVXYZabcdefghijklmnopqrstuv+/"
    return "".join(alphabet[(i * 7 + k * 13) % len(alphabet)] for k in range(64))


# name -> (text of about N characters, the last line, with "{w}" for the marker of the last token).
# A shape of lines is cut at a line's end and closed by its last line, so the marker shows only with
# the closing syntax; a shape of one long line gets the marker and its closer at the end of that line.
SHAPES: dict[str, tuple[Callable[[int], str], str]] = {
    "code ```python": (
        _lines(lambda i: f'    total += compute({i}, name="item-{i}")  # add item {i}\n', "```python\ndef run():\n"),
        "    return {w}\n```\n",
    ),
    "code ``` (no language)": (_lines(lambda i: f"line {i}: value={i * 7} status=ok\n", "```\n"), "line {w}\n```\n"),
    "code ~~~javascript": (
        _lines(lambda i: f'const item{i} = {{ id: {i}, label: "item {i}" }};\n', "~~~javascript\n"),
        "const last = {w};\n~~~\n",
    ),
    "code in a list item": (
        _lines(lambda i: f'   echo "step {i}" >> log.txt\n', "1. Run these:\n\n   ```bash\n"),
        '   echo "{w}"\n   ```\n',
    ),
    "indented code": (_lines(lambda i: f"    row {i}: {i * 3} ok\n", "Output:\n\n"), "    row {w}\n"),
    "one line without a break (base64)": (_lines(_base64ish, "The file:\n\n"), "{w}\n"),
    "one line of JSON in a fence": (
        _lines(lambda i: f'{{"id":{i},"name":"item-{i}","tags":["a","b"]}},', '```json\n{"items":['),
        '"{w}"]}\n```\n',
    ),
    "bullet list": (_lines(lambda i: f"- item {i}: a few more plain words here\n", "Items:\n\n"), "- item {w}\n"),
    "table": (
        _lines(lambda i: f"| {i} | item {i} | {i * 3} |\n", "| id | name | value |\n|---|---|---|\n"),
        "| {w} | last | 0 |\n",
    ),
    "block quote": (
        _lines(lambda i: f"> quoted line {i} with a few more words\n" + ("> \n" if i % 5 == 4 else ""), ""),
        "> quoted line {w}\n",
    ),
}
PROSE = "prose"  # one long paragraph of words, as this bench has always streamed (comparable figures)
REASONING = "reasoning block"  # a long reasoning block (opened while it streams), then a short answer
ALL_SHAPES = [PROSE, *SHAPES, REASONING]


def shape_tokens(shape: str, n: int) -> list[str]:
    """n tokens of this shape, the last one holding the marker "w<n-1>" (and the shape's closer)."""
    if shape in (PROSE, REASONING):
        return [f"w{i} " for i in range(n)]
    make, last = SHAPES[shape]
    size = TOKEN_CHARS * (n - 1)
    text = make(size)
    if not last.startswith("{w}") and not last.startswith('"{w}'):
        size = text.rfind("\n", 0, size) + 1  # end at a line's end
    body = [text[size * i // (n - 1) : size * (i + 1) // (n - 1)] for i in range(n - 1)]
    return [*body, last.replace("{w}", f"w{n - 1}")]


def shape_text(shape: str, n: int) -> str:
    """The whole answer `shape_tokens` streams."""
    return "".join(shape_tokens(shape, n))
