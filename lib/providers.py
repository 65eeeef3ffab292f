"""Providers: a name, a base URL, where its key lives, and what it supports."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Literal
from urllib.parse import urlsplit

from lib import settings
from lib.errors import InvalidBaseURL
from lib.headers import SecretHeader

KeyOrigin = Literal["environment", "secrets", "typed", "none"]
# How a server takes a JSON schema for structured output: OpenAI's `{"type": "json_schema",
# "json_schema": {"name", "schema", "strict"}}`, or the llama.cpp server's own `{"type": "json_object",
# "schema": ...}` (it refuses the former with a 500 and grammar-constrains the latter).
SchemaFormat = Literal["json_schema", "json_object_schema"]


@dataclass(frozen=True)
class Provider:
    id: str  # the deep-link name: local, oxen, openai, custom
    label: str  # the sidebar's option
    base_url: str  # the one configured for this machine (a link may not change where keys go)
    key_env: str | None  # environment variable (and secrets name) holding the key
    key_required: bool
    stream_usage: bool  # takes stream_options.include_usage
    local: bool = False
    # What the server offers beyond chat, as facts rather than `provider.id == ...` checks.
    describes_params: bool = False  # model objects carry a request schema (Oxen-style)
    has_search: bool = False  # `GET /models/search?search=`
    has_model_details: bool = True  # `GET /models/{id}` (llama.cpp's server has none)
    schema_format: SchemaFormat = "json_schema"  # how a JSON-schema response format is sent
    # Headers sent with every request of this setup (e.g. `HTTP-Referer`, `X-Title`).
    headers: tuple[tuple[str, str], ...] = ()
    # Headers whose value is a credential (`Helicone-Auth`): sent, never shown or written down.
    secret_headers: tuple[SecretHeader, ...] = ()
    # Query parameters sent with every request (Azure OpenAI's `api-version`).
    query: tuple[tuple[str, str], ...] = ()
    # Where the key goes: `Authorization: Bearer <key>` by default, `api-key: <key>` on Azure OpenAI.
    auth_header: str = "Authorization"
    auth_prefix: str = "Bearer "


@dataclass(frozen=True)
class Extras:
    """What a setup adds to a provider (from an import, a share link or the sidebar): its own
    headers, credential headers, query parameters, where the key goes and what it is called."""

    headers: tuple[tuple[str, str], ...] = ()
    secret_headers: tuple[SecretHeader, ...] = ()
    query: tuple[tuple[str, str], ...] = ()
    auth_header: str = "Authorization"
    auth_prefix: str = "Bearer "
    key_env: str | None = None  # the variable snippets read the key from, when not the provider's
    label: str | None = None  # e.g. "Azure OpenAI"


def with_extras(provider: Provider, extras: Extras) -> Provider:
    """The provider with a setup's headers, query and key placement applied."""
    return replace(
        provider,
        headers=extras.headers,
        secret_headers=extras.secret_headers,
        query=extras.query,
        auth_header=extras.auth_header,
        auth_prefix=extras.auth_prefix,
        key_env=extras.key_env or provider.key_env,
        label=extras.label or provider.label,
    )


def _env_url(name: str, default: str) -> str:
    return (os.environ.get(name) or default).rstrip("/")


def builtin_providers() -> dict[str, Provider]:
    """The four built-in providers, with base URLs from settings."""
    return {
        "local": Provider(
            "local",
            "Local model",
            f"http://127.0.0.1:{settings.local_model_port()}/v1",
            None,
            key_required=False,
            stream_usage=False,  # llama.cpp's server ignores it when streaming
            local=True,
            has_model_details=False,
            schema_format="json_object_schema",
        ),
        "oxen": Provider(
            "oxen",
            "Oxen.ai",
            _env_url("OXEN_BASE_URL", "https://hub.oxen.ai/api/ai"),
            "OXEN_API_KEY",
            key_required=True,
            stream_usage=True,
            describes_params=True,
            has_search=True,
        ),
        "openai": Provider(
            "openai",
            "OpenAI",
            _env_url("OPENAI_BASE_URL", "https://api.openai.com/v1"),
            "OPENAI_API_KEY",
            key_required=True,
            stream_usage=True,
        ),
        "custom": Provider(
            "custom",
            "Custom",
            _env_url("WORKBENCH_CUSTOM_BASE_URL", "http://localhost:11434/v1"),
            "CUSTOM_API_KEY",
            key_required=False,
            stream_usage=False,  # unknown servers may reject unknown fields
        ),
    }


def validate_base_url(url: str) -> str:
    """Return the URL without a trailing slash, or raise InvalidBaseURL with a sentence."""
    url = url.strip().rstrip("/")
    try:
        parts = urlsplit(url)
        valid = parts.scheme in ("http", "https") and bool(parts.hostname) and parts.port != 0
    except ValueError:  # "http://[::1", a port past 65535
        valid = False
    if not valid or any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        # In code spans: Markdown would make the example (and a typed `www.…`) a link to nowhere.
        shown = url.replace("`", "'")
        raise InvalidBaseURL(f"`{shown}` is not a valid http(s) base URL; enter one like `https://api.example.com/v1`.")
    return url


def with_base_url(provider: Provider, base_url: str) -> Provider:
    """The provider pointed at another base URL (custom servers, a link, a typed URL)."""
    return replace(provider, base_url=validate_base_url(base_url))


@dataclass(frozen=True)
class ResolvedKey:
    value: str | None
    origin: KeyOrigin
    note: str = ""  # why a stored key was withheld, when it was

    def __repr__(self) -> str:  # never show the value
        return f"ResolvedKey(origin={self.origin!r}, set={self.value is not None})"


def resolve_key(
    provider: Provider,
    base_url: str,
    typed: str | None,
    environ: Mapping[str, str] | None = None,
    secrets: Mapping[str, object] | None = None,
) -> ResolvedKey:
    """The key to send: typed first, then environment, then secrets.

    A stored key (environment or secrets) goes only to its provider's configured base URL, so a
    crafted link or a typo cannot send it elsewhere.
    """
    if typed:
        return ResolvedKey(typed, "typed")
    if not provider.key_env:
        return ResolvedKey(None, "none")
    env = os.environ if environ is None else environ
    stored: tuple[str, KeyOrigin] | None = None
    if env.get(provider.key_env):
        stored = (env[provider.key_env], "environment")
    elif secrets and isinstance(secrets.get(provider.key_env), str) and secrets[provider.key_env]:
        stored = (str(secrets[provider.key_env]), "secrets")
    if stored is None:
        return ResolvedKey(None, "none")
    if base_url.rstrip("/") != provider.base_url.rstrip("/"):
        return ResolvedKey(
            None,
            "none",
            f"{provider.key_env} from the {stored[1]} is set, but it is only sent to {provider.base_url} "
            "(so a link cannot send your key elsewhere); type a key for this base URL in API key, or set "
            f"the Base URL back to {provider.base_url}.",
        )
    return ResolvedKey(stored[0], stored[1])
