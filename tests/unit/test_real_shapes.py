"""What real providers send and the stand-in never did: one test per shape the engine once got wrong,
each fed from a recording of a real provider (tests/support/recorded/, source named at each test)
over real HTTP, split into pieces as a network would."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lib import errors
from lib.client import ChatClient, ClientConfig
from lib.events import ChatResult, Done, Event, OtherPart, RefusalDelta, ToolCallDelta, Usage
from lib.providers import Provider
from lib.request import ChatRequest, Message
from tests.support.stand_in import Behaviour, StandIn

RECORDED = Path(__file__).resolve().parent.parent / "support" / "recorded"
FAST = ClientConfig(connect_timeout=2, first_byte_timeout=5, backoff_base=0.01, backoff_cap=0.05)


def replay(stand_in: StandIn, provider: Provider, name: str, stream: bool = True) -> tuple[list[Event], ChatResult]:
    """Serve the recording `name` as the provider's answer and run one request through the engine."""
    body = (RECORDED / name).read_bytes()
    pieces = [body[i : i + 97] for i in range(0, len(body), 97)]  # splits inside lines and UTF-8
    ctype = "text/event-stream" if name.endswith(".sse") else "application/json"
    stand_in.then(Behaviour(raw_chunks=pieces, raw_content_type=ctype))
    request = ChatRequest(provider, "m", [Message("user", "Hi")], {"stream": stream})
    with ChatClient(FAST) as client:
        events = list(client.stream(request, "sk-test"))
    last = events[-1]
    assert isinstance(last, Done)
    return events, last.result


def test_retry_after_that_is_neither_a_number_nor_a_date_retries_with_backoff(
    stand_in: StandIn, oxen: Provider
) -> None:
    # Seen from real servers under load (the report): `Retry-After: soon` once raised
    # ValueError out of ChatStream, whose contract is never to raise.
    stand_in.then(Behaviour(status=503, headers={"retry-after": "soon"}), Behaviour())
    request = ChatRequest(oxen, "m", [Message("user", "Hi")], {"stream": True})
    with ChatClient(FAST) as client:
        result = client.complete(request, "sk-test")
    assert result.status == "complete" and result.text == "You said: Hi"
    assert len(stand_in.chat_requests()) == 2
    stand_in.reset()
    stand_in.then(*[Behaviour(status=503, headers={"retry-after": "soon"})] * 3)
    with ChatClient(FAST) as client:
        result = client.complete(request, "sk-test")
    assert isinstance(result.error, errors.ServerError) and "try again in a moment" in str(result.error)


def test_streamed_refusal_is_the_answer_marked_as_a_refusal(stand_in: StandIn, oxen: Provider) -> None:
    # openai/openai-python tests/lib/chat/test_completions_streaming.py, test_parse_pydantic_model_refusal
    events, result = replay(stand_in, oxen, "openai-refusal.sse")
    assert result.refusal == "I'm sorry, but I can't assist with that request."
    assert result.text == "" and result.status == "complete" and result.error is None
    assert "".join(e.text for e in events if isinstance(e, RefusalDelta)) == result.refusal


def test_json_refusal_is_kept(stand_in: StandIn, oxen: Provider) -> None:
    # openai/openai-python tests/lib/chat/test_completions.py, test_parse_pydantic_model_refusal
    _, result = replay(stand_in, oxen, "openai-refusal.json", stream=False)
    assert result.refusal == "I'm very sorry, but I can't assist with that." and result.status == "complete"


def test_content_as_typed_parts_is_split_into_answer_and_reasoning(stand_in: StandIn, oxen: Provider) -> None:
    # vercel/ai packages/mistral/src/__fixtures__ (magistral: `content` as thinking and text parts)
    _, result = replay(stand_in, oxen, "mistral-magistral-thinking-parts.sse")
    assert result.text == "2 + 2 = 4"
    assert result.reasoning == "The user is asking for 2+2. This is basic arithmetic. 2+2=4."


def test_thinking_and_text_parts_in_one_delta(stand_in: StandIn, oxen: Provider) -> None:
    # vercel/ai packages/mistral/src/__fixtures__ (issue 13703: both parts in one delta)
    _, result = replay(stand_in, oxen, "mistral-thinking-and-text-in-one-delta.sse")
    assert result.text == "391" and result.reasoning.startswith("Okay, the user is asking for the product")


def test_json_content_parts(stand_in: StandIn, oxen: Provider) -> None:
    # vercel/ai packages/mistral/src/__fixtures__ (non-streamed magistral answer)
    _, result = replay(stand_in, oxen, "mistral-thinking-content-parts.json", stream=False)
    assert result.text == "391" and "17 times 20 is 340" in result.reasoning


