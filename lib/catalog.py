"""Model listings and details: `GET {base}/models`, `/models/{id}` and `/models/search`, in the plain
OpenAI shape or Oxen's richer one."""

from __future__ import annotations

from typing import Any

import httpx

from lib import errors
from lib.client import _connect_error_for
from lib.events import FREE, Pricing
from lib.providers import Provider


def _get_json(
    provider: Provider, key: str | None, path: str, *, timeout: float, waiting_for: str, model: str = "",
    params: dict[str, str] | None = None, advice: str = "try again in a moment.",
) -> Any:  # fmt: skip
    """GET `{base}{path}` as JSON; every failure becomes a WorkbenchError with its sentence."""
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    url = f"{provider.base_url}{path}"
    try:
        r = httpx.get(url, headers=headers, params=params, timeout=timeout)
    except httpx.TimeoutException:
        raise errors.FirstByteTimeout(
            f"{provider.base_url} did not {waiting_for} within {timeout:g} s; {advice}"
        ) from None
    except httpx.TransportError as exc:
        raise _connect_error_for(exc, provider) from None
    if r.status_code >= 400:
        raise errors.from_response(r.status_code, r.content, model=model, base_url=provider.base_url)
    try:
        return r.json()
    except ValueError:
        raise errors.MalformedEvent(
            f"{url} did not answer with JSON; check that the Base URL is an OpenAI-compatible API."
        ) from None


def _model_list(data: Any, url: str) -> list[dict[str, Any]]:
    items = data.get("data") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise errors.MalformedEvent(f"{url} did not answer with a model list; check the Base URL.")
    return [m for m in items if isinstance(m, dict) and m.get("id")]


def list_models(provider: Provider, key: str | None, timeout: float = 10.0) -> list[dict[str, Any]]:
    """The provider's model objects; raises a WorkbenchError with its sentence on failure."""
    data = _get_json(provider, key, "/models", timeout=timeout, waiting_for="list its models",
                     advice="type a model name instead.")  # fmt: skip
    return _model_list(data, f"{provider.base_url}/models")


def model_details(provider: Provider, key: str | None, model: str, timeout: float = 10.0) -> dict[str, Any]:
    """`GET {base}/models/{id}`: the model object; raises a WorkbenchError with its sentence."""
    data = _get_json(provider, key, f"/models/{model}", timeout=timeout, waiting_for=f"describe {model}", model=model)
    if not isinstance(data, dict):
        raise errors.MalformedEvent(f"{provider.base_url} did not answer with a model object for {model}.")
    return data


def search_models(provider: Provider, key: str | None, query: str, timeout: float = 10.0) -> list[dict[str, Any]]:
    """The provider's own search (`/models/search?search=`), where it has one (Oxen); the caller
    filters locally when this raises."""
    data = _get_json(provider, key, "/models/search", timeout=timeout, waiting_for="search its models",
                     params={"search": query})  # fmt: skip
    return _model_list(data, f"{provider.base_url}/models/search")


def pricing_of(provider: Provider, model: dict[str, Any] | None) -> Pricing | None:
    """Per-token pricing from a model object; free for the local model; None when unknown."""
    if provider.local:
        return FREE
    p = (model or {}).get("pricing") or {}
    if p.get("input_cost_per_token") is None and p.get("output_cost_per_token") is None:
        return None
    return Pricing(p.get("input_cost_per_token"), p.get("output_cost_per_token"))
