"""Model listings: `GET {base}/models`, in the plain OpenAI shape or Oxen's richer one."""

from __future__ import annotations

from typing import Any

import httpx

from lib import errors
from lib.client import _connect_error_for
from lib.events import FREE, Pricing
from lib.providers import Provider


def list_models(provider: Provider, key: str | None, timeout: float = 10.0) -> list[dict[str, Any]]:
    """The provider's model objects; raises a WorkbenchError with its sentence on failure."""
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    url = f"{provider.base_url}/models"
    try:
        r = httpx.get(url, headers=headers, timeout=timeout)
    except httpx.TimeoutException:
        raise errors.FirstByteTimeout(
            f"{provider.base_url} did not list its models within {timeout:g} s; type a model name instead."
        ) from None
    except httpx.TransportError as exc:
        raise _connect_error_for(exc, provider) from None
    if r.status_code >= 400:
        raise errors.from_response(r.status_code, r.content, model="", base_url=provider.base_url)
    try:
        data = r.json()
    except ValueError:
        raise errors.MalformedEvent(
            f"{url} did not answer with JSON; check that the Base URL is an OpenAI-compatible API."
        ) from None
    items = data.get("data") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise errors.MalformedEvent(f"{url} did not answer with a model list; check the Base URL.")
    return [m for m in items if isinstance(m, dict) and m.get("id")]


def pricing_of(provider: Provider, model: dict[str, Any] | None) -> Pricing | None:
    """Per-token pricing from a model object; free for the local model; None when unknown."""
    if provider.local:
        return FREE
    p = (model or {}).get("pricing") or {}
    if p.get("input_cost_per_token") is None and p.get("output_cost_per_token") is None:
        return None
    return Pricing(p.get("input_cost_per_token"), p.get("output_cost_per_token"))


def model_details(provider: Provider, key: str | None, model: str, timeout: float = 10.0) -> dict[str, Any]:
    """`GET {base}/models/{id}`: the model object; raises a WorkbenchError with its sentence."""
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    try:
        r = httpx.get(f"{provider.base_url}/models/{model}", headers=headers, timeout=timeout)
    except httpx.TimeoutException:
        raise errors.FirstByteTimeout(f"{provider.base_url} did not answer within {timeout:g} s; try again.") from None
    except httpx.TransportError as exc:
        raise _connect_error_for(exc, provider) from None
    if r.status_code >= 400:
        raise errors.from_response(r.status_code, r.content, model=model, base_url=provider.base_url)
    try:
        data = r.json()
    except ValueError:
        raise errors.MalformedEvent(f"{provider.base_url} did not answer with JSON for {model}.") from None
    if not isinstance(data, dict):
        raise errors.MalformedEvent(f"{provider.base_url} did not answer with a model object for {model}.")
    return data


def search_models(provider: Provider, key: str | None, query: str, timeout: float = 10.0) -> list[dict[str, Any]]:
    """The provider's own search (`/models/search?search=`) where it has one (Oxen); the caller
    filters locally when this raises or the provider has none."""
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    r = httpx.get(f"{provider.base_url}/models/search", params={"search": query}, headers=headers, timeout=timeout)
    r.raise_for_status()
    items = r.json().get("data")
    if not isinstance(items, list):
        raise ValueError("no data list")
    return [m for m in items if isinstance(m, dict) and m.get("id")]
