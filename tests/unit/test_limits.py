"""Sizes past which the app says no in one sentence (lib/limits.py), in every mode: nothing is sent,
nothing is unpacked, and the page keeps working. Against the recording stand-in: it must receive
nothing for a refused request."""

from __future__ import annotations

import base64
import json
import tomllib
import zlib
from pathlib import Path

import pytest

from lib import errors, limits
from lib.client import ChatClient, ClientConfig
from lib.curl_import import CurlImportError, import_curl
from lib.providers import Provider, builtin_providers
from lib.request import ChatRequest, Message
from lib.share import from_query, pack
from tests.support.stand_in import StandIn

ROOT = Path(__file__).resolve().parents[2]


def _complete(provider: Provider, messages: list[Message]) -> errors.WorkbenchError | None:
    request = ChatRequest(provider, "gpt-oss-120b", messages, {"stream": True})
    with ChatClient(ClientConfig(max_retries=0)) as client:
        return client.complete(request, key="sk-test").error


def test_a_body_past_the_limit_is_not_sent(oxen: Provider, stand_in: StandIn) -> None:
    huge = "x" * (limits.MAX_BODY_BYTES + 1)
    error = _complete(oxen, [Message("user", huge)])
    assert isinstance(error, errors.RequestTooLarge)
    assert "MB" in str(error) and "shorten" in str(error)
    assert stand_in.requests == []
    assert _complete(oxen, [Message("user", "x" * 100_000)]) is None  # a long but sane one goes


def test_a_conversation_past_the_limit_is_not_sent(oxen: Provider, stand_in: StandIn) -> None:
    roles = ("user", "assistant")
    messages = [Message(roles[i % 2], f"m{i}") for i in range(limits.MAX_MESSAGES + 1)]  # type: ignore[arg-type]
    error = _complete(oxen, messages)
    assert isinstance(error, errors.RequestTooLarge) and "new chat" in str(error)
    assert stand_in.requests == []


def test_a_huge_curl_paste_is_refused_before_it_is_read() -> None:
    text = "curl https://api.openai.com/v1/chat/completions -d '" + "a" * limits.MAX_CURL_CHARS + "'"
    with pytest.raises(CurlImportError, match="characters"):
        import_curl(text, builtin_providers())


def test_a_link_that_unpacks_to_gigabytes_is_refused_without_unpacking_it() -> None:
    bomb = base64.urlsafe_b64encode(zlib.compress(b"[" + b" " * 200_000_000 + b"]", 9)).decode().rstrip("=")
    assert len(bomb) < 300_000  # it fits in a long link
    extra, chat, problem = from_query({"setup": pack({"system": "hi"}), "chat": bomb})
    assert (extra, chat) == ({}, [])
    assert problem is not None and "more than a link may carry" in problem
    ok = json.dumps([{"role": "user", "content": "hi"}])
    assert from_query({"chat": pack(json.loads(ok))})[1] == [{"role": "user", "content": "hi"}]


def test_streamlit_is_configured_for_sharing() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["enableXsrfProtection"] is True
    assert config["server"]["enableCORS"] is True  # CORS protection on: no cross-origin access
    assert config["server"]["maxUploadSize"] == limits.MAX_UPLOAD_MB
    assert config["client"]["showErrorDetails"] == "none"  # visitors never see a traceback
    assert config["browser"]["gatherUsageStats"] is False
