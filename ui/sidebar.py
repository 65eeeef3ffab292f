"""The shared sidebar: Provider, Base URL, API key, Model."""

from __future__ import annotations

from typing import Any

import streamlit as st

from lib import address_guard
from lib.catalog import list_models, model_details
from lib.errors import InvalidBaseURL, WorkbenchError
from lib.local_model import LISTED, MODEL_ID
from lib.providers import Provider, ResolvedKey, resolve_key, validate_base_url, with_base_url
from lib.request import ChatRequest, Message
from ui import custom_setup, keys, presenter, state
from ui.state import Connection, local_server, providers, secrets

ORIGIN_TEXT = {
    "environment": "from the environment",
    "secrets": "from .streamlit/secrets.toml",
    "typed": "typed for this session",
}
Listing = list[dict[str, Any]] | str  # the provider's model objects, or why they could not be listed


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


def provider_models(conn_key: tuple[str, str], provider: Provider, key: str | None) -> Listing:
    """The provider's model objects (kept per session: a listing may depend on the key), or why not."""
    cache: dict[tuple[str, str], Listing] = st.session_state[keys.MODELS_CACHE]
    if conn_key not in cache and provider.local and local_server().starting:
        return [dict(LISTED)]  # its one model while it starts, not kept: the server's own list follows
    if conn_key not in cache:
        try:
            cache[conn_key] = list_models(provider, key)
        except WorkbenchError as exc:
            cache[conn_key] = str(exc)
    return cache[conn_key]


def model_details_cached(provider: Provider, key: str | None, model: str) -> dict[str, Any] | str:
    """`GET /models/{id}` once per session and model (it may depend on the key), or why it failed."""
    cache: dict[tuple[str, str, str], dict[str, Any] | str] = st.session_state.setdefault(keys.MODEL_DETAILS, {})
    k = (provider.id, provider.base_url, model)
    if k not in cache:
        try:
            cache[k] = model_details(provider, key, model)
        except WorkbenchError as exc:
            cache[k] = str(exc)
    return cache[k]


# What a plain OpenAI-style listing entry holds; anything more is a catalog's model object (Oxen's shape).
PLAIN_ENTRY = frozenset({"id", "object", "created", "owned_by", "permission", "permissions", "root", "parent"})


def _with_schema(provider: Provider, key: str | None, info: dict[str, Any] | None) -> dict[str, Any] | None:
    """A listing that leaves the request schema or the pricing out (rather than null) gets the model's
    own object, so the form and the answer's cost come from it whenever the server has one, whatever
    the provider is called (Custom pointed at an Oxen-style server too). A plain OpenAI list says
    nothing more about a model, so it costs no extra request."""
    if info is None or provider.local or not provider.has_model_details:
        return info
    has_schema = "json_request_schema" in info or "request_schema" in info
    if has_schema and "pricing" in info:
        return info
    if not provider.describes_params and set(info) <= PLAIN_ENTRY:
        return info
    full = model_details_cached(provider, key, info["id"])
    return full if isinstance(full, dict) else info


def _test_connection(provider: Provider, model: str, key: str | None) -> None:
    """A one-token request to the chosen model: proves the base URL, the key and the model at once."""
    request = ChatRequest(provider, model, [Message("user", "Say OK.")], {"max_tokens": 1})
    with st.spinner("Testing…"):
        result = state.client().complete(request, key)
    if result.error:
        st.session_state[keys.CONNECTION_TEST] = ("error", str(result.error))
    else:
        outcome = f"Connected: {model} answered in {result.metrics.latency:.2f} s."
        st.session_state[keys.CONNECTION_TEST] = ("ok", outcome)


def _base_url_field(configured: Provider) -> Provider | None:
    """The "Base URL" input (fixed for the local model); the provider pointed at it, or None with the
    sentence shown when it is not a URL."""
    ss = st.session_state
    url_key = keys.base_url(configured.id)
    if url_key not in ss:
        ss[url_key] = configured.base_url
    if presenter.active():  # the address requests go to stays off the projector; the kept value still applies
        base_url = ss[url_key]
    else:
        base_url = st.text_input(
            "Base URL",
            key=url_key,
            disabled=configured.local,
            help="The embedded model runs on loopback." if configured.local else "Any OpenAI-compatible API.",
        )
    if configured.local:
        return configured
    try:
        return with_base_url(configured, base_url)
    except InvalidBaseURL as exc:
        st.error(str(exc))
        return None


def _key_note(provider: Provider, key: ResolvedKey) -> str | None:
    """Where the key comes from, why a stored one is withheld, or that one is missing."""
    if key.value:
        return f"Key {ORIGIN_TEXT[key.origin]}."
    if key.note:
        return key.note
    if provider.key_required:
        return f"No key yet: type one or set {provider.key_env}."
    return None


