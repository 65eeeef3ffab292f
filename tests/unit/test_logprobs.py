"""Token probabilities: read from a recorded OpenAI stream, sent and drawn against the stand-in, and
from the real embedded llama.cpp server (which returns them for /v1/chat/completions)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from lib import logprobs
from lib.client import ChatClient
from lib.providers import Provider
from lib.request import ChatRequest, Message
from lib.sse import iter_sse_text
from lib.stream_state import StreamState
from tests.support.stand_in import StandIn

RECORDED = Path(__file__).resolve().parents[1] / "support" / "recorded" / "openai-text-logprobs.sse"


def test_recorded_openai_stream_keeps_each_tokens_probability() -> None:
    state = StreamState(0.0, None)
    for sse in iter_sse_text([RECORDED.read_text()]):
        state.on_sse(sse)
    toks = logprobs.tokens(state.result.logprobs)
    assert [t.text for t in toks] == ["Foo", "."] and state.result.text == "Foo."
    assert toks[0].prob == pytest.approx(math.exp(-0.0067602484))
    assert logprobs.percent(toks[1].prob) == "8.2%"


@pytest.mark.parametrize("stream", [True, False], ids=["stream", "whole"])
def test_stand_in_logprobs_sent_and_read(stream: bool, stand_in: StandIn, oxen: Provider) -> None:
    params: dict[str, Any] = {"stream": stream, "logprobs": True, "top_logprobs": 3}
    request = ChatRequest(oxen, "gpt-oss-120b", [Message("user", "two words")], params)
    with ChatClient() as client:
        result = client.complete(request, "sk-test")
    [sent] = stand_in.chat_requests()
    body = sent.json()
    assert (body["logprobs"], body["top_logprobs"]) == (True, 3)
    keys = [k for k in body if k in ("stream", "logprobs", "top_logprobs")]
    assert keys == ["stream", "logprobs", "top_logprobs"]  # stream: false is sent as set
    toks = logprobs.tokens(result.logprobs)
    assert "".join(t.text for t in toks) == result.text == "You said: two words"
    assert all(len(t.top) == 3 and t.top[0] == (t.text, t.prob) for t in toks)
    assert [round(t.prob, 4) for t in toks[:3]] == [1.0, round(math.exp(-0.1), 4), round(math.exp(-0.2), 4)]


def test_html_escapes_every_token_and_lists_alternatives() -> None:
    toks = [logprobs.Token("<b>", 0.5, [("<b>", 0.5), ('"x"', 0.25)]), logprobs.Token(" ok", 1.0, [])]
    out = logprobs.to_html(toks)
    assert "<b>" not in out.split("</style>", 1)[1].replace('<div class="wb-logprobs">', "")
    assert "&lt;b&gt;" in out and "“&quot;x&quot;” 25.0%" in out and 'data-tip="“␣ok” 100.0%"' in out
    assert "rgba(255, 140, 0, 0.38)" in out and "rgba(255, 140, 0, 0.00)" in out
    assert logprobs.table(toks)[0] == {"Token": "“<b>”", "Probability": "50.0%", "Alternatives": '“"x"” 25.0%'}


def test_tiny_and_missing_probabilities() -> None:
    [t] = logprobs.tokens([{"token": "z", "logprob": -9999.0, "top_logprobs": None}, {"logprob": -1}])
    assert t.prob == 0.0 and logprobs.percent(1e-5) == "<0.1%"


def test_real_embedded_model_returns_logprobs_for_chat(local_server) -> None:  # type: ignore[no-untyped-def]
    from lib.local_model import MODEL_ID
    from lib.providers import builtin_providers, with_base_url

    local = with_base_url(builtin_providers()["local"], local_server.base_url)
    params = {"max_tokens": 6, "temperature": 0, "stream": True, "logprobs": True, "top_logprobs": 3}
    with ChatClient() as client:
        result = client.complete(ChatRequest(local, MODEL_ID, [Message("user", "Say hi.")], params))
    assert result.error is None, result.error
    toks = logprobs.tokens(result.logprobs)
    assert toks, "the embedded server returned no logprobs"
    assert "".join(t.text for t in toks) == result.text
    assert all(0 < t.prob <= 1 and 1 <= len(t.top) <= 3 for t in toks)
