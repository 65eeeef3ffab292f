"""The client against the recording stand-in on loopback: streaming, metrics, errors, retries."""

from __future__ import annotations

import asyncio
import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from lib import errors
from lib.client import AsyncChatClient, ChatClient, ClientConfig
from lib.events import Done, Finish, Pricing, ReasoningDelta, TextDelta, ToolCallDelta, Usage
from lib.providers import Provider, builtin_providers, with_base_url
from lib.request import ChatRequest, Message
from tests.support.stand_in import Behaviour, StandIn, free_port

FAST = ClientConfig(connect_timeout=2, first_byte_timeout=2, stall_timeout=2, backoff_base=0.01, backoff_cap=0.05)
SECRET = "sk-test-SECRET-123"


def ask(provider: Provider, text: str = "Hello there", **params) -> ChatRequest:  # type: ignore[no-untyped-def]
    return ChatRequest(provider, "gpt-oss-120b", [Message("user", text)], params)


def run(provider: Provider, config: ClientConfig = FAST, key: str | None = SECRET, **params):  # type: ignore[no-untyped-def]
    with ChatClient(config) as client:
        events = list(client.stream(ask(provider, **params), key, Pricing(1e-6, 2e-6)))
    assert isinstance(events[-1], Done)
    return events, events[-1].result


def test_streams_text_deltas_and_reports_usage(stand_in: StandIn, oxen: Provider) -> None:
    events, result = run(oxen, stream=True)
    texts = [e.text for e in events if isinstance(e, TextDelta)]
    assert len(texts) >= 4 and "".join(texts) == "You said: Hello there"
    assert result.status == "complete" and result.finish_reason == "stop"
    assert (
        result.usage is not None and result.usage.source == "reported" and result.usage.completion_tokens == len(texts)
    )
    sent = stand_in.chat_requests()[0]
    assert sent.json()["stream_options"] == {"include_usage": True}
    assert sent.headers["authorization"] == f"Bearer {SECRET}"


def test_non_streamed_answer_and_cost(stand_in: StandIn, oxen: Provider) -> None:
    _, result = run(oxen)
    assert result.text == "You said: Hello there" and result.status == "complete"
    assert result.usage.prompt_tokens == 11  # type: ignore[union-attr]
    assert result.metrics.cost == pytest.approx(11 * 1e-6 + result.usage.completion_tokens * 2e-6)  # type: ignore[union-attr]


def test_metrics_follow_the_servers_pace(stand_in: StandIn, oxen: Provider) -> None:
    stand_in.then(Behaviour(first_token_delay=0.3, token_interval=0.05, tokens=["a"] * 6))
    _, result = run(oxen, stream=True)
    m = result.metrics
    assert 0.3 <= m.ttft < 1.0  # type: ignore[operator]
    assert m.latency >= m.ttft + 0.25  # type: ignore[operator]
    assert 5 < m.tokens_per_s < 40  # type: ignore[operator]  # 6 tokens, one per 50 ms


def test_cost_unknown_without_pricing(stand_in: StandIn, oxen: Provider) -> None:
    with ChatClient(FAST) as client:
        result = client.complete(ask(oxen), SECRET, None)
    assert result.metrics.cost is None


@pytest.mark.parametrize("field", ["reasoning_content", "reasoning"])
def test_reasoning_deltas_like_gpt_oss(stand_in: StandIn, oxen: Provider, field: str) -> None:
    stand_in.then(Behaviour(reasoning=["Let me ", "think."], reasoning_field=field))
    events, result = run(oxen, stream=True)
    assert [e.text for e in events if isinstance(e, ReasoningDelta)] == ["Let me ", "think."]
    assert result.reasoning == "Let me think." and result.text.startswith("You said")
    first = next(i for i, e in enumerate(events) if isinstance(e, ReasoningDelta | TextDelta))
    assert isinstance(events[first], ReasoningDelta)  # TTFT counts the first reasoning byte


