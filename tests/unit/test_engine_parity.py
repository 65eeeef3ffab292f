"""One engine, two drivers: every fault of the stand-in and every recorded real-provider response gives
the same events and the same result through the blocking ChatClient and the async AsyncChatClient.

The recordings (tests/support/recorded/, sources in its README and manifest) are also checked against
what each one holds: its text, reasoning, refusal, tool calls, finish reason and usage.
"""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from lib import errors
from lib.client import AsyncChatClient, ChatClient, ClientConfig
from lib.events import ChatResult, Done, Event, Pricing
from lib.providers import Provider, builtin_providers, with_base_url
from lib.request import ChatRequest, Message
from tests.support.stand_in import Behaviour, StandIn, free_port

FAST = ClientConfig(connect_timeout=2, first_byte_timeout=2, stall_timeout=2, backoff_base=0.01, backoff_cap=0.05)
KEY = "sk-parity-test"
RECORDED = Path(__file__).resolve().parent.parent / "support" / "recorded"
NOT_FOUND = b'{"error": {"message": "Model not found: gpt-oss-120b"}}'
CONTEXT = b'{"error": {"message": "maximum context length is 8192 tokens", "code": "context_length_exceeded"}}'
TOOLS = [{"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'}}]

# Every fault class the stand-in can make, each as the behaviours it queues and the config it needs.
FAULTS: dict[str, tuple[list[Behaviour], ClientConfig]] = {
    "streamed": ([Behaviour()], FAST),
    "reasoning": ([Behaviour(reasoning=["Let me ", "think."])], FAST),
    "tool calls": ([Behaviour(tool_calls=TOOLS, tokens=[])], FAST),
    "no usage": ([Behaviour(usage=False)], FAST),
    "length": ([Behaviour(finish_reason="length")], FAST),
    "401": ([Behaviour(status=401, error_body=b'{"error": {"message": "bad key"}}')], FAST),
    "403": ([Behaviour(status=403, error_body=b'{"error": {"message": "no access"}}')], FAST),
    "404 model": ([Behaviour(status=404, error_body=NOT_FOUND)], FAST),
    "404 path": ([Behaviour(status=404, error_body=b"")], FAST),
    "400": ([Behaviour(status=400, error_body=b'{"error": {"message": "temperature must be <= 2"}}')], FAST),
    "context": ([Behaviour(status=400, error_body=CONTEXT)], FAST),
    "429 then ok": ([Behaviour(status=429, headers={"retry-after": "0.05"})], FAST),
    "429 soon": ([Behaviour(status=429, headers={"retry-after": "soon"}), Behaviour()], FAST),
    "429 too long": ([Behaviour(status=429, headers={"retry-after": "600"})], FAST),
    "500 x3": ([Behaviour(status=500)] * 3, FAST),
    "503 date": ([Behaviour(status=503, headers={"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"})], FAST),
    "html 502": ([Behaviour(status=502, error_body=b"<html><h1>502 Bad Gateway</h1></html>")] * 3, FAST),
    "cut": ([Behaviour(cut_after=2)], FAST),
    "malformed": ([Behaviour(malformed_after=1)], FAST),
    "error event": ([Behaviour(error_event_after=2)], FAST),
    "named error event": ([Behaviour(error_event_after=2, error_event_named=True)], FAST),
    "no done, no finish": ([Behaviour(done=False, finish=False)], FAST),
    "done, no finish": ([Behaviour(finish=False)], FAST),
    "pings stall": (
        [Behaviour(pings=30, token_interval=0.05)],
        ClientConfig(stall_timeout=0.4, first_byte_timeout=5, max_retries=0),
    ),
    "silent": (
        [Behaviour(token_interval=1.0, tokens=["a", "b"])],
        ClientConfig(first_byte_timeout=0.4, stall_timeout=5, max_retries=0),
    ),
    "slow headers": ([Behaviour(stall_before_headers=1.0)], ClientConfig(first_byte_timeout=0.3, max_retries=0)),
    "not json": ([Behaviour(raw_chunks=[b"<html>hello</html>"], raw_content_type="text/html")], FAST),
    "crlf": (
        [Behaviour(raw_chunks=[(RECORDED / "openai-text-logprobs.sse").read_bytes().replace(b"\n", b"\r\n")])],
        FAST,
    ),
    "json body": (
        [Behaviour(raw_chunks=[json.dumps({"choices": []}).encode()], raw_content_type="application/json")],
        FAST,
    ),
}


def _request(provider: Provider, stream: bool = True) -> ChatRequest:
    return ChatRequest(provider, "gpt-oss-120b", [Message("user", "Hello there")], {"stream": stream})


def _sync(request: ChatRequest, config: ClientConfig, key: str | None) -> list[Event]:
    with ChatClient(config) as client:
        return list(client.stream(request, key, Pricing(1e-6, 2e-6)))


def _async(request: ChatRequest, config: ClientConfig, key: str | None) -> list[Event]:
    async def go() -> list[Event]:
        async with AsyncChatClient(config) as client:
            return [e async for e in client.stream(request, key, Pricing(1e-6, 2e-6))]

    # Its own thread: Playwright's sync API may hold an event loop on this one in a full run.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, go()).result()


def comparable(events: list[Event]) -> dict[str, Any]:
    """Everything but the clock: the events before Done, and the result with its error as type + sentence."""
    assert events and isinstance(events[-1], Done), "a stream ends in Done"
    result: ChatResult = events[-1].result
    out = asdict(result)
    out.pop("metrics")
    out["error"] = (type(result.error).__name__, str(result.error)) if result.error else None
    out["events"] = [repr(e) for e in events[:-1]]
    out["has_ttft"] = result.metrics.ttft is not None
    out["has_cost"] = result.metrics.cost is not None
    return out


def both(stand_in: StandIn, request: ChatRequest, behaviours: list[Behaviour], config: ClientConfig,
         key: str | None = KEY) -> tuple[dict[str, Any], dict[str, Any], int, int]:  # fmt: skip
    stand_in.reset()
    stand_in.then(*behaviours)
    sync = comparable(_sync(request, config, key))
    sent_sync = len(stand_in.chat_requests())
    stand_in.reset()
    stand_in.then(*behaviours)
    async_ = comparable(_async(request, config, key))
    return sync, async_, sent_sync, len(stand_in.chat_requests())


@pytest.mark.parametrize("stream", [True, False], ids=["stream", "json"])
@pytest.mark.parametrize("fault", list(FAULTS))
def test_every_stand_in_fault_is_the_same_through_both_drivers(
    stand_in: StandIn, oxen: Provider, fault: str, stream: bool
) -> None:
    behaviours, config = FAULTS[fault]
    sync, async_, sent_sync, sent_async = both(stand_in, _request(oxen, stream), behaviours, config)
    assert sync == async_
    assert sent_sync == sent_async >= 1  # the same retries


def test_transport_faults_are_the_same_through_both_drivers(stand_in: StandIn) -> None:
    custom = builtin_providers()["custom"]
    cases = {
        "refused": with_base_url(custom, f"http://127.0.0.1:{free_port()}/v1"),
        "local down": with_base_url(builtin_providers()["local"], f"http://127.0.0.1:{free_port()}/v1"),
        "dns": with_base_url(custom, "http://no-such-host.invalid/v1"),
    }
    kinds = {}
    for name, provider in cases.items():
        sync, async_, _, _ = both(stand_in, _request(provider), [], ClientConfig(max_retries=1, backoff_base=0.01))
        assert sync == async_, name
        kinds[name] = sync["error"][0]
    assert kinds == {"refused": "ConnectionRefused", "local down": "LocalModelDown", "dns": "DNSFailure"}


def test_missing_key_is_the_same_through_both_drivers(stand_in: StandIn, oxen: Provider) -> None:
    sync, async_, sent_sync, sent_async = both(stand_in, _request(oxen), [], FAST, key=None)
    assert sync == async_ and sync["error"][0] == "MissingKey"
    assert sent_sync == sent_async == 0


# -- recorded real-provider responses ---------------------------------------------------------------
def _manifest() -> list[dict[str, Any]]:
    path = RECORDED / "manifest.json"
    return json.loads(path.read_text()) if path.exists() else []


def _pieces(body: bytes) -> list[bytes]:
    """The recording split as a network would: at odd places, inside lines and inside UTF-8."""
    size = max(1, len(body) // 7)
    return [body[i : i + size] for i in range(0, len(body), size)] or [b""]


def _recording_behaviour(entry: dict[str, Any]) -> Behaviour:
    body = (RECORDED / entry["file"]).read_bytes()
    status = int(entry.get("status", 200))
    headers = {k.lower(): v for k, v in (entry.get("headers") or {}).items() if k.lower() != "content-type"}
    if status >= 400:
        return Behaviour(status=status, error_body=body, headers=headers)
    return Behaviour(raw_chunks=_pieces(body), raw_content_type=entry["content_type"], headers=headers)


RECORDINGS = _manifest()


def test_the_corpus_of_recordings_is_there() -> None:
    assert len(RECORDINGS) >= 20
    for entry in RECORDINGS:
        assert (RECORDED / entry["file"]).is_file(), entry["file"]
        assert entry.get("source"), f"{entry['file']} names no source"


@pytest.mark.parametrize("entry", RECORDINGS, ids=[e["file"] for e in RECORDINGS])
def test_recorded_stream_is_read_right_and_the_same_through_both_drivers(
    stand_in: StandIn, oxen: Provider, entry: dict[str, Any]
) -> None:
    behaviour = _recording_behaviour(entry)
    config = ClientConfig(max_retries=0, first_byte_timeout=5)
    sync, async_, _, _ = both(stand_in, _request(oxen), [behaviour], config)
    assert sync == async_
    expect = entry.get("expect") or {}
    if int(entry.get("status", 200)) >= 400:
        assert sync["error"] is not None and sync["status"] == "error"
        assert " ".join(expect["error"].split()) in sync["error"][1]  # the server's own words are shown
        return
    for field in ("text", "reasoning", "refusal", "finish_reason"):
        if field in expect:
            assert sync[field] == (expect[field] or ("" if field != "finish_reason" else None)), field
    if "tool_calls" in expect:
        got = [(c["id"], c["name"], c["arguments"]) for c in sync["tool_calls"]]
        want = [(c.get("id"), c["name"], c["arguments"]) for c in expect["tool_calls"] or []]
        assert got == want
    if expect.get("usage"):
        assert sync["usage"]["source"] == "reported"
        assert sync["usage"]["prompt_tokens"] == expect["usage"]["prompt_tokens"]
        assert sync["usage"]["completion_tokens"] == expect["usage"]["completion_tokens"]
    elif "usage" in expect and sync["usage"] is not None:
        assert sync["usage"]["source"] == "counted"
    if expect.get("other_parts"):
        assert [p.get("type") for p in sync["other_parts"]] == expect["other_parts"]
    if expect.get("error"):  # an error object inside the stream: said, with what arrived kept
        assert sync["status"] == "incomplete" and expect["error"] in sync["error"][1]
    else:
        assert sync["status"] == "complete", sync["error"]


def test_errors_module_is_where_connection_errors_are_made() -> None:
    call = errors.Call("http://x.invalid/v1", "http://x.invalid/v1/models", purpose="models")
    assert isinstance(errors.connect_error(OSError("[Errno -2] Name or service not known"), call), errors.DNSFailure)
