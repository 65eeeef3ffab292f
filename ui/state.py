"""Session state, initialised in one place; process-wide resources that hold no key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import streamlit as st

from lib.local_model import LocalServer
from lib.providers import Provider, ResolvedKey, builtin_providers

# Sidebar widget keys. Streamlit drops a widget's state on a run that does not draw it, so these
# are re-assigned on every run to survive page switches and provider switches.
PERSISTENT_PREFIXES = ("provider_id", "base_url_", "model_", "api_key_", "param_", "var_", "system_prompt")
PENDING = "pending_widgets"  # widget values to set at the start of the next run, before any is drawn


@dataclass
class Connection:
    provider: Provider
    model: str
    key: ResolvedKey
    model_info: dict[str, Any] | None = None  # the provider's model object, when it listed one


@st.cache_resource(show_spinner=False)
def local_server() -> LocalServer:
    """One manager per app process: it starts the model server once and stops it at exit."""
    return LocalServer()


def providers() -> dict[str, Provider]:
    return builtin_providers()


def secrets() -> dict[str, Any]:
    """`.streamlit/secrets.toml` as a dict; empty when there is no such file."""
    try:
        return dict(st.secrets)
    except Exception:  # Streamlit raises when no secrets file exists
        return {}


def init() -> None:
    """Create the session's keys once (honouring deep links), and keep widget values alive."""
    ss = st.session_state
    for key in list(ss.keys()):
        if isinstance(key, str) and key.startswith(PERSISTENT_PREFIXES):
            ss[key] = ss[key]
    for key, value in ss.pop(PENDING, {}).items():
        ss[key] = value
    if "initialised" in ss:
        return
    ss.initialised = True
    ss.models_cache = {}  # (provider id, base URL) -> list of model objects, or an error sentence
    ss.playground_messages = []
    qp = st.query_params
    pid = qp.get("provider", "local")
    if pid not in providers():
        pid = "local"
    ss.provider_id = pid
    if qp.get("base_url") and pid != "local":
        ss[f"base_url_{pid}"] = qp["base_url"]
    if qp.get("model"):
        ss[f"model_{pid}"] = qp["model"]
    _load_shared(qp.to_dict())


def set_later(values: dict[str, Any]) -> None:
    """Set widget values on the next run (a drawn widget's value cannot change in this one); the
    caller then calls st.rerun()."""
    st.session_state.setdefault(PENDING, {}).update(values)


def _load_shared(query: dict[str, str]) -> None:
    """A share link's parameters, system prompt, variables and conversation."""
    from lib.params import STANDARD
    from lib.share import from_query
    from ui import form

    extra, messages, problem = from_query(query)
    ss = st.session_state
    if problem:
        ss.notice = problem
        return
    if extra.get("params"):
        form.load(list(STANDARD), extra["params"])
    if extra.get("system"):
        ss[form.SYSTEM] = extra["system"]
    for name, value in (extra.get("variables") or {}).items():
        ss[f"var_{name}"] = str(value)
    ss.playground_messages = [new_message(m["role"], m["content"]) for m in messages]


def new_message(role: str, content: str, **meta: Any) -> dict[str, Any]:
    """A conversation entry: plain data with a stable id for its widgets."""
    ss = st.session_state
    ss.message_seq = ss.get("message_seq", 0) + 1
    return {"id": ss.message_seq, "role": role, "content": content, **meta}
