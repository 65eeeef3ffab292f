"""Error sentences: what a person reads when something fails, never a traceback, a path or a key."""

from __future__ import annotations

import json

import httpx
import pytest

from lib import errors
from lib.exchange import retry_after_seconds

# The body the llama.cpp server (llama-cpp-python 0.3.36) really answers to `response_format: json_schema`:
# a pydantic message, then a traceback frame with a path on the machine that runs it.
LLAMA_500 = {
    "error": {
        "message": "1 validation error:\n  {'type': 'literal_error', 'loc': ('body', 'response_format', 'type'), "
        "'msg': \"Input should be 'text' or 'json_object'\", 'input': 'json_schema', "
        "'ctx': {'expected': \"'text' or 'json_object'\"}}\n\n  File "
        '"/work/main/.venv/lib/python3.11/site-packages/llama_cpp/server/app.py", line 376, in '
        "create_chat_completion\n    POST /v1/chat/completions",
        "type": "internal_server_error",
        "param": None,
        "code": None,
    }
}


def test_a_servers_traceback_and_paths_never_reach_the_sentence() -> None:
    error = errors.from_response(500, json.dumps(LLAMA_500).encode(), model="m", base_url="http://127.0.0.1:1/v1")
    text = str(error)
    assert isinstance(error, errors.BadRequest)  # a refused parameter, not "an internal error"
    assert "Input should be 'text' or 'json_object'" in text
    assert "File " not in text and "site-packages" not in text and "/work/" not in text and "line 376" not in text


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        (
            "Traceback (most recent call last):\n  File \"/srv/a.py\", line 3, in f\n    g()\nKeyError: 'x'",
            "KeyError: 'x'",
        ),
        ("could not open /home/ann/models/x.gguf: denied", "could not open …/x.gguf: denied"),
        (r"bad file C:\Users\ann\cfg.yaml here", "bad file …/cfg.yaml here"),
        ("see https://example.com/docs/errors/42 for help", "see https://example.com/docs/errors/42 for help"),
        ("model gpt-4o/mini not found", "model gpt-4o/mini not found"),
    ],
)
def test_server_words(raw: str, kept: str) -> None:
    assert " ".join(errors.server_words(raw).split()) == kept


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"retry-after": "soon"}, None),  # seen from real servers: neither a number nor an HTTP date
        ({"retry-after": ""}, None),
        ({"retry-after": "2"}, 2.0),
        ({"retry-after": "-3"}, 0.0),
        ({"retry-after-ms": "250"}, 0.25),
        ({"retry-after-ms": "later", "retry-after": "1.5"}, 1.5),
        ({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}, 0.0),  # a date in the past: retry now
        ({"retry-after": "Mon, 99 Foo 20xx"}, None),
    ],
)
def test_retry_after_never_raises(headers: dict[str, str], seconds: float | None) -> None:
    assert retry_after_seconds(httpx.Headers(headers)) == seconds


def test_a_listing_that_is_not_found_blames_the_url_and_shows_it() -> None:
    call = errors.Call("http://h:1/wrong", "http://h:1/wrong/models", purpose="models")
    error = errors.from_response(404, b'{"detail": "Not Found"}', model="", base_url=call.base_url, call=call)
    assert isinstance(error, errors.InvalidBaseURL)
    assert str(error).startswith("Nothing was found at http://h:1/wrong/models (404), so the Base URL looks wrong")


def test_a_chat_404_that_names_the_model_blames_the_model() -> None:
    body = b'{"error": {"message": "The model `gpt-9` does not exist", "code": "model_not_found"}}'
    error = errors.from_response(404, body, model="gpt-9", base_url="https://api.openai.com/v1")
    assert isinstance(error, errors.ModelNotFound) and "gpt-9" in str(error)
