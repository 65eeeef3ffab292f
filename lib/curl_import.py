"""cURL import, the reverse door: a pasted `curl` command becomes provider, model, messages and
parameters. Reads bash syntax as bash would (quotes, `$'...'`, line continuations), so a command
copied from a provider's docs or a browser's "Copy as cURL (bash)" imports as it would run.

What cannot be imported is named in `problems`, never dropped silently. A literal key is moved out
of the command into `key`, and `shown` is the command without it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lib.params import OPENAI_FIELDS
from lib.providers import Provider
from lib.request import Message

ROLES = ("system", "developer", "user", "assistant", "tool")
KEY_REMOVED = "[key moved to the API key field]"
CHAT_PATH = "/chat/completions"

# Options that take a value but do not change the request: read past them quietly.
_QUIET_WITH_VALUE = {"-o", "--output", "-m", "--max-time", "--connect-timeout", "--retry", "-w", "--write-out"}
_QUIET_FLAGS = set(
    [
        "-N",
        "--no-buffer",
        "-s",
        "--silent",
        "-S",
        "--show-error",
        "-L",
        "--location",
        "--compressed",
        "-i",
        "--include",
        "-k",
        "--insecure",
        "-v",
        "--verbose",
        "-f",
        "--fail",
        "--fail-with-body",
        "--http1.1",
        "--http2",
        "-g",
        "--globoff",
    ]
)
# Options with a value that we name as not imported (the value is read past, not taken for a URL).
_NAMED_WITH_VALUE = {"-x", "--proxy", "--cert", "--cacert", "--key", "--resolve", "-K", "--config", "--limit-rate"}
_DATA = {"-d", "--data", "--data-raw", "--data-binary", "--data-ascii", "--json"}
_WITH_VALUE = {"-X", "--request", "-H", "--header", "--url", "-F", "--form", "-u", "--user", "-b", "--cookie",
               "-A", "--user-agent", "-e", "--referer", "--data-urlencode",
               *_DATA, *_QUIET_WITH_VALUE, *_NAMED_WITH_VALUE}  # fmt: skip
_SHORT_WITH_VALUE = {o for o in _WITH_VALUE if len(o) == 2}


class CurlImportError(ValueError):
    """The text cannot become a request; the message says why and what to do."""


@dataclass
class Imported:
    provider_id: str
    base_url: str
    model: str
    messages: list[Message]
    params: dict[str, Any]
    key: str | None = None  # a literal key found in the command, for the session's key field
    problems: list[str] = field(default_factory=list)
    shown: str = ""


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
    raise CurlImportError("A $'…' quote is not closed; paste the whole command.")


def split_command(text: str) -> list[str]:
    """Split a bash command line into words, as bash would (no expansions: `$VAR` stays as text)."""
    words: list[str] = []
    cur: list[str] = []
    in_word = False
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "\\":
            if text.startswith("\r\n", i + 1):
                i += 3  # a line continuation
            elif i + 1 < n and text[i + 1] == "\n":
                i += 2
            else:
                cur.append(text[i + 1] if i + 1 < n else "")
                in_word, i = True, i + 2
        elif c in " \t\r\n":
            if in_word:
                words.append("".join(cur))
                cur, in_word = [], False
            i += 1
        elif c == "'":
            end = text.find("'", i + 1)
            if end < 0:
                raise CurlImportError("A single quote is not closed; paste the whole command.")
            cur.append(text[i + 1 : end])
            in_word, i = True, end + 1
        elif c == "$" and text.startswith("'", i + 1):
            body, i = _ansi_c(text, i + 2)
            cur.append(body)
            in_word = True
        elif c == '"':
            i += 1
            while True:
                if i >= n:
                    raise CurlImportError("A double quote is not closed; paste the whole command.")
                d = text[i]
                if d == '"':
                    i += 1
                    break
                if d == "\\" and i + 1 < n and text[i + 1] in '$`"\\\n':
                    if text[i + 1] != "\n":
                        cur.append(text[i + 1])
                    i += 2
                    continue
                cur.append(d)
                i += 1
            in_word = True
        else:
            cur.append(c)
            in_word, i = True, i + 1
    if in_word:
        words.append("".join(cur))
    return words


def _options(words: list[str]) -> tuple[list[tuple[str, str | None]], list[str]]:
    """(option, value) pairs and positional words, with `-XPOST`, `--data=…` and `-sSN` unfolded."""
    opts: list[tuple[str, str | None]] = []
    positional: list[str] = []
    i = 0
    while i < len(words):
        w = words[i]
        i += 1
        if w.startswith("--") and len(w) > 2:
            name, eq, value = w.partition("=")
            if eq:
                opts.append((name, value))
            elif name in _WITH_VALUE:
                if i >= len(words):
                    raise CurlImportError(f"{name} needs a value; paste the whole command.")
                opts.append((name, words[i]))
                i += 1
            else:
                opts.append((name, None))
        elif w.startswith("-") and len(w) > 1:
            j = 1
            while j < len(w):
                o = "-" + w[j]
                if o in _SHORT_WITH_VALUE:
                    value = w[j + 1 :]
                    if not value:
                        if i >= len(words):
                            raise CurlImportError(f"{o} needs a value; paste the whole command.")
                        value = words[i]
                        i += 1
                    opts.append((o, value))
                    break
                opts.append((o, None))
                j += 1
        else:
            positional.append(w)
    return opts, positional


def _provider_for(base_url: str, providers: Mapping[str, Provider]) -> str:
    for p in providers.values():
        if p.id != "custom" and p.base_url.rstrip("/") == base_url:
            return p.id
    return "custom"


def _message(raw: Any, n: int, problems: list[str]) -> Message | None:
    if not isinstance(raw, dict) or raw.get("role") not in ROLES:
        problems.append(f"Message {n} has no known role (system, user, assistant, tool) and was not imported.")
        return None
    content = raw.get("content")
    if isinstance(content, list):  # content parts: text is kept, anything else is named
        texts = [p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text"]
        others = sorted({str(p.get("type")) for p in content if not (isinstance(p, dict) and p.get("type") == "text")})
        if others:
            problems.append(f"Message {n} has {', '.join(others)} parts, which cannot be imported; its text was.")
        content = "\n".join(texts)
    elif content is None:
        content = ""
    elif not isinstance(content, str):
        problems.append(f"Message {n}'s content is not text and was imported as JSON text.")
        content = json.dumps(content)
    extra = sorted(set(raw) - {"role", "content", "name", "tool_call_id", "tool_calls"})
    if extra:
        problems.append(f"Message {n}'s field(s) {', '.join(extra)} cannot be imported.")
    return Message(raw["role"], content, raw.get("name"), raw.get("tool_call_id"), raw.get("tool_calls"))


def import_curl(text: str, providers: Mapping[str, Provider]) -> Imported:
    """Read a pasted cURL command; raises CurlImportError (one sentence) when it is not a chat request."""
    words = split_command(text.strip())
    if words and words[0] == "$":  # a shell prompt copied along
        words = words[1:]
    if not words or words[0] != "curl":
        raise CurlImportError("This is not a curl command; paste one that starts with `curl`.")
    opts, positional = _options(words[1:])
    problems: list[str] = []
    method, url, data, key = None, None, [], None
    headers: list[tuple[str, str]] = []
    for name, value in opts:
        if name in ("-X", "--request"):
            method = (value or "").upper()
        elif name in ("-H", "--header"):
            h, _, v = (value or "").partition(":")
            headers.append((h.strip(), v.strip()))
        elif name in _DATA:
            if (value or "").startswith("@"):
                raise CurlImportError(
                    f"The body is read from a file ({value}), which cannot be imported; paste the JSON instead."
                )
            data.append(value or "")
        elif name == "--url":
            url = value
        elif name in ("-F", "--form"):
            problems.append(f"The form field or file upload ({name} {value}) cannot be imported.")
        elif name in ("-u", "--user", "-b", "--cookie", "-A", "--user-agent", "-e", "--referer", "--data-urlencode"):
            problems.append(f"{name} was not imported: only the chat request's headers and JSON body are.")
        elif name in _QUIET_WITH_VALUE or name in _QUIET_FLAGS:
            pass
        else:
            problems.append(f"The option {name} was not imported.")
    for p in positional:
        if url is None and p.startswith(("http://", "https://")):
            url = p
        else:
            problems.append(f"The word {p!r} was not imported.")
    if not url:
        raise CurlImportError("The command has no http:// or https:// URL; paste the whole command.")
    path = url.split("?", 1)[0].rstrip("/")
    if not path.endswith(CHAT_PATH):
        raise CurlImportError(f"{url} is not a chat-completions URL (…{CHAT_PATH}); only chat requests import.")
    if method not in (None, "POST"):
        raise CurlImportError(f"A chat request is a POST, not {method}; fix -X and paste again.")
    base_url = path[: -len(CHAT_PATH)]
    for h, v in headers:
        lower = h.lower()
        if lower == "authorization":
            scheme, _, token = v.partition(" ")
            if scheme.lower() == "bearer" and token and not token.startswith("$"):
                key = token
            elif not (scheme.lower() == "bearer" and token.startswith("$")):
                problems.append("The Authorization header is not a Bearer key and was not imported.")
        elif lower not in ("content-type", "accept"):
            problems.append(f"The header {h} was not imported.")
    if not data:
        raise CurlImportError("The command has no JSON body (-d, --data-raw or --json); paste the whole command.")
    try:
        body = json.loads("&".join(data))  # curl joins several -d with '&'
    except json.JSONDecodeError as exc:
        raise CurlImportError(
            f"The body is not valid JSON ({exc.msg} at line {exc.lineno}); fix it and paste again."
        ) from None
    if not isinstance(body, dict):
        raise CurlImportError('The body is not a JSON object; a chat request\'s body is {"model": …, "messages": …}.')
    model = body.pop("model", None)
    raw_messages = body.pop("messages", None)
    if not isinstance(model, str) or not model:
        raise CurlImportError('The body has no "model"; add one and paste again.')
    if not isinstance(raw_messages, list):
        raise CurlImportError('The body has no "messages" list; add one and paste again.')
    messages = [m for i, raw in enumerate(raw_messages, 1) if (m := _message(raw, i, problems))]
    provider_id = _provider_for(base_url, providers)
    provider = providers.get(provider_id)
    if (
        body.get("stream")
        and body.get("stream_options") == {"include_usage": True}
        and provider is not None
        and provider.stream_usage
    ):
        del body["stream_options"]  # the app asks for usage itself on this provider
    unknown = [k for k in body if k not in OPENAI_FIELDS]
    if unknown:
        problems.append(f"Not standard chat-completions fields, kept as extra parameters: {', '.join(unknown)}.")
    shown = text.replace(key, KEY_REMOVED) if key else text
    return Imported(provider_id, base_url, model, messages, body, key, problems, shown)