def test_an_unknown_content_part_is_named_not_dropped(stand_in: StandIn, oxen: Provider) -> None:
    # The magistral recording above with an image part added after its text part: parts the app
    # cannot show as text are named by type.
    chunk = {"choices": [{"index": 0, "delta": {"content": [
        {"type": "text", "text": "Here is a chart:"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
    ]}, "finish_reason": "stop"}]}  # fmt: skip
    stand_in.then(Behaviour(raw_chunks=[f"data: {json.dumps(chunk)}\n\ndata: [DONE]\n\n".encode()]))
    request = ChatRequest(oxen, "m", [Message("user", "Hi")], {"stream": True})
    with ChatClient(FAST) as client:
        events = list(client.stream(request, "sk-test"))
    result = events[-1].result  # type: ignore[union-attr]
    assert result.text == "Here is a chart:"
    assert [p["type"] for p in result.other_parts] == ["image_url"]
    assert [e.type for e in events if isinstance(e, OtherPart)] == ["image_url"]


def test_tool_call_deltas_whose_first_index_is_not_0_make_one_call(stand_in: StandIn, oxen: Provider) -> None:
    # The openai-python recording of one streamed tool call (test_completions_streaming.py,
    # test_parse_pydantic_tool), with its index shifted to 2, as some OpenAI-compatible servers
    # number calls after earlier content blocks: once an empty call came first.
    body = (RECORDED / "openai-tool-call.sse").read_text().replace('"index":0,"id"', '"index":2,"id"')
    body = body.replace('"tool_calls":[{"index":0,', '"tool_calls":[{"index":2,')
    assert '"index":2' in body
    stand_in.then(Behaviour(raw_chunks=[body.encode()]))
    request = ChatRequest(oxen, "m", [Message("user", "Hi")], {"stream": True})
    with ChatClient(FAST) as client:
        events = list(client.stream(request, "sk-test"))
    result = events[-1].result  # type: ignore[union-attr]
    assert [(c.id, c.name, c.arguments) for c in result.tool_calls] == [
        ("call_5uxEBMFySqqQGu02I5QHA8k6", "get_weather", '{"city":"New York City"}')
    ]
    assert {e.index for e in events if isinstance(e, ToolCallDelta)} == {2}


def test_a_tool_call_continuation_with_an_empty_name_keeps_the_name(stand_in: StandIn, oxen: Provider) -> None:
    # vercel/ai packages/mistral/src/__fixtures__ (a continuation delta that repeats the id with "name": "")
    _, result = replay(stand_in, oxen, "mistral-tool-call-empty-name-continuation.sse")
    assert [(c.name, json.loads(c.arguments)) for c in result.tool_calls] == [
        ("webSearchTool", {"query": "current Berlin weather"})
    ]


def test_parallel_tool_calls_in_index_order(stand_in: StandIn, oxen: Provider) -> None:
    # openai/openai-python tests/lib/chat/test_completions_streaming.py, test_parse_multiple_pydantic_tools
    _, result = replay(stand_in, oxen, "openai-parallel-tool-calls.sse")
    assert [c.name for c in result.tool_calls] == ["GetWeatherArgs", "get_stock_price"]
    assert all(json.loads(c.arguments) for c in result.tool_calls)


def test_usage_only_in_x_groq_is_read(stand_in: StandIn, oxen: Provider) -> None:
    # pydantic/pydantic-ai tests/models/cassettes/test_groq (usage only in `x_groq.usage`)
    _, result = replay(stand_in, oxen, "groq-usage-only-in-x_groq.sse")
    assert result.usage == Usage(244, 15, 259, source="reported")
    assert result.metrics.tokens_per_s is not None


def test_usage_inside_the_choice_is_read(stand_in: StandIn, oxen: Provider) -> None:
    # vercel/ai packages/moonshotai fixture (Kimi puts usage in choices[0].usage)
    _, result = replay(stand_in, oxen, "moonshot-usage-in-choice.sse")
    assert result.usage is not None and (result.usage.prompt_tokens, result.usage.completion_tokens) == (12, 5)
    assert result.usage.source == "reported"


@pytest.mark.parametrize(
    ("text", "at_least"),
    [
        ("The quick brown fox jumps over the lazy dog. " * 20, 180),  # 200 real tokens in OpenAI's tokenizers
        ("def add(a, b):\n    return a + b\n" * 10, 100),
    ],
)
def test_without_usage_the_app_counts_tokens_of_the_text_not_chunks(
    stand_in: StandIn, oxen: Provider, text: str, at_least: int
) -> None:
    # One chunk holding a long text: a count of chunks said 1 token and a rate 100x too low.
    chunk = {"choices": [{"index": 0, "delta": {"content": text}, "finish_reason": "stop"}]}
    stand_in.then(Behaviour(raw_chunks=[f"data: {json.dumps(chunk)}\n\ndata: [DONE]\n\n".encode()]))
    request = ChatRequest(oxen, "m", [Message("user", "Hi")], {"stream": True})
    with ChatClient(FAST) as client:
        result = client.complete(request, "sk-test")
    assert result.usage is not None and result.usage.source == "counted"
    assert at_least <= (result.usage.completion_tokens or 0) <= at_least * 1.4


def test_an_error_object_after_the_finish_keeps_the_usage_it_carries(stand_in: StandIn, oxen: Provider) -> None:
    # pydantic/pydantic-ai tests/models/cassettes/test_openrouter/test_openrouter_stream_error.yaml
    _, result = replay(stand_in, oxen, "openrouter-error-chunk-after-length.sse")
    assert isinstance(result.error, errors.StreamErrorEvent) and "Token limit reached" in str(result.error)
    assert result.reasoning == "We need to respond to a greeting. The user"
    assert result.usage == Usage(43, 10, 53, source="reported")
