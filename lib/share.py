"""Shareable setups: provider, base URL, model, parameters, system prompt, variables and the
conversation in a page URL (never a key). The setup and the conversation are packed as compressed
JSON in base64url, so a link stays short and survives any text."""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

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


def pack(obj: Any) -> str:
    raw = json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode().rstrip("=")


def unpack(text: str) -> Any:
    try:
        return json.loads(zlib.decompress(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))))
    except (binascii.Error, zlib.error, ValueError) as exc:
        raise ValueError("The link's saved setup is damaged; the page opened with its defaults.") from exc


def to_query(setup: Setup, page_url: str) -> tuple[dict[str, str], str | None]:
    """Query parameters for the setup, and a sentence when the conversation had to be left out."""
    query = {"provider": setup.provider_id, "model": setup.model}
    if setup.base_url:
        query["base_url"] = setup.base_url
    extra = {"params": setup.params, "system": setup.system, "variables": setup.variables}
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


def from_query(query: dict[str, str]) -> tuple[dict[str, Any], list[dict[str, str]], str | None]:
    """(setup extras, conversation, problem sentence) from a link's query parameters."""
    try:
        extra = unpack(query["setup"]) if query.get("setup") else {}
        chat = unpack(query["chat"]) if query.get("chat") else []
    except ValueError as exc:
        return {}, [], str(exc)
    if not isinstance(extra, dict) or not isinstance(chat, list):
        return {}, [], "The link's saved setup is damaged; the page opened with its defaults."
    messages = [
        {"role": m["role"], "content": m["content"]}
        for m in chat
        if isinstance(m, dict) and m.get("role") in ("user", "assistant") and isinstance(m.get("content"), str)
    ]
    return extra, messages, None
