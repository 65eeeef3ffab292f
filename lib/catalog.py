"""Model listings and details: `GET {base}/models`, `/models/{id}` and `/models/search`, in the plain
OpenAI shape or Oxen's richer one."""

from __future__ import annotations

from typing import Any

from lib import errors
from lib.client import ChatClient
from lib.events import FREE, Pricing
from lib.providers import Provider
from lib.request import HttpRequest, model_details_request, models_request, search_request


def _get_json(
    provider: Provider, key: str | None, wire: HttpRequest, purpose: errors.Purpose, timeout: float,
    client: ChatClient | None, model: str = "",
) -> Any:  # fmt: skip
    """Send one GET through the one client (its errors and retries); raises a WorkbenchError."""
    call = errors.Call(provider.base_url, wire.url, provider.local, model, purpose)
    if client is not None:
        return client.get_json(wire, key, call, timeout)
    with ChatClient() as own:
        return own.get_json(wire, key, call, timeout)


def _model_list(data: Any, url: str) -> list[dict[str, Any]]:
    items = data.get("data") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise errors.MalformedEvent(f"{url} did not answer with a model list; check the Base URL.")
    return [m for m in items if isinstance(m, dict) and m.get("id")]


def list_models(
    provider: Provider, key: str | None, timeout: float = 10.0, client: ChatClient | None = None
) -> list[dict[str, Any]]:
    """The provider's model objects; raises a WorkbenchError with its sentence on failure."""
    wire = models_request(provider)
    return _model_list(_get_json(provider, key, wire, "models", timeout, client), wire.url)


def model_details(
    provider: Provider, key: str | None, model: str, timeout: float = 10.0, client: ChatClient | None = None
) -> dict[str, Any]:
    """`GET {base}/models/{id}`: the model object; raises a WorkbenchError with its sentence."""
    wire = model_details_request(provider, model)
    data = _get_json(provider, key, wire, "details", timeout, client, model)
    if not isinstance(data, dict):
        raise errors.MalformedEvent(f"{provider.base_url} did not answer with a model object for {model}.")
    return data


def search_models(
    provider: Provider, key: str | None, query: str, timeout: float = 10.0, client: ChatClient | None = None
) -> list[dict[str, Any]]:
    """The provider's own search (`/models/search?search=`), where it has one (Oxen); the caller
    filters locally when this raises."""
    wire = search_request(provider, query)
    return _model_list(_get_json(provider, key, wire, "search", timeout, client), wire.url)


def pricing_of(provider: Provider, model: dict[str, Any] | None) -> Pricing | None:
    """Per-token pricing from a model object; free for the local model; None when unknown."""
    if provider.local:
        return FREE
    p = (model or {}).get("pricing") or {}
    if p.get("input_cost_per_token") is None and p.get("output_cost_per_token") is None:
        return None
    return Pricing(p.get("input_cost_per_token"), p.get("output_cost_per_token"))
