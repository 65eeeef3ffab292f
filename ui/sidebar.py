"""The shared sidebar: Provider, Base URL, API key, Model."""

from __future__ import annotations

import streamlit as st

from lib.catalog import list_models, model_details
from lib.client import ChatClient
from lib.errors import InvalidBaseURL, WorkbenchError
from lib.local_model import MODEL_ID
from lib.providers import resolve_key, validate_base_url, with_base_url
from lib.request import ChatRequest, Message
from ui.state import Connection, local_server, providers, secrets

ORIGIN_TEXT = {
    "environment": "from the environment",
    "secrets": "from .streamlit/secrets.toml",
    "typed": "typed for this session",
}


def ensure_local() -> str | None:
    """Start the local model when it is not running; the error sentence, or None when it is up."""
    server = local_server()
    try:
        if server.status() != "ours":
            with st.spinner("Starting the local model (a few seconds)…"):
                server.ensure()
    except WorkbenchError as exc:
        return str(exc)
    return None


def provider_models(conn_key: tuple[str, str], provider, key: str | None) -> list[dict] | str:  # type: ignore[no-untyped-def]
    """The provider's model objects (kept per session: a listing may depend on the key), or why not."""
    cache = st.session_state.models_cache
    if conn_key not in cache:
        try:
            cache[conn_key] = list_models(provider, key)
        except WorkbenchError as exc:
            cache[conn_key] = str(exc)
    return cache[conn_key]


def model_details_cached(provider, key: str | None, model: str) -> dict | str:  # type: ignore[no-untyped-def]
    """`GET /models/{id}` once per session and model (it may depend on the key), or why it failed."""
    cache = st.session_state.setdefault("model_details", {})
    k = (provider.id, provider.base_url, model)
    if k not in cache:
        try:
            cache[k] = model_details(provider, key, model)
        except WorkbenchError as exc:
            cache[k] = str(exc)
    return cache[k]


def _with_schema(provider, key: str | None, info: dict | None) -> dict | None:  # type: ignore[no-untyped-def]
    """A listing that leaves the request schema out (rather than null) gets the model's own object,
    so the Playground's form is built from the schema whenever the provider has one."""
    if info is None or provider.local or "json_request_schema" in info or "request_schema" in info:
        return info
    if not provider.describes_params:
        return info
    full = model_details_cached(provider, key, info["id"])
    return full if isinstance(full, dict) else info


def _test_connection(provider, model: str, key: str | None) -> None:  # type: ignore[no-untyped-def]
    """A one-token request to the chosen model: proves the base URL, the key and the model at once."""
    request = ChatRequest(provider, model, [Message("user", "Say OK.")], {"max_tokens": 1})
    client = ChatClient()
    try:
        with st.spinner("Testing…"):
            result = client.complete(request, key)
    finally:
        client.close()
    if result.error:
        st.session_state.connection_test = ("error", str(result.error))
    else:
        st.session_state.connection_test = ("ok", f"Connected: {model} answered in {result.metrics.latency:.2f} s.")


def connection() -> Connection | None:
    """Draw the connection widgets; the Connection, or None when it cannot be used yet."""
    ss = st.session_state
    table = providers()
    with st.sidebar:
        st.markdown("### Connection")
        pid = st.selectbox("Provider", list(table), format_func=lambda p: table[p].label, key="provider_id")
        provider = table[pid]
        url_key = f"base_url_{pid}"
        if url_key not in ss:
            ss[url_key] = provider.base_url
        base_url = st.text_input(
            "Base URL",
            key=url_key,
            disabled=provider.local,
            help="The embedded model runs on loopback." if provider.local else "Any OpenAI-compatible API.",
        )
        try:
            provider = with_base_url(provider, base_url) if not provider.local else provider
        except InvalidBaseURL as exc:
            st.error(str(exc))
            return None
        typed = None
        if not provider.local:
            typed = st.text_input(
                "API key",
                type="password",
                key=f"api_key_{pid}",
                help=f"Kept for this browser session only. Or set {provider.key_env} in the environment.",
            )
        key = resolve_key(table[pid], provider.base_url, typed or None, secrets=secrets())
        if not provider.local:
            if key.value:
                st.caption(f"Key {ORIGIN_TEXT[key.origin]}.")
            elif key.note:
                st.caption(key.note)
            elif provider.key_required:
                st.caption(f"No key yet: type one or set {provider.key_env}.")
        if provider.local and (pid, provider.base_url) not in ss.models_cache:
            problem = ensure_local()  # once per session here; the Playground checks again before sending
            if problem:
                st.error(problem)
                if st.button("Start local model"):
                    st.rerun()
                return Connection(provider, MODEL_ID, key)
        listing = provider_models((pid, provider.base_url), provider, key.value)
        model_key = f"model_{pid}"
        options = [m["id"] for m in listing] if isinstance(listing, list) else []
        if model_key in ss and ss[model_key] and ss[model_key] not in options:
            options = [ss[model_key], *options]
        if model_key not in ss and options:
            ss[model_key] = MODEL_ID if MODEL_ID in options else options[0]
        model = st.selectbox(
            "Model",
            options,
            key=model_key,
            accept_new_options=True,
            placeholder="Type a model id",
            help="Pick from the provider's list, or type any model id.",
        )
        if isinstance(listing, str):
            st.caption(f"Could not list models: {listing}")
            if st.button("Retry listing"):
                del ss.models_cache[(pid, provider.base_url)]
                st.rerun()
        if model and st.button("Test connection", key="test_connection"):
            _test_connection(provider, model, key.value)
        outcome = ss.pop("connection_test", None)
        if outcome:
            (st.success if outcome[0] == "ok" else st.error)(outcome[1])
    if not model:
        return None
    try:
        validate_base_url(provider.base_url)
    except InvalidBaseURL:
        return None
    info = next((m for m in listing if m.get("id") == model), None) if isinstance(listing, list) else None
    return Connection(provider, model, key, _with_schema(provider, key.value, info))
