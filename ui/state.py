"""Session state, initialised in one place; process-wide resources that hold no key."""

from __future__ import annotations

import secrets as secrets_module
from dataclasses import dataclass
from typing import Any

import streamlit as st

from lib import address_guard, budget
from lib.client import ChatClient
from lib.conversation import ChatMessage, MessageStatus
from lib.local_model import LocalServer, shared_server
from lib.providers import Provider, ResolvedKey, builtin_providers
from lib.request import Role
from ui import keys


@dataclass
class Connection:
    provider: Provider
    model: str
    key: ResolvedKey
    model_info: dict[str, Any] | None = None  # the provider's model object, when it listed one


@st.cache_resource(show_spinner=False)
def local_server() -> LocalServer:
    """One manager per app process: it starts the model server once and stops it at exit (`make
    run` may have begun that start before the first page ran, see scripts/run.py)."""
    return shared_server()


def providers() -> dict[str, Provider]:
    return builtin_providers()


def secrets() -> dict[str, Any]:
    """`.streamlit/secrets.toml` as a dict; empty when there is no such file."""
    try:
        return dict(st.secrets)
    except Exception:  # Streamlit raises when no secrets file exists
        return {}


def client() -> ChatClient:
    """This browser session's client for Compare's rounds and the connection test: one connection
    pool, made once (a new client's TLS set-up held a Compare round's first request back by a
    quarter of a second). Per session, not per process: sessions share nothing. (The Playground's
    answer has a client of its own, closed when the answer ends: closing it is what drops a cut
    answer's connection at once, before the next run draws.)"""
    held = st.session_state.get(keys.CLIENT)
    if not isinstance(held, ChatClient) or held.http.is_closed:
        held = st.session_state[keys.CLIENT] = ChatClient()
    return held


def meter_for(conn: Connection | ResolvedKey) -> budget.Meter | None:
    """The budget a request with this connection's (or this) key counts against: a shared app's own
    keys only (lib/budget.py), per browser session."""
    key = conn.key if isinstance(conn, Connection) else conn
    session = st.session_state.setdefault("budget_session", secrets_module.token_hex(8))
    return budget.meter(address_guard.current().shared, key.origin, session)


def init() -> None:
    """Create the session's keys once (honouring deep links), and keep widget values alive."""
    # Where requests may go follows where this app listens (lib/address_guard.py); cheap to redo.
    address_guard.configure(st.get_option("server.address"))
    ss = st.session_state
    for key in list(ss.keys()):
        if isinstance(key, str) and key.startswith(keys.PERSISTENT_PREFIXES):
            ss[key] = ss[key]
    for key, value in ss.pop(keys.PENDING, {}).items():
        ss[key] = value
    if "initialised" in ss:
        return
    ss.initialised = True
    ss[keys.MODELS_CACHE] = {}
    ss[keys.MESSAGES] = []
    qp = st.query_params
    pid = qp.get("provider", "local")
    if pid not in providers():
        pid = "local"
    ss[keys.PROVIDER] = pid
    if qp.get("base_url") and not providers()[pid].local:
        ss[keys.base_url(pid)] = qp["base_url"]
    if qp.get("model"):
        ss[keys.model(pid)] = qp["model"]
    _load_shared(qp.to_dict())


def set_later(values: dict[str, Any]) -> None:
    """Set widget values on the next run (a drawn widget's value cannot change in this one); the
    caller then calls st.rerun()."""
    st.session_state.setdefault(keys.PENDING, {}).update(values)


def connection() -> Connection | None:
    """The sidebar's Connection for this run, or None when it cannot be used yet."""
    conn: Connection | None = st.session_state.get(keys.CONNECTION)
    return conn


def messages() -> list[ChatMessage]:
    """The Playground's conversation (the list itself: change it in place)."""
    conversation: list[ChatMessage] = st.session_state[keys.MESSAGES]
    return conversation


def _load_shared(query: dict[str, str]) -> None:
    """A share link's parameters, system prompt, variables and conversation."""
    from lib.params import STANDARD
    from lib.share import from_query
    from ui import form

    extra, shared, problem = from_query(query)
    ss = st.session_state
    if problem:
        ss[keys.NOTICE] = problem
        return
    if extra.get("params"):
        form.load(list(STANDARD), extra["params"])
    if extra.get("system"):
        ss[keys.SYSTEM] = extra["system"]
    for name, value in (extra.get("variables") or {}).items():
        ss[keys.variable(name)] = str(value)
    if isinstance(extra.get("setup"), dict) and not providers()[ss[keys.PROVIDER]].local:
        _load_shared_setup(ss[keys.PROVIDER], extra["setup"])
    # from_query keeps only user and assistant messages
    ss[keys.MESSAGES] = [new_message("assistant" if m["role"] == "assistant" else "user", m["content"]) for m in shared]


def _load_shared_setup(pid: str, packed: dict[str, Any]) -> None:
    """A link's headers, query and key placement, checked; a credential header arrives by name only."""
    from lib.share import shared_extras
    from ui import custom_setup

    extras, problems = shared_extras(packed)
    custom_setup.from_link(pid, extras)
    if problems:
        st.session_state[keys.NOTICE] = problems[0]


def new_message(role: Role, content: str = "", *, error: str | None = None, status: MessageStatus = "") -> ChatMessage:
    """A conversation entry with the session's next id (ids are never reused, so widget keys are not)."""
    ss = st.session_state
    ss[keys.MESSAGE_SEQ] = ss.get(keys.MESSAGE_SEQ, 0) + 1
    return ChatMessage(ss[keys.MESSAGE_SEQ], role, content, error=error, status=status)
