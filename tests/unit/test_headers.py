"""Setup headers: which are credentials, placeholders copied from docs, and a credential's value that
cannot leak through repr, str, JSON or pickle; the query and headers a setup adds to every request."""

from __future__ import annotations

import copy
import json
import pickle

import pytest

from lib.headers import Secret, SecretHeader, env_name, is_placeholder, is_secret, read_lines
from lib.providers import Extras, builtin_providers, with_extras
from lib.request import ChatRequest, Message, model_details_request, search_request, send_headers, to_http

VALUE = "sk-helicone-REAL-77"
HELICONE = SecretHeader("Helicone-Auth", "HELICONE_AUTH", "Bearer ", Secret(VALUE))


@pytest.mark.parametrize(
    "text",
    ["YOUR_API_KEY", "<token>", "<OPENAI_API_KEY>", "$OPENAI_API_KEY", "${OPENAI_API_KEY}", "sk-...", "sk-xxxx",
     "YOUR_KEY_HERE", "<your-api-key>", "<<YOUR_HELICONE_API_KEY>>", "[HELICONE_KEY]", "{{api_key}}", "sk-…",
     "sk-helicone-xxxxxxx-xxxxxxx-xxxxxxx-xxxxxxx", "gsk_********", "api-key", "Token", "your-api-key-here",
     "sk-or-v1-...", "xxxxxxxx", ""],
)  # fmt: skip
def test_placeholders_from_docs_are_not_keys(text: str) -> None:
    assert is_placeholder(text)


@pytest.mark.parametrize(
    "text", ["sk-proj-4fQk2LrT9xZ1aB7", "gsk_Wk3pQ9sL2mN8vB5xR1tY", "token-abc123", "ollama", "EMPTY", "a1b2c3d4e5"]
)
def test_real_looking_keys_are_keys(text: str) -> None:
    assert not is_placeholder(text)


@pytest.mark.parametrize(
    ("name", "value", "secret"),
    [("Helicone-Auth", "Bearer sk-x", True), ("x-api-key", "abc", True), ("X-Portkey-Virtual-Key", "v", True),
     ("cf-aig-authorization", "Bearer t", True), ("X-Custom", "sk-abc123", True), ("X-Upstream", "Bearer abc", True),
     ("HTTP-Referer", "https://myapp.example", False), ("X-Title", "My app", False),
     ("OpenAI-Organization", "org-123", False), ("anthropic-version", "2023-06-01", False),
     ("Helicone-Cache-Enabled", "true", False)],
)  # fmt: skip
def test_which_headers_are_credentials(name: str, value: str, secret: bool) -> None:
    assert is_secret(name, value) is secret


def test_env_names_follow_the_header() -> None:
    assert [env_name(h) for h in ("Helicone-Auth", "x-api-key", "3rd-Party-Token")] == [
        "HELICONE_AUTH", "X_API_KEY", "H_3RD_PARTY_TOKEN"]  # fmt: skip


def test_a_secret_value_never_shows_and_never_serialises() -> None:
    provider = with_extras(builtin_providers()["custom"], Extras(secret_headers=(HELICONE,)))
    for text in (repr(HELICONE), str(HELICONE), f"{HELICONE}", repr(provider), str([provider]), HELICONE.masked()):
        assert VALUE not in text
    assert HELICONE.masked() == "Helicone-Auth: Bearer •••"
    with pytest.raises(TypeError):
        pickle.dumps(provider)
    with pytest.raises(TypeError):
        json.dumps({"h": HELICONE.value})
    assert copy.deepcopy(provider) == provider  # copies are fine; they stay masked
    assert HELICONE.value.reveal() == VALUE


def test_every_request_of_a_setup_carries_its_headers_query_and_credentials() -> None:
    placeholder = SecretHeader("X-Other-Token", "OTHER_TOKEN")  # a placeholder: no value, not sent
    extras = Extras(headers=(("HTTP-Referer", "https://myapp.example"),), secret_headers=(HELICONE, placeholder),
                    query=(("api-version", "2024-10-21"),), auth_header="api-key", auth_prefix="")  # fmt: skip
    provider = with_extras(builtin_providers()["custom"], extras)
    chat = to_http(ChatRequest(provider, "m", [Message("user", "hi")]))
    details, search = model_details_request(provider, "m"), search_request(provider, "a b")
    assert chat.url == "http://localhost:11434/v1/chat/completions?api-version=2024-10-21"
    assert details.url == "http://localhost:11434/v1/models/m?api-version=2024-10-21"
    assert search.url == "http://localhost:11434/v1/models/search?search=a+b&api-version=2024-10-21"
    for wire in (chat, details, search):
        assert VALUE not in json.dumps(wire.headers) and wire.headers["HTTP-Referer"] == "https://myapp.example"
        sent = send_headers(wire, "the-key")
        assert sent["Helicone-Auth"] == f"Bearer {VALUE}" and sent["api-key"] == "the-key"
        assert "X-Other-Token" not in sent and "Authorization" not in sent


def test_custom_header_lines_keep_credentials_out_of_the_text() -> None:
    got = read_lines(
        "HTTP-Referer: https://myapp.example\nHelicone-Auth: Bearer sk-helicone-abc\n\n# a note\nX-Title:\n"
        "not a header\nAuthorization: Bearer x\nX-Bad: caf\u00e9\nX-Other-Token: Bearer $OTHER",
        reserved=frozenset({"authorization"}),
    )
    assert got.headers == [("HTTP-Referer", "https://myapp.example")]
    assert got.secrets == [
        SecretHeader("Helicone-Auth", "HELICONE_AUTH", "Bearer ", Secret("sk-helicone-abc")),
        SecretHeader("X-Other-Token", "OTHER", "Bearer "),  # a placeholder: no value to send yet
    ]
    assert got.removed == ["X-Title"]
    assert got.problems == [
        "Line 6 is not `Name: value`; it was left out.",
        "Authorization is set by the app (the API key field holds the key); it was left out.",
        "X-Bad's value has characters a header cannot carry; it was left out.",
    ]
