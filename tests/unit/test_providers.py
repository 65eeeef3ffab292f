from __future__ import annotations

from lib.client import ChatClient
from lib.errors import MissingKey
from lib.providers import builtin_providers, resolve_key, with_base_url
from lib.request import ChatRequest, Message
from tests.support.stand_in import StandIn

OXEN = builtin_providers()["oxen"]


def test_typed_key_wins() -> None:
    key = resolve_key(OXEN, OXEN.base_url, "typed-1", {"OXEN_API_KEY": "env-1"}, {"OXEN_API_KEY": "sec-1"})
    assert (key.value, key.origin) == ("typed-1", "typed")


def test_environment_then_secrets() -> None:
    assert (
        resolve_key(OXEN, OXEN.base_url, None, {"OXEN_API_KEY": "env-1"}, {"OXEN_API_KEY": "s"}).origin == "environment"
    )
    key = resolve_key(OXEN, OXEN.base_url, None, {}, {"OXEN_API_KEY": "sec-1"})
    assert (key.value, key.origin) == ("sec-1", "secrets")
    assert resolve_key(OXEN, OXEN.base_url, None, {}, {}).value is None


def test_stored_key_never_goes_to_another_base_url() -> None:
    for stored in ({"OXEN_API_KEY": "env-1"}, {}):
        key = resolve_key(OXEN, "https://evil.example/api", None, stored, {"OXEN_API_KEY": "sec-1"})
        assert key.value is None and "only sent to https://hub.oxen.ai/api/ai" in key.note


def test_key_value_not_in_repr() -> None:
    key = resolve_key(OXEN, OXEN.base_url, "sk-visible-never", {}, {})
    assert "sk-visible-never" not in repr(key)


def test_local_model_needs_no_key() -> None:
    local = builtin_providers()["local"]
    assert resolve_key(local, local.base_url, None, {"OXEN_API_KEY": "x"}, {}).origin == "none"


def test_missing_key_is_said_before_anything_is_sent(stand_in: StandIn) -> None:
    oxen = with_base_url(OXEN, stand_in.base_url)
    with ChatClient() as client:
        result = client.complete(ChatRequest(oxen, "gpt-oss-120b", [Message("user", "hi")]))
    assert isinstance(result.error, MissingKey) and "OXEN_API_KEY" in str(result.error)
    assert stand_in.chat_requests() == []
