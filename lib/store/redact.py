"""What of a setup and of a request is written down: everything but a credential. A key never reaches
these (the client adds it on the way out), but a setup or a request made elsewhere may carry one by
mistake (an `Authorization` header, a credential header's value, an `api_key` parameter), and this is
the one place that keeps it out of the store, an export and a snapshot."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from lib.headers import MASK, SecretHeader, is_secret
from lib.images import from_references, to_references
from lib.providers import Extras
from lib.request import HttpRequest
from lib.share import Setup, shared_extras

# Parameter and query names that hold a credential, compared lower-case with `-` read as `_`.
# (Not a pattern: `max_tokens` or `key_env` are not credentials.)
SECRET_NAMES = frozenset(
    {"api_key", "apikey", "key", "authorization", "password", "secret", "token", "access_token", "auth",
     "x_api_key", "client_secret", "sig", "signature", "bearer", "credentials", "cookie"}
)  # fmt: skip


def secret_name(name: str) -> bool:
    return name.strip().lower().replace("-", "_") in SECRET_NAMES


def _clean(value: Any) -> Any:
    """The value without any entry named like a credential, at any depth."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if not (isinstance(k, str) and secret_name(k))}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def _headers(pairs: Any, auth_header: str) -> list[list[str]]:
    """Plain headers only: the key's own header and anything that looks like a credential go."""
    items = pairs.items() if isinstance(pairs, dict) else pairs
    out = []
    for name, value in items:
        lower = str(name).lower()
        if lower in ("authorization", "api-key", auth_header.lower()) or is_secret(str(name), str(value)):
            continue
        out.append([str(name), str(value)])
    return out


def _url(url: str) -> str:
    """The URL with a credential in its query (`?key=...`) or its user info masked."""
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    query = [(k, MASK if secret_name(k) else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    return urlunsplit((parts.scheme, netloc, parts.path, urlencode(query) if query else "", parts.fragment))


def _secret_headers(headers: tuple[SecretHeader, ...]) -> list[list[str]]:
    """Credential headers by name, variable and prefix: where the value comes from, never the value."""
    return [[h.name, h.env, h.prefix] for h in headers]


def extras_json(extras: Extras) -> dict[str, Any]:
    """A setup's headers, query and key placement as JSON (the share link's shape), credentials by name."""
    out: dict[str, Any] = {
        "headers": _headers(list(extras.headers), extras.auth_header),
        "secret_headers": _secret_headers(extras.secret_headers),
        "query": [[k, v] for k, v in extras.query if not secret_name(k) and not is_secret(k, v)],
    }
    if (extras.auth_header, extras.auth_prefix) != ("Authorization", "Bearer "):
        out["auth"] = [extras.auth_header, extras.auth_prefix]
    if extras.key_env:
        out["key_env"] = extras.key_env
    if extras.label:
        out["label"] = extras.label
    return {k: v for k, v in out.items() if v}


def setup_json(setup: Setup) -> dict[str, Any]:
    """Provider, base URL, model, parameters, system prompt, variables and extras; no conversation
    (the store holds the messages) and no credential."""
    return {
        "provider_id": setup.provider_id,
        "base_url": _url(setup.base_url) if setup.base_url else None,
        "model": setup.model,
        "params": _clean(setup.params),
        "system": setup.system,
        "variables": {k: v for k, v in setup.variables.items() if not secret_name(k)},
        "extras": extras_json(setup.extras),
    }


def setup_from_json(data: Any) -> Setup:
    """The Setup stored by `setup_json` (anything else gives an empty setup, not an error)."""
    if not isinstance(data, dict):
        return Setup(provider_id="", model="")
    raw = data.get("extras")
    extras, _problems = shared_extras(raw if isinstance(raw, dict) else {})
    params = data.get("params")
    variables = data.get("variables")
    return Setup(
        provider_id=str(data.get("provider_id") or ""),
        model=str(data.get("model") or ""),
        base_url=data["base_url"] if isinstance(data.get("base_url"), str) else None,
        params=_clean(params) if isinstance(params, dict) else {},
        system=str(data.get("system") or ""),
        variables={str(k): str(v) for k, v in variables.items()} if isinstance(variables, dict) else {},
        extras=extras,
    )


def request_json(wire: HttpRequest) -> dict[str, Any]:
    """The request as sent, minus the key and credential headers' values: method, URL, plain headers,
    body, and where the key and credentials go (by variable name), enough to rebuild it for a snippet."""
    return {
        "method": wire.method,
        "url": _url(wire.url),
        "headers": _headers(wire.headers, wire.auth_header),
        "body": to_references(wire.body),  # images as references to their files (lib/images.py)
        "key_env": wire.key_env,
        "auth_header": wire.auth_header,
        "auth_prefix": wire.auth_prefix,
        "secret_headers": _secret_headers(wire.secret_headers),
    }


def request_from_json(data: dict[str, Any]) -> HttpRequest:
    """The stored request as an HttpRequest (credential headers without values), for the snippets."""
    secrets = tuple(
        SecretHeader(str(h[0]), str(h[1]), str(h[2]))
        for h in data.get("secret_headers") or []
        if isinstance(h, list) and len(h) == 3
    )
    headers = {str(k): str(v) for k, v in data.get("headers") or []}
    body = data.get("body")
    return HttpRequest(
        method=str(data.get("method") or "POST"),
        url=str(data.get("url") or ""),
        headers=headers,
        body=from_references(body) if isinstance(body, dict) else None,
        key_env=data.get("key_env") if isinstance(data.get("key_env"), str) else None,
        auth_header=str(data.get("auth_header") or "Authorization"),
        auth_prefix=str(data.get("auth_prefix") if data.get("auth_prefix") is not None else "Bearer "),
        secret_headers=secrets,
    )
