"""AppTest fixtures: the app on the stand-in (no model server), or on the session's real local model."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from lib.local_model import LocalServer
from tests.conftest import ROOT
from tests.support.environment import AppEnv
from tests.support.environment import app_env as app_env  # the fixture, for these tests
from tests.support.stand_in import StandIn

MakeApp = Callable[..., AppTest]


@pytest.fixture
def make_app(app_env: AppEnv) -> MakeApp:
    """An AppTest of app.py with a clean environment and resource cache; `make(**query)` opens it at
    that deep link (not yet run)."""
    st.cache_resource.clear()

    def make(**query: str) -> AppTest:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        for k, v in query.items():
            at.query_params[k] = v
        return at

    return make


@pytest.fixture
def local_app(make_app: MakeApp, app_env: AppEnv, local_server: LocalServer) -> MakeApp:
    """`make_app` on the session's real llama.cpp server (so its tests are marked local_model)."""
    app_env.local(local_server.port)
    return make_app


@pytest.fixture
def oxen_app(make_app: MakeApp, app_env: AppEnv, stand_in: StandIn) -> Callable[..., AppTest]:
    """The app on Oxen played by the stand-in, with a key in the environment; `make(model, **query)`
    opens that model (with more deep-link parameters) and runs it once."""
    app_env.oxen(stand_in.base_url)

    def make(model: str = "gpt-oss-120b", **query: str) -> AppTest:
        return make_app(provider="oxen", model=model, **query).run()

    return make
