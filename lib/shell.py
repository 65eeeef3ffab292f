"""Bash command lines read as bash reads them, without running anything: words (quotes, `$'...'`,
line continuations), the operators that join commands (`|`, `&&`, `||`, `;`, `&`, newlines),
redirections, comments, here-documents (`<<EOF`, `<<'EOF'`, `<<-EOF`) and here-strings (`<<<`).

Nothing is expanded: `$VAR` stays as text, for the caller to recognise.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class ShellSyntaxError(ValueError):
    """The text is not a complete command line; the message says what to paste."""


@dataclass
class Token:
    kind: str  # "word", "op" (| || && ; & newline), "redirect" (> >> 2> <), "stdin" (here-doc or -string)
    text: str
    quoted: bool = False  # a word with any quoting in it (a here-doc delimiter then means: no expansion)


@dataclass
class Command:
    """One simple command: its words, what it reads on standard input, its redirections, and the
    operator that joins it to the next one ("" after the last)."""

    words: list[str] = field(default_factory=list)
    stdin: str | None = None
    redirects: list[str] = field(default_factory=list)
    then: str = ""


_ANSI_C = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "f": "\f", "v": "\v", "e": "\x1b",
           "E": "\x1b", "\\": "\\", "'": "'", '"': '"', "?": "?"}  # fmt: skip


def _ansi_c(text: str, i: int) -> tuple[str, int]:
    """Read a `$'...'` body starting after the opening quote; return it and the index after it."""
    out: list[str] = []
    while i < len(text):
        c = text[i]
        if c == "'":
            return "".join(out), i + 1
        if c == "\\" and i + 1 < len(text):
            n = text[i + 1]
            if n in _ANSI_C:
                out.append(_ANSI_C[n])
                i += 2
                continue
            width = {"x": 2, "u": 4, "U": 8}.get(n)
            if width:
                digits = ""
                j = i + 2
                while j < len(text) and len(digits) < width and text[j] in "0123456789abcdefABCDEF":
                    digits += text[j]
                    j += 1
                if digits:
                    out.append(chr(int(digits, 16)))
                    i = j
                    continue
            if n in "01234567":
                j = i + 1
                while j < len(text) and j < i + 4 and text[j] in "01234567":
                    j += 1
                out.append(chr(int(text[i + 1 : j], 8)))
                i = j
                continue
            out.append(c)
            i += 1
            continue
        out.append(c)
        i += 1
    raise ShellSyntaxError("A $'…' quote is not closed; paste the whole command.")


def _double_quoted(text: str, i: int, cur: list[str]) -> int:
    """Append a "..." body starting after the opening quote; return the index after the closing one."""
    n = len(text)
    while True:
        if i >= n:
            raise ShellSyntaxError("A double quote is not closed; paste the whole command.")
        d = text[i]
        if d == '"':
            return i + 1
        if d == "\\" and i + 1 < n and text[i + 1] in '$`"\\\n':
            if text[i + 1] != "\n":
                cur.append(text[i + 1])
            i += 2
            continue
        cur.append(d)
        i += 1


@dataclass
class _HereDoc:
    token: Token
    delimiter: str
    strip_tabs: bool
    literal: bool  # a quoted delimiter: the body is taken as is


def _here_body(text: str, i: int, doc: _HereDoc) -> tuple[str, int]:
    """The lines after a newline up to the delimiter line; the body and the index after it."""
    lines: list[str] = []
    while i < len(text):
        end = text.find("\n", i)
        line = text[i:] if end < 0 else text[i:end]
        i = len(text) if end < 0 else end + 1
        check = line.rstrip("\r")
        if (check.lstrip("\t") if doc.strip_tabs else check) == doc.delimiter:
            break
        lines.append(line.lstrip("\t") if doc.strip_tabs else line)
    else:  # bash reads to the end too, with a warning; the body is what there is
        pass
    body = "".join(f"{line}\n" for line in lines)
    if not doc.literal:  # in an unquoted here-doc only \$ \` \\ and \<newline> are escapes
        body = body.replace("\\\n", "")
        out, j = [], 0
        while j < len(body):
            if body[j] == "\\" and j + 1 < len(body) and body[j + 1] in "$`\\":
                out.append(body[j + 1])
                j += 2
            else:
                out.append(body[j])
                j += 1
        body = "".join(out)
    return body, i


def tokens(text: str) -> list[Token]:
    """Words and operators, in order; a here-document's body is a "stdin" token where `<<` stood."""
    out: list[Token] = []
    cur: list[str] = []
    in_word = quoted = False
    pending: list[_HereDoc] = []
    want_delimiter: tuple[Token, bool] | None = None
    want_herestring = False
    i, n = 0, len(text)

    def end_word() -> None:
        nonlocal cur, in_word, quoted, want_delimiter, want_herestring
        if not in_word:
            return
        word = "".join(cur)
        if want_delimiter is not None:
            pending.append(_HereDoc(want_delimiter[0], word, want_delimiter[1], quoted))
            want_delimiter = None
        elif want_herestring:
            out.append(Token("stdin", word + "\n"))
            want_herestring = False
        else:
            out.append(Token("word", word, quoted))
        cur, in_word, quoted = [], False, False

    while i < n:
        c = text[i]
        if c == "\\":
            if text.startswith("\r\n", i + 1):
                i += 3  # a line continuation
            elif i + 1 < n and text[i + 1] == "\n":
                i += 2
            else:
                cur.append(text[i + 1] if i + 1 < n else "")
                in_word, quoted, i = True, True, i + 2
        elif c in " \t\r":
            end_word()
            i += 1
        elif c == "\n":
            end_word()
            out.append(Token("op", "\n"))
            i += 1
            for doc in pending:
                doc.token.text, i = _here_body(text, i, doc)
            pending.clear()
        elif c == "#" and not in_word:
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif c == "'":
            end = text.find("'", i + 1)
            if end < 0:
                raise ShellSyntaxError("A single quote is not closed; paste the whole command.")
            cur.append(text[i + 1 : end])
            in_word, quoted, i = True, True, end + 1
        elif c == "$" and text.startswith("'", i + 1):
            body, i = _ansi_c(text, i + 2)
            cur.append(body)
            in_word = quoted = True
        elif c == '"':
            i = _double_quoted(text, i + 1, cur)
            in_word = quoted = True
        elif c in "|&;":
            end_word()
            op = text[i : i + 2] if text[i : i + 2] in ("||", "&&", ";;") else c
            out.append(Token("op", op))
            i += len(op)
        elif c == "<" and text.startswith("<<<", i):
            end_word()
            want_herestring, i = True, i + 3
        elif c == "<" and text.startswith("<<", i):
            end_word()
            strip = text.startswith("<<-", i)
            token = Token("stdin", "")
            out.append(token)
            want_delimiter, i = (token, strip), i + (3 if strip else 2)
        elif c in "<>":
            fd = "".join(cur) if in_word and "".join(cur).isdigit() and not quoted else ""
            if not fd:
                end_word()
            cur, in_word = [], False
            j = i + 1
            while j < n and text[j] in ">&|":
                j += 1
            out.append(Token("redirect", fd + text[i:j]))
            i = j
        else:
            cur.append(c)
            in_word, i = True, i + 1
    end_word()
    for doc in pending:  # a here-doc on the last line: its body would follow; there is none
        doc.token.text = ""
    return out