def test_tool_call_deltas_merge_by_index(stand_in: StandIn, oxen: Provider) -> None:
    calls = [
        {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'}},
        {"id": "call_2", "type": "function", "function": {"name": "get_time", "arguments": '{"tz": "UTC"}'}},
    ]
    stand_in.then(Behaviour(tool_calls=calls, tokens=[]))
    events, result = run(oxen, stream=True)
    assert sum(isinstance(e, ToolCallDelta) for e in events) == 4
    assert [(c.id, c.name, json.loads(c.arguments)) for c in result.tool_calls] == [
        ("call_1", "get_weather", {"city": "Oslo"}),
        ("call_2", "get_time", {"tz": "UTC"}),
    ]
    assert result.finish_reason == "tool_calls"


def test_counted_usage_when_server_reports_none(stand_in: StandIn, oxen: Provider) -> None:
    # Two chunks of six words: the count is of the text's tokens, not of the chunks.
    stand_in.then(Behaviour(usage=False, tokens=["one two three", " four five six"]))
    _, result = run(oxen, stream=True)
    # Prompt: "Hello there" is 2 tokens, plus 4 framing the message and 3 priming the reply (as
    # OpenAI's cookbook counts chat messages).
    assert result.usage == Usage(9, 6, 15, source="counted")
    assert result.metrics.cost == pytest.approx(9 * 1e-6 + 6 * 2e-6)


def test_finish_reason_length(stand_in: StandIn, oxen: Provider) -> None:
    events, result = run(oxen, stream=True, max_tokens=2)
    assert result.finish_reason == "length" and Finish("length") in events


# -- completeness, cuts and in-stream errors -------------------------------------------------------
def test_clean_close_without_done_or_finish_is_incomplete(stand_in: StandIn, oxen: Provider) -> None:
    stand_in.then(Behaviour(done=False, finish=False))
    _, result = run(oxen, stream=True)
    assert result.status == "incomplete" and isinstance(result.error, errors.StreamCut)
    assert result.text == "You said: Hello there"


def test_done_without_finish_reason_is_complete(stand_in: StandIn, oxen: Provider) -> None:
    stand_in.then(Behaviour(finish=False))
    assert run(oxen, stream=True)[1].status == "complete"


def test_cut_stream_keeps_partial_answer(stand_in: StandIn, oxen: Provider) -> None:
    stand_in.then(Behaviour(cut_after=2))
    _, result = run(oxen, stream=True)
    assert isinstance(result.error, errors.StreamCut) and result.status == "incomplete"
    assert result.text == "You said:"
    assert "dropped" in str(result.error)


@pytest.mark.parametrize("named", [False, True])
def test_error_inside_stream_surfaces_server_message(stand_in: StandIn, oxen: Provider, named: bool) -> None:
    stand_in.then(Behaviour(error_event_after=2, error_event_named=named))
    _, result = run(oxen, stream=True)
    assert isinstance(result.error, errors.StreamErrorEvent)
    assert "upstream overloaded" in str(result.error) and result.text == "You said:"


def test_malformed_event(stand_in: StandIn, oxen: Provider) -> None:
    stand_in.then(Behaviour(malformed_after=1))
    _, result = run(oxen, stream=True)
    assert isinstance(result.error, errors.MalformedEvent) and result.text == "You"


def test_stall_watchdog_ignores_pings(stand_in: StandIn, oxen: Provider) -> None:
    stand_in.then(Behaviour(pings=40, token_interval=0.05))
    config = ClientConfig(stall_timeout=0.5, first_byte_timeout=5, max_retries=0)
    _, result = run(oxen, config, stream=True)
    assert isinstance(result.error, errors.StreamStalled) and result.text == "You"


def test_silent_stream_times_out(stand_in: StandIn, oxen: Provider) -> None:
    stand_in.then(Behaviour(token_interval=1.5, tokens=["a", "b"]))
    config = ClientConfig(first_byte_timeout=0.5, stall_timeout=5, max_retries=0)
    _, result = run(oxen, config, stream=True)
    assert isinstance(result.error, errors.StreamStalled) and result.text == "a"


# -- cancellation ----------------------------------------------------------------------------------
def test_cancel_stops_at_once_and_keeps_text(stand_in: StandIn, oxen: Provider) -> None:
    stand_in.then(Behaviour(tokens=[f"t{i} " for i in range(200)], token_interval=0.02))
    with ChatClient(FAST) as client:
        stream = client.stream(ask(oxen, stream=True), SECRET)
        seen = []
        for event in stream:
            if isinstance(event, TextDelta):
                seen.append(event.text)
                if len(seen) == 3:
                    threading.Thread(target=stream.cancel).start()
            if isinstance(event, Done):
                result = event.result
    assert result.status == "stopped" and result.error is None
    assert result.text.startswith("t0 t1 t2") and len(seen) < 20


# -- HTTP errors ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("status", "body", "cls", "words"),
    [
        (401, b'{"error": {"message": "unauthenticated"}}', errors.AuthenticationFailed, "API key"),
        (403, b'{"error": {"message": "no access"}}', errors.PermissionDenied, "not allowed"),
        (404, b'{"error": {"message": "Model not found: gpt-oss-120b"}}', errors.ModelNotFound, "Model not found"),
        (400, b'{"error": {"message": "temperature must be <= 2"}}', errors.BadRequest, "temperature must be"),
        (422, b'{"detail": [{"loc": ["body", "top_p"], "msg": "bad"}]}', errors.BadRequest, "top_p"),
        (
            500,
            b'{"error": {"message": "json_schema response format is not supported"}}',
            errors.BadRequest,
            "not supported",
        ),
        (
            400,
            b'{"error": {"message": "This model\'s maximum context length is 8192 tokens", '
            b'"code": "context_length_exceeded"}}',
            errors.ContextLengthExceeded,
            "context window",
        ),
        (503, b'{"error": {"message": "overloaded"}}', errors.ServerError, "internal error"),
        (502, b"<html><body><h1>502 Bad Gateway</h1></body></html>", errors.UnexpectedErrorPage, "proxy"),
        (429, b'{"error": {"message": "slow down"}}', errors.RateLimited, "rate-limiting"),
    ],
)
def test_http_errors_become_one_sentence(stand_in: StandIn, oxen: Provider, status, body, cls, words) -> None:  # type: ignore[no-untyped-def]
    stand_in.then(*[Behaviour(status=status, error_body=body)] * 3)
    _, result = run(oxen, ClientConfig(backoff_base=0.01, backoff_cap=0.02), stream=True)
    assert type(result.error) is cls and result.status == "error"
    assert words in str(result.error)
    assert SECRET not in str(result.error) and SECRET not in repr(result.error)


