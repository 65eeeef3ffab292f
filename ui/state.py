"""Session state, initialised in one place; process-wide resources that hold no key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import streamlit as st

from lib.local_model import LocalServer
from lib.providers import Provider, ResolvedKey, builtin_providers

# Sidebar widget keys. Streamlit drops a widget's state on a run that does not draw it, so these
# are re-assigned on every run to survive page switches and provider switches.
PERSISTENT_PREFIXES = ("provider_id", "base_url_", "model_", "api_key_")


@dataclass
class Connection:
    provider: Provider
    model: str
    key: ResolvedKey


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
