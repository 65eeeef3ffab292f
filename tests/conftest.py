"""Shared fixtures: a free port, the recording stand-in server, the real local model server."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from lib.providers import Provider, builtin_providers, with_base_url
from tests.support.stand_in import StandIn, free_port

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator

    from lib.local_model import LocalServer

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_PATH = Path(__file__).parent / "support" / "reference" / "openai-chat.schema.json"
# The history store's tests: a throwaway PostgreSQL and the SQLite/PostgreSQL matrix.
pytest_plugins = ["tests.support.postgres"]

# Tests never touch the person's data folder.
os.environ["WORKBENCH_HOME"] = tempfile.mkdtemp(prefix="workbench-test-")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that needs the real llama.cpp server, through `local_server` or any fixture built
    on it (make_app's `local_app`, the e2e app), is marked local_model: `-m "not local_model"` is
    the fast suite."""
    for item in items:
        if "local_server" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.local_model)


@pytest.fixture(autouse=True)
def _model_server_only_in_local_model_tests(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """A test not marked local_model that would start the llama.cpp server fails, saying so, rather
    than quietly making the fast suite slow (the launch is refused: the app shows its error)."""
    if request.node.get_closest_marker("local_model"):
        yield
        return
    from lib.errors import LocalModelError
    from lib.local_model import LocalServer

    tried: list[int] = []

    def refuse(self: LocalServer, model_path: Path) -> list[str]:
        tried.append(self.port)
        raise LocalModelError("This test may not start the local model server (it is not marked local_model).")

    monkeypatch.setattr(LocalServer, "command", refuse)
    yield
    if tried:
        pytest.fail(f"started the llama.cpp server (port {tried[0]}) without the local_model marker")


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture(scope="session")
def stand_in_server() -> Iterator[StandIn]:
    server = StandIn().start()
    yield server
    server.stop()


@pytest.fixture
def stand_in(stand_in_server: StandIn) -> StandIn:
    """The stand-in, emptied of recordings and queued behaviours for this test."""
    stand_in_server.reset()
    return stand_in_server


@pytest.fixture
def oxen(stand_in: StandIn) -> Provider:
    """The Oxen provider pointed at the stand-in."""
    return with_base_url(builtin_providers()["oxen"], stand_in.base_url)


@pytest.fixture(scope="session")
def local_server() -> Iterator[LocalServer]:
    """The real embedded llama.cpp server on its own port, started once for the whole run."""
    from lib.local_model import LocalServer

    server = LocalServer(port=free_port())
    server.ensure(timeout=180)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def request_validator() -> Draft202012Validator:
    """A jsonschema validator for OpenAI's CreateChatCompletionRequest."""
    from jsonschema import Draft202012Validator

    doc = json.loads(SCHEMA_PATH.read_text())
    schema = {"$ref": "#/$defs/CreateChatCompletionRequest", "$defs": doc["$defs"]}
    return Draft202012Validator(schema)