def test_wrong_key_is_401(stand_in: StandIn, oxen: Provider) -> None:
    _, result = run(oxen, key="wrong-key")
    assert isinstance(result.error, errors.AuthenticationFailed) and len(stand_in.chat_requests()) == 1


def test_no_retry_on_bad_request(stand_in: StandIn, oxen: Provider) -> None:
    stand_in.then(Behaviour(status=400), Behaviour())
    run(oxen)
    assert len(stand_in.chat_requests()) == 1


@pytest.mark.parametrize("status", [408, 409, 429, 500, 503])
def test_retries_then_succeeds(stand_in: StandIn, oxen: Provider, status: int) -> None:
    stand_in.then(Behaviour(status=status), Behaviour(status=status))
    _, result = run(oxen, stream=True)
    assert result.status == "complete" and len(stand_in.chat_requests()) == 3


def test_at_most_two_retries(stand_in: StandIn, oxen: Provider) -> None:
    stand_in.then(*[Behaviour(status=500)] * 5)
    _, result = run(oxen)
    assert isinstance(result.error, errors.ServerError) and len(stand_in.chat_requests()) == 3


@pytest.mark.parametrize("header", [{"retry-after-ms": "300"}, {"retry-after": "0.3"}])
def test_retry_after_is_honoured(stand_in: StandIn, oxen: Provider, header: dict[str, str]) -> None:
    stand_in.then(Behaviour(status=429, headers=header))
    _, result = run(oxen)
    assert result.status == "complete" and len(stand_in.chat_requests()) == 2
    assert result.metrics.latency is not None
    # The wait happened before the successful attempt, whose clock starts after it.
    assert result.metrics.latency < 0.3


def test_retry_after_over_limit_fails_at_once(stand_in: StandIn, oxen: Provider) -> None:
    stand_in.then(Behaviour(status=429, headers={"retry-after": "600"}))
    _, result = run(oxen)
    assert isinstance(result.error, errors.RateLimited) and len(stand_in.chat_requests()) == 1
    assert "600 s" in str(result.error) and result.error.retry_after == 600


