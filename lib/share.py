"""Shareable setups: provider, base URL, model, parameters, system prompt, variables, the setup's
own headers and query (Azure's api-version) and the conversation in a page URL. Never a key, never
a credential header's value: a credential header travels by name only, to be filled by whoever opens
the link. The setup and the conversation are packed as compressed JSON in base64url, so a link stays
short and survives any text."""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from lib import limits
from lib.headers import RESERVED, SecretHeader, env_is_valid, is_secret, valid_name, valid_value
from lib.providers import Extras

MAX_URL = 8000  # what browsers, proxies and chat tools pass reliably


@dataclass
class Setup:
    provider_id: str
    model: str
    base_url: str | None = None  # only for providers whose base URL can be changed
    params: dict[str, Any] = field(default_factory=dict)
    system: str = ""
    variables: dict[str, str] = field(default_factory=dict)
    messages: list[dict[str, str]] = field(default_factory=list)  # role and content only
    extras: Extras = field(default_factory=Extras)  # credential headers go by name, never by value


def _pack_extras(extras: Extras) -> dict[str, Any]:
    """The setup's headers, query and key placement as plain JSON; credential values are not in it."""
    out: dict[str, Any] = {
        "headers": [[k, v] for k, v in extras.headers],
        "secret_headers": [[h.name, h.env, h.prefix] for h in extras.secret_headers],
        "query": [[k, v] for k, v in extras.query],
    }
    if (extras.auth_header, extras.auth_prefix) != ("Authorization", "Bearer "):
        out["auth"] = [extras.auth_header, extras.auth_prefix]
    if extras.key_env:
        out["key_env"] = extras.key_env
    if extras.label:
        out["label"] = extras.label
    return {k: v for k, v in out.items() if v}


# Where a link may say the key goes: the default, or Azure OpenAI's `api-key` header.
_AUTH = {("Authorization", "Bearer "), ("api-key", "")}


def _pairs(raw: Any) -> list[tuple[str, str]]:
    if not isinstance(raw, list):
        return []
    return [(p[0], p[1]) for p in raw if isinstance(p, list) and len(p) == 2 and all(isinstance(x, str) for x in p)]


def shared_extras(extra: dict[str, Any]) -> tuple[Extras, list[str]]:
    """A link's setup headers and query, checked: a link cannot set a credential's value, a header
    the app sets itself, or send the key anywhere but `Authorization` or Azure's `api-key`."""
    left_out: list[str] = []
    headers = []
    for name, value in _pairs(extra.get("headers")):
        reserved = name.lower() in RESERVED | {"authorization", "api-key"}
        if valid_name(name) and valid_value(value) and not reserved and not is_secret(name, value):
            headers.append((name, value))
        else:
            left_out.append(name)
    secrets = []
    for item in extra.get("secret_headers") or []:
        if isinstance(item, list) and len(item) == 3 and all(isinstance(x, str) for x in item):
            name, env, prefix = item
            if valid_name(name) and env_is_valid(env) and valid_value(prefix) and name.lower() not in RESERVED:
                secrets.append(SecretHeader(name, env, prefix))
                continue
        left_out.append(str(item[0]) if isinstance(item, list) and item else "?")
    auth = tuple(extra["auth"]) if isinstance(extra.get("auth"), list) else ("Authorization", "Bearer ")
    if auth not in _AUTH:
        left_out.append("the key's header")
        auth = ("Authorization", "Bearer ")
    key_env, label = extra.get("key_env"), extra.get("label")
    extras = Extras(
        headers=tuple(headers),
        secret_headers=tuple(secrets),
        query=tuple((k, v) for k, v in _pairs(extra.get("query")) if k and not is_secret(k, v)),
        auth_header=auth[0],
        auth_prefix=auth[1],
        key_env=key_env if isinstance(key_env, str) and env_is_valid(key_env) else None,
        label=label[:40] if isinstance(label, str) and label.strip() else None,
    )
    problems = (
        [f"The link's header(s) {', '.join(left_out)} were left out: a link cannot set them."] if left_out else []
    )
    return extras, problems