def split_command(text: str) -> list[str]:
    """Split a bash command line into words, as bash would (no expansions: `$VAR` stays as text)."""
    return [t.text for t in tokens(text) if t.kind == "word"]


def commands(text: str) -> list[Command]:
    """The simple commands of a command line, with what joins each to the next."""
    out = [Command()]
    toks = tokens(text)
    i = 0
    while i < len(toks):
        t = toks[i]
        if t.kind == "word":
            out[-1].words.append(t.text)
        elif t.kind == "stdin":
            out[-1].stdin = t.text
        elif t.kind == "redirect":
            target = toks[i + 1].text if i + 1 < len(toks) and toks[i + 1].kind == "word" else ""
            out[-1].redirects.append(f"{t.text}{' ' if target and not t.text.endswith('&') else ''}{target}")
            i += 1 if target else 0
        elif out[-1].words or out[-1].stdin is not None:
            out[-1].then = t.text
            out.append(Command())
        i += 1
    if not out[-1].words and out[-1].stdin is None:
        out.pop()
    if out:
        out[-1].then = ""
    return _join_loose_lines(out)


def _join_loose_lines(cmds: list[Command]) -> list[Command]:
    """A line that starts with an option (`-H …`) after a newline continues the command above: a
    command copied from a web page sometimes loses its trailing backslashes."""
    out: list[Command] = []
    for cmd in cmds:
        if out and out[-1].then == "\n" and cmd.words and cmd.words[0].startswith("-") and out[-1].words:
            prev = out[-1]
            prev.words += cmd.words
            prev.redirects += cmd.redirects
            prev.stdin = cmd.stdin if cmd.stdin is not None else prev.stdin
            prev.then = cmd.then
        else:
            out.append(cmd)
    return out
