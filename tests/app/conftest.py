from __future__ import annotations

from collections.abc import Callable

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT


@pytest.fixture
def make_app(local_server, monkeypatch: pytest.MonkeyPatch) -> Callable[..., AppTest]:  # type: ignore[no-untyped-def]
    """An AppTest of app.py on the session's local model server, with a clean resource cache."""
    monkeypatch.setenv("WORKBENCH_LOCAL_PORT", str(local_server.port))
    for name in ("OXEN_API_KEY", "OXEN_BASE_URL", "OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    st.cache_resource.clear()

    def make(**query: str) -> AppTest:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        for k, v in query.items():
            at.query_params[k] = v
        return at

    return make
