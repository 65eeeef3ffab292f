"""Headers a setup sends besides the key: which ones are credentials, the variable a snippet reads a
credential from, and placeholder values copied from docs (`YOUR_API_KEY`, `<token>`, `sk-...`).

A credential's value lives only in a `Secret`, whose repr and str never show it and which refuses
to be pickled, so it cannot slip into a log, a share link, a snippet or a file by accident.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

MASK = "•••"
# RFC 9110 token characters: what a header name may hold.
_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_ENV = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# A `$NAME` or `${NAME}` written where a value goes: the docs' way of saying "your value here".
_VARIABLE = re.compile(r"^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$")
_SECRET_NAME = re.compile(r"auth|key|token|secret|password|signature|cookie", re.IGNORECASE)
_SCHEMES = ("bearer ", "basic ", "token ", "apikey ", "api-key ")
_KEY_PREFIXES = ("sk-", "sk_", "gsk_", "pk-", "xai-", "hf_", "csk-", "nvapi-", "pplx-", "fw_", "key-", "aso_")
# Headers the app sets itself, or that would break the request if a setup set them.
RESERVED = frozenset({"content-type", "content-length", "host", "connection", "transfer-encoding", "accept"})


class Secret:
    """A credential's value. Its repr and str show `•••`; `reveal()` is the one way out (the client)."""

    __slots__ = ("_value",)

    def __init__(self, value: str = "") -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __repr__(self) -> str:
        return f"Secret({MASK!r})" if self._value else "Secret('')"

    __str__ = __repr__

    def __copy__(self) -> Secret:  # immutable: copies are the same object
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Secret:
        return self

    def __reduce__(self) -> Any:  # no pickle, so no cache, file or session dump ever holds the value
        raise TypeError("A secret header value is never serialised.")


@dataclass(frozen=True)
class SecretHeader:
    """A header whose value is a credential (`Helicone-Auth: Bearer sk-…`): the client sends
    `prefix + value`; snippets write `prefix` and read the value from `env`."""

    name: str
    env: str
    prefix: str = ""
    value: Secret = field(default_factory=Secret)

    def sent(self) -> str | None:
        """The header's value on the wire, or None when no value is known yet (not sent)."""
        return f"{self.prefix}{self.value.reveal()}" if self.value else None

    def masked(self) -> str:
        return f"{self.name}: {self.prefix}{MASK if self.value else '(no value yet)'}"


def env_name(header: str) -> str:
    """The environment variable a snippet reads a header's value from: `Helicone-Auth` -> `HELICONE_AUTH`."""
    name = re.sub(r"[^A-Za-z0-9]+", "_", header).strip("_").upper() or "HEADER"
    return name if not name[0].isdigit() else f"H_{name}"


def variable_in(value: str) -> str | None:
    """`NAME` when the value is written `$NAME` or `${NAME}`, else None."""
    m = _VARIABLE.match(value.strip())
    return m.group(1) if m else None


def valid_name(name: str) -> bool:
    return bool(_TOKEN.match(name))


def valid_value(value: str) -> bool:
    """Visible ASCII, spaces and tabs: what every HTTP library sends as is."""
    return all(32 <= ord(c) < 127 or c == "\t" for c in value)


def split_scheme(value: str) -> tuple[str, str]:
    """(`Bearer `, token) for `Bearer token`; ("", value) when there is no auth scheme."""
    lower = value.lower()
    for scheme in _SCHEMES:
        if lower.startswith(scheme) and value[len(scheme) :].strip():
            return value[: len(scheme)], value[len(scheme) :].strip()
    return "", value


def is_secret(name: str, value: str) -> bool:
    """A header is a credential when its name says so (`*-Auth`, `*key*`, `*token*`) or its value
    looks like one (`Bearer …`, `sk-…`)."""
    if _SECRET_NAME.search(name):
        return True
    lower = value.strip().lower()
    return lower.startswith(_SCHEMES) or lower.startswith(_KEY_PREFIXES)


_FILLER = re.compile(r"^[xX*.•…#]+$|^0{4,}$")
_WORDY = re.compile(r"^[A-Za-z_-]+$")
_WORDS = re.compile(r"key|token|secret|password|placeholder|here|replace|changeme|redacted", re.IGNORECASE)


def is_placeholder(value: str) -> bool:
    """Docs' stand-ins for a value: `YOUR_API_KEY`, `<token>`, `$OPENAI_API_KEY`, `${KEY}`,
    `{{key}}`, `[HELICONE_KEY]`, `sk-...`, `sk-xxxx`, `<<YOUR_KEY>>`, `your-api-key`."""
    v = value.strip()
    if not v:
        return True
    if v[0] == "$" or "..." in v or "…" in v:
        return True
    if (v[0], v[-1]) in (("<", ">"), ("{", "}"), ("[", "]")):
        return True
    if "your" in v.lower():
        return True
    if _WORDY.match(v) and _WORDS.search(v):  # OPENAI_API_KEY, api-key, YOUR_KEY_HERE, Token
        return True
    # A key prefix followed only by filler: sk-xxxx, gsk_********, sk-helicone-xxxxxxx-xxxxxxx.
    parts = [p for p in re.split(r"[-_]", v) if p]
    filler = [p for p in parts if _FILLER.match(p)]
    rest = [p for p in parts if not _FILLER.match(p)]
    return bool(filler) and all(len(p) <= 8 and p.isalnum() and not p.isupper() for p in rest)


@dataclass
class HeaderLines:
    """The "Custom headers" text area, read: plain headers, credentials, names to drop, problems."""

    headers: list[tuple[str, str]] = field(default_factory=list)
    secrets: list[SecretHeader] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)  # `Name:` with no value: drop that header
    problems: list[str] = field(default_factory=list)


def read_lines(text: str, reserved: frozenset[str] = frozenset()) -> HeaderLines:
    """Read one `Name: value` per line; a credential's value goes to `secrets`, never back to the text."""
    out = HeaderLines()
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, colon, value = line.partition(":")
        name, value = name.strip(), value.strip()
        if not colon or not valid_name(name):
            out.problems.append(f"Line {n} is not `Name: value`; it was left out.")
            continue
        lower = name.lower()
        if lower in RESERVED or lower in reserved:
            out.problems.append(f"{name} is set by the app (the API key field holds the key); it was left out.")
            continue
        if not value:
            out.removed.append(name)
            continue
        if not valid_value(value):
            out.problems.append(f"{name}'s value has characters a header cannot carry; it was left out.")
            continue
        if is_secret(name, value):
            prefix, token = split_scheme(value)
            if is_placeholder(token):  # `Bearer $HELICONE_API_KEY`: snippets read that variable; nothing sent yet
                out.secrets.append(SecretHeader(name, variable_in(token) or env_name(name), prefix))
            else:
                out.secrets.append(SecretHeader(name, env_name(name), prefix, Secret(token)))
        else:
            out.headers.append((name, value))
    return out


def env_is_valid(name: str) -> bool:
    return bool(_ENV.match(name))