def _key_field(configured: Provider, provider: Provider) -> ResolvedKey:
    """The masked "API key" input (none for the local model) and the key to send."""
    typed = None
    if presenter.active():  # no key field and no word on where the key comes from; a typed one still applies
        typed = st.session_state.get(keys.api_key(provider.id)) or None
    elif not provider.local:
        typed = st.text_input(
            "API key",
            type="password",
            key=keys.api_key(provider.id),
            help=f"Kept for this browser session only. Or set {provider.key_env} in the environment.",
        )
    # The configured provider, not the typed URL: a stored key goes only to its own base URL.
    key = resolve_key(configured, provider.base_url, typed or None, secrets=secrets())
    note = None if provider.local or presenter.active() else _key_note(provider, key)
    if note:
        st.caption(note)
    return key


def _local_model_problem(provider: Provider) -> str | None:
    """Start the local model once per session here (the Playground checks again before sending);
    its error sentence, shown with a button to try again, or None. While a start is under way
    (`make run` begins one before the first page), the page is drawn at once rather than after it:
    a message sent meanwhile waits for the start."""
    if not provider.local or (provider.id, provider.base_url) in st.session_state[keys.MODELS_CACHE]:
        return None
    if local_server().starting:  # a send says "Starting the local model" while it waits
        return None
    problem = ensure_local()
    if problem:
        st.error(problem)
        if st.button("Start local model"):
            st.rerun()
    return problem


def _model_field(provider_id: str, listing: Listing) -> str | None:
    """The "Model" select: the provider's list, the kept choice first when it is not listed, and any
    typed id."""
    ss = st.session_state
    model_key = keys.model(provider_id)
    options = [m["id"] for m in listing] if isinstance(listing, list) else []
    if ss.get(model_key) and ss[model_key] not in options:
        options = [ss[model_key], *options]
    if model_key not in ss and options:
        ss[model_key] = MODEL_ID if MODEL_ID in options else options[0]
    model: str | None = st.selectbox(
        "Model",
        options,
        key=model_key,
        accept_new_options=True,
        placeholder="Type a model id",
        help="Pick from the provider's list, or type any model id.",
    )
    return model


def _listing_problem(provider: Provider, listing: Listing) -> None:
    if isinstance(listing, str):  # often the first sign of a wrong Base URL or key: not a footnote
        # The reason may name the address: in presenter mode the sentence says where to read it.
        reason = "leave Presenter mode to see why." if presenter.active() else listing
        st.warning(f"Could not list models: {reason}")
        if st.button("Retry listing"):
            del st.session_state[keys.MODELS_CACHE][(provider.id, provider.base_url)]
            st.rerun()


def _test_connection_button(provider: Provider, model: str | None, key: ResolvedKey) -> None:
    if presenter.active():
        return
    if model and st.button("Test connection", key=keys.TEST_CONNECTION):
        _test_connection(provider, model, key.value)
    outcome = st.session_state.pop(keys.CONNECTION_TEST, None)
    if outcome:
        (st.success if outcome[0] == "ok" else st.error)(outcome[1])


def _usable(provider: Provider, model: str | None, key: ResolvedKey, listing: Listing) -> Connection | None:
    """The Connection, or None while there is no model or the base URL is not one."""
    if not model:
        return None
    try:
        validate_base_url(provider.base_url)
    except InvalidBaseURL:
        return None
    info = next((m for m in listing if m.get("id") == model), None) if isinstance(listing, list) else None
    return Connection(provider, model, key, _with_schema(provider, key.value, info))


def connection() -> Connection | None:
    """Draw the connection widgets; the Connection, or None when it cannot be used yet."""
    table = providers()
    with st.sidebar:
        st.markdown("### Connection")
        if address_guard.current().shared:
            st.caption(
                ":material/groups: **Shared:** others on the network use this app, so requests go "
                "only to public addresses and the hosts its operator allows."
            )
        pid = st.selectbox("Provider", list(table), format_func=lambda p: table[p].label, key=keys.PROVIDER)
        provider = _base_url_field(table[pid])
        if provider is None:
            return None
        key = _key_field(table[pid], provider)
        provider, key = custom_setup.apply(provider, key)  # "Custom headers" and an imported Azure setup
        if _local_model_problem(provider):
            return Connection(provider, MODEL_ID, key)
        listing = provider_models((provider.id, provider.base_url), provider, key.value)
        model = _model_field(provider.id, listing)
        _listing_problem(provider, listing)
        _test_connection_button(provider, model, key)
    return _usable(provider, model, key, listing)