def pack(obj: Any) -> str:
    raw = json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode().rstrip("=")


def unpack(text: str) -> Any:
    """A packed value from a link. One that would unpack past MAX_LINK_SETUP_BYTES (a few bytes of
    zlib can stand for gigabytes) is refused without unpacking the rest."""
    limit = limits.MAX_LINK_SETUP_BYTES
    try:
        inflate = zlib.decompressobj()
        raw = inflate.decompress(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)), limit)
        too_large = bool(inflate.unconsumed_tail)
        value = None if too_large else json.loads(raw)
    except (binascii.Error, zlib.error, ValueError) as exc:
        raise ValueError("The link's saved setup is damaged; the page opened with its defaults.") from exc
    if too_large:
        raise ValueError(
            f"The link's saved setup unpacks to over {limit:,} bytes, more than a link may carry; the page "
            "opened with its defaults."
        )
    return value


def to_query(setup: Setup, page_url: str) -> tuple[dict[str, str], str | None]:
    """Query parameters for the setup, and a sentence when the conversation had to be left out."""
    query = {"provider": setup.provider_id, "model": setup.model}
    if setup.base_url:
        query["base_url"] = setup.base_url
    extra = {"params": setup.params, "system": setup.system, "variables": setup.variables,
             "setup": _pack_extras(setup.extras)}  # fmt: skip
    query["setup"] = pack({k: v for k, v in extra.items() if v})
    if setup.messages:
        with_chat = {**query, "chat": pack(setup.messages)}
        length = len(page_url) + 1 + len(urlencode(with_chat))
        if length <= MAX_URL:
            return with_chat, None
        return query, (
            f"The conversation is too long for a link ({length:,} characters; a link holds {MAX_URL:,}), "
            "so this link carries the setup without it."
        )
    return query, None


SHARE_KEYS = ("provider", "base_url", "model", "setup", "chat")  # what `to_query` writes


def stale_keys(in_url: dict[str, str], now: dict[str, str]) -> list[str]:
    """The share parameters in the address bar that no longer say what the page holds, given the
    query a link made now would have (`to_query`): reloading must not bring back an older state. The
    setup and the conversation compare by content, so a link whose values are all still current stays."""
    stale = []
    for key in SHARE_KEYS:
        if key not in in_url:
            continue
        if key in ("setup", "chat"):
            try:
                same = key in now and unpack(in_url[key]) == unpack(now[key])
            except ValueError:  # a damaged value says nothing current
                same = False
        else:
            same = in_url[key] == now.get(key)
        if not same:
            stale.append(key)
    return stale


def from_query(query: dict[str, str]) -> tuple[dict[str, Any], list[dict[str, str]], str | None]:
    """(setup extras, conversation, problem sentence) from a link's query parameters."""
    try:
        extra = unpack(query["setup"]) if query.get("setup") else {}
        chat = unpack(query["chat"]) if query.get("chat") else []
    except ValueError as exc:
        return {}, [], str(exc)
    if not isinstance(extra, dict) or not isinstance(chat, list):
        return {}, [], "The link's saved setup is damaged; the page opened with its defaults."
    # A link is anybody's text: each part of the setup must have its own shape, or it is left out.
    shapes: dict[str, type] = {"params": dict, "system": str, "variables": dict, "setup": dict}
    damaged = [k for k, v in extra.items() if k in shapes and not isinstance(v, shapes[k])]
    if damaged:
        return {}, [], f"The link's saved {', '.join(damaged)} could not be read; the page opened with its defaults."
    extra = {k: v for k, v in extra.items() if k in shapes}
    if "variables" in extra:
        extra["variables"] = {str(k): v for k, v in extra["variables"].items() if isinstance(v, str | int | float)}
    messages = [
        {"role": m["role"], "content": m["content"]}
        for m in chat
        if isinstance(m, dict) and m.get("role") in ("user", "assistant") and isinstance(m.get("content"), str)
    ]
    return extra, messages, None