def test_no_retry_after_first_byte(stand_in: StandIn, oxen: Provider) -> None:
    stand_in.then(Behaviour(cut_after=1))
    run(oxen, stream=True)
    assert len(stand_in.chat_requests()) == 1


# -- transport errors -------------------------------------------------------------------------------
def test_connection_refused() -> None:
    dead = with_base_url(builtin_providers()["custom"], f"http://127.0.0.1:{free_port()}/v1")
    _, result = run(dead, ClientConfig(max_retries=1, backoff_base=0.01))
    assert type(result.error) is errors.ConnectionRefused and "connection refused" in str(result.error)


def test_local_model_down_offers_start() -> None:
    local = with_base_url(builtin_providers()["local"], f"http://127.0.0.1:{free_port()}/v1")
    _, result = run(local, ClientConfig(max_retries=0))
    assert isinstance(result.error, errors.LocalModelDown) and result.error.action == "start_local"


def test_dns_failure() -> None:
    nowhere = with_base_url(builtin_providers()["custom"], "http://no-such-host.invalid/v1")
    _, result = run(nowhere)
    assert isinstance(result.error, errors.DNSFailure) and "could not be found" in str(result.error)


def test_timeout_before_first_byte(stand_in: StandIn, oxen: Provider) -> None:
    stand_in.then(Behaviour(stall_before_headers=1.0))
    _, result = run(oxen, ClientConfig(first_byte_timeout=0.3, max_retries=0))
    assert isinstance(result.error, errors.FirstByteTimeout) and "did not answer" in str(result.error)


@pytest.mark.parametrize("url", ["ftp://x.org/v1", "hub.oxen.ai/api", "", "http://", "http://a b/v1"])
def test_invalid_base_url(url: str) -> None:
    with pytest.raises(errors.InvalidBaseURL, match="not a valid http"):
        with_base_url(builtin_providers()["custom"], url)


def test_key_never_in_repr_of_stream(stand_in: StandIn, oxen: Provider) -> None:
    with ChatClient(FAST) as client:
        stream = client.stream(ask(oxen), SECRET)
        assert SECRET not in repr(stream)
        result = list(stream)[-1].result  # type: ignore[union-attr]
    assert SECRET not in repr(result)


# -- async twin -------------------------------------------------------------------------------------
def test_async_client_streams_and_maps_errors(stand_in: StandIn, oxen: Provider) -> None:
    not_found = b'{"error": {"message": "Model not found: gpt-oss-120b"}}'
    stand_in.then(Behaviour(reasoning=["hm"]), Behaviour(status=404, error_body=not_found), Behaviour(cut_after=1))

    async def go() -> list:  # type: ignore[type-arg]
        client = AsyncChatClient(FAST)
        out = []
        for _ in range(3):
            events = [e async for e in client.stream(ask(oxen, stream=True), SECRET)]
            out.append(events)
        await client.aclose()
        return out

    # Its own thread: Playwright's sync API may hold an event loop on this one in a full run.
    with ThreadPoolExecutor(1) as pool:
        ok, missing, cut = pool.submit(asyncio.run, go()).result()
    assert ok[-1].result.text == "You said: Hello there" and ok[-1].result.reasoning == "hm"
    assert isinstance(missing[-1].result.error, errors.ModelNotFound)
    assert isinstance(cut[-1].result.error, errors.StreamCut) and cut[-1].result.text == "You"


def test_one_client_sends_no_cookie_a_provider_set(stand_in: StandIn, oxen: Provider) -> None:
    """A session keeps one client for all its requests; a cookie a provider sets (Cloudflare's
    `__cf_bm`, say) is not kept, so the next request is still exactly what its code shows."""
    stand_in.then(Behaviour(headers={"Set-Cookie": "__cf_bm=abc; Path=/; HttpOnly"}))
    request = ChatRequest(oxen, "gpt-x", [Message("user", "hi")], {"stream": True})
    with ChatClient(FAST) as client:
        assert client.complete(request, SECRET).status == "complete"
        assert client.complete(request, SECRET).status == "complete"
    first, second = stand_in.chat_requests()
    assert "cookie" not in first.headers and "cookie" not in second.headers
