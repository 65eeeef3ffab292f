"""The environment the app under test reads, in one place: none of the person's own provider keys or
URLs, the local model where a test put it, the stand-in as Oxen when a test asks for it."""

from __future__ import annotations

import pytest

from tests.support.stand_in import free_port

# Every variable the app reads for a provider: cleared, so a key or URL in the shell that runs the
# tests never reaches a test (nor a test's request the person's real provider).
APP_VARS = (
    "OXEN_API_KEY",
    "OXEN_BASE_URL",
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "CUSTOM_API_KEY",
    "WORKBENCH_CUSTOM_BASE_URL",
    "WORKBENCH_LOCAL_PORT",
    "WORKBENCH_SHARED",
    "WORKBENCH_ALLOWED_HOSTS",
    "WORKBENCH_DAILY_BUDGET_USD",
    "WORKBENCH_DAILY_UNPRICED_REQUESTS",
    "WORKBENCH_SESSION_REQUESTS_PER_MINUTE",
)
ENV_KEY = "sk-env-key-777"  # the Oxen key "from the environment" in tests


def app_vars(local_port: int, oxen_url: str | None = None, oxen_key: str | None = None) -> dict[str, str]:
    """Every variable of APP_VARS for an app started as a subprocess: the local model's port, the
    stand-in as Oxen when given, and the rest empty (the app reads an empty variable as unset)."""
    out = dict.fromkeys(APP_VARS, "")
    out["WORKBENCH_LOCAL_PORT"] = str(local_port)
    if oxen_url:
        out["OXEN_BASE_URL"] = oxen_url
    if oxen_key:
        out["OXEN_API_KEY"] = oxen_key
    return out


class AppEnv:
    """The environment of an in-process app (AppTest), through monkeypatch so each test starts clean."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.monkeypatch = monkeypatch
        for name in APP_VARS:
            monkeypatch.delenv(name, raising=False)
        # Nothing listens there: a test that needs the model says so (`local`), and one that does
        # not cannot quietly use a model server someone else left running on the default port.
        self.local(free_port())

    def local(self, port: int) -> None:
        self.monkeypatch.setenv("WORKBENCH_LOCAL_PORT", str(port))

    def oxen(self, base_url: str, key: str | None = ENV_KEY) -> None:
        """Oxen configured at `base_url` (the stand-in), with `key` in the environment (None: no key)."""
        self.monkeypatch.setenv("OXEN_BASE_URL", base_url)
        if key is None:
            self.monkeypatch.delenv("OXEN_API_KEY", raising=False)
        else:
            self.monkeypatch.setenv("OXEN_API_KEY", key)


@pytest.fixture
def app_env(monkeypatch: pytest.MonkeyPatch) -> AppEnv:
    """The one environment fixture: a clean environment for the app under test."""
    return AppEnv(monkeypatch)
