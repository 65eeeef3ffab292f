"""A recording stand-in of an OpenAI/Oxen-style provider, on loopback, for tests and benchmarks.

It records every request (method, path, query, headers, raw body) and can be told, per request, to
fail in each way real servers fail. Run it with `StandIn.start()`; `base_url` ends in `/api/ai`.
"""

from __future__ import annotations

import asyncio
import functools
import json
import random
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.support.catalog import MODELS


@dataclass
class Recorded:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    at: float = 0.0  # time.monotonic() when it arrived

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Behaviour:
    """How to answer one chat request. Defaults: echo the last user message, streamed or not."""

    status: int = 200
    error_body: bytes | None = None  # raw body for an error status (JSON or HTML)
    headers: dict[str, str] = field(default_factory=dict)
    tokens: list[str] | None = None  # content tokens; default: an echo of the last user message
    reasoning: list[str] | None = None  # reasoning tokens sent first (`delta.reasoning_content`)
    reasoning_field: str = "reasoning_content"
    first_token_delay: float = 0.0  # seconds before the first event
    token_interval: float = 0.0  # seconds between tokens (a set token rate)
    cut_after: int | None = None  # drop the connection after this many tokens
    malformed_after: int | None = None  # send a non-JSON event after this many tokens
    error_event_after: int | None = None  # send `data: {"error": ...}` after this many tokens
    error_event_named: bool = False  # send it as `event: error` instead
    done: bool = True  # send `data: [DONE]`
    finish: bool = True  # send a finish_reason
    finish_reason: str = "stop"
    usage: bool = True  # send usage (streaming: when stream_options.include_usage asks)
    pings: int = 0  # `: ping` comments to send (after the first token), one per token_interval
    raw_chunks: list[bytes] | None = None  # send exactly these bytes as the body (a recorded stream)
    raw_content_type: str = "text/event-stream"
    stall_before_headers: float = 0.0
    tool_calls: list[dict[str, Any]] | None = None  # streamed as deltas split in pieces
    arg_fragments: int = 2  # how many deltas each call's arguments are split into
    logprobs: bool = True  # answer `logprobs: true` with them (False: a server that ignores it)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class StandIn:
    def __init__(self, prefix: str = "/api/ai"):
        self.prefix = prefix
        self.requests: list[Recorded] = []
        self.queue: deque[Behaviour] = deque()
        self.default = Behaviour()
        self.models_status: int | None = None  # make /models fail with this status
        self.last_token_at: list[float] = []  # wall-clock time each stream's last content token was sent
        self.first_token_at: dict[str, float] = {}  # model -> when its latest stream's first content token was sent
        self.list_without_schemas = False  # list models as some providers do: no schema keys at all
        self.listing_drops: tuple[str, ...] = ()  # more keys the listing leaves out (the model object has them)
        # A 429 storm (Batch's tests): this share of chat requests answered 429 with this Retry-After,
        # drawn from a seeded generator; the monotonic time of each 429 sent is kept.
        self.storm: tuple[float, str] | None = None
        self.storm_rng = random.Random(14)
        self.answered_429: list[float] = []
        self.server: uvicorn.Server | None = None
        self.port = 0
        self.app = Starlette(routes=[Route("/{path:path}", self._route, methods=["GET", "POST"])])

    # -- control ---------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.prefix}"

    def then(self, *behaviours: Behaviour) -> StandIn:
        """Answer the next chat requests with these behaviours, in order."""
        self.queue.extend(behaviours)
        return self

    def reset(self) -> None:
        self.list_without_schemas = False
        self.listing_drops = ()
        self.requests.clear()
        self.queue.clear()
        self.default = Behaviour()
        self.models_status = None
        self.storm = None
        self.answered_429.clear()

    def chat_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    def start(self) -> StandIn:
        self.port = free_port()
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        thread = threading.Thread(target=self.server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("stand-in server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self.server:
            self.server.should_exit = True

    # -- routes ----------------------------------------------------------------------------
    async def _route(self, request: Request) -> Response:
        body = await request.body()
        path = "/" + request.path_params["path"]
        self.requests.append(
            Recorded(request.method, path, request.url.query, dict(request.headers), body, time.monotonic())
        )
        if not path.startswith(self.prefix):
            return JSONResponse({"error": {"message": f"Unknown path {path}"}}, status_code=404)
        sub = path[len(self.prefix) :]
        if sub == "/chat/completions" and request.method == "POST":
            return await self._chat(request, body)
        if sub.startswith("/models"):
            return self._models(sub, request)
        return JSONResponse({"error": {"message": f"Unknown path {path}"}}, status_code=404)

    def _auth_error(self, request: Request) -> Response | None:
        auth = request.headers.get("authorization", "")
        if auth == "Bearer wrong-key":
            return JSONResponse({"error": {"message": "unauthenticated"}}, status_code=401)
        return None

    def _models(self, sub: str, request: Request) -> Response:
        if self.models_status:
            return JSONResponse({"error": {"message": "models listing failed"}}, status_code=self.models_status)
        denied = self._auth_error(request)
        if denied:
            return denied
        if sub in ("/models", "/models/"):
            data = MODELS
            if self.list_without_schemas or self.listing_drops:
                schemas = ("json_request_schema", "request_schema") if self.list_without_schemas else ()
                drop = self.listing_drops + schemas
                data = [{k: v for k, v in m.items() if k not in drop} for m in MODELS]
            dev = request.query_params.get("developer_name")
            if dev:
                data = [m for m in data if (m.get("developer") or {}).get("name") == dev]
            return JSONResponse({"object": "list", "data": data})
        if sub == "/models/search":
            q = request.query_params.get("search", "").lower()
            hits = [m for m in MODELS if q in m["id"].lower() or q in (m.get("display_name") or "").lower()]
            return JSONResponse({"object": "list", "data": hits})
        model_id = sub.removeprefix("/models/")
        for m in MODELS:
            if m["id"] == model_id:
                return JSONResponse(m)
        return JSONResponse({"error": {"message": f"Model not found: {model_id}"}}, status_code=404)

    async def _chat(self, request: Request, raw: bytes) -> Response:
        b = self.queue.popleft() if self.queue else self.default
        if self.storm is not None and self.storm_rng.random() < self.storm[0]:
            # The request just recorded (no await since): its arrival time names it.
            self.answered_429.append(self.requests[-1].at)
            b = Behaviour(status=429, headers={"Retry-After": self.storm[1]})
        if b.stall_before_headers:
            await asyncio.sleep(b.stall_before_headers)
        denied = self._auth_error(request)
        if denied:
            return denied
        if b.status >= 400:
            body = (
                b.error_body
                if b.error_body is not None
                else json.dumps({"error": {"message": f"stand-in error {b.status}", "type": "server_error"}}).encode()
            )
            ctype = "application/json" if body[:1] in (b"{", b"[") else "text/html"
            return Response(body, status_code=b.status, headers=b.headers, media_type=ctype)
        try:
            req = json.loads(raw)
        except ValueError:
            return JSONResponse({"error": {"message": "body is not JSON"}}, status_code=400)
        model = req.get("model", "")
        if model == "missing-model":
            return JSONResponse({"error": {"message": f"Model not found: {model}"}}, status_code=404)
        tokens = b.tokens if b.tokens is not None else _echo_tokens(req)
        if req.get("max_tokens") and b.tokens is None and len(tokens) > req["max_tokens"]:
            tokens = tokens[: req["max_tokens"]]
            b = Behaviour(**{**b.__dict__, "finish_reason": "length"})
        if b.raw_chunks is not None:
            return StreamingResponse(_raw(b.raw_chunks), media_type=b.raw_content_type, headers=b.headers)
        if not req.get("stream"):
            if b.first_token_delay:
                await asyncio.sleep(b.first_token_delay)
            return JSONResponse(_completion(model, tokens, b, req), headers=b.headers)
        include_usage = bool((req.get("stream_options") or {}).get("include_usage"))
        first = functools.partial(self.first_token_at.__setitem__, model)
        return StreamingResponse(
            _stream(model, tokens, b, include_usage, self.last_token_at.append, req, first),
            media_type="text/event-stream",
            headers=b.headers,
        )


def _echo_tokens(req: dict[str, Any]) -> list[str]:
    sent = req.get("messages") or [{}]
    results: list[str] = []
    for m in reversed(sent):  # a turn that ends with tool results: the answer says what they were
        if m.get("role") != "tool":
            break
        results.insert(0, f"{m.get('tool_call_id')}={m.get('content')}")
    if results:
        return [w if i == 0 else " " + w for i, w in enumerate(f"Tool results: {' '.join(results)}".split(" "))]
    users = [m for m in req.get("messages", []) if m.get("role") == "user"]
    text = users[-1]["content"] if users else ""
    if isinstance(text, list):
        text = " ".join(p.get("text", "") for p in text if isinstance(p, dict))
    words = f"You said: {text}".split(" ")
    return [w if i == 0 else " " + w for i, w in enumerate(words)]


def _token_logprobs(i: int, token: str, top: int) -> dict[str, Any]:
    """Made-up but stable probabilities, scripted by the request's `logprobs`/`top_logprobs`: the
    token's own is the most likely of its alternatives, which are spelled after it."""
    own = -0.1 * (i % 5)
    alternatives = [(token, own)] + [(f"{token.strip() or '_'}#{k}", own - 0.7 * k) for k in range(1, top)]
    return {
        "token": token,
        "logprob": own,
        "bytes": list(token.encode()),
        "top_logprobs": [{"token": t, "logprob": lp, "bytes": list(t.encode())} for t, lp in alternatives[:top]],
    }


def _logprobs(
    req: dict[str, Any], tokens: list[str], start: int = 0, b: Behaviour | None = None
) -> dict[str, Any] | None:
    if not req.get("logprobs") or (b is not None and not b.logprobs):
        return None
    top = int(req.get("top_logprobs") or 0)
    return {"content": [_token_logprobs(start + i, t, top) for i, t in enumerate(tokens)], "refusal": None}


def _completion(model: str, tokens: list[str], b: Behaviour, req: dict[str, Any] | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": "".join(tokens)}
    if b.reasoning:
        message[b.reasoning_field] = "".join(b.reasoning)
    if b.tool_calls:
        message["tool_calls"] = b.tool_calls
    out: dict[str, Any] = {
        "id": "chatcmpl-standin",
        "object": "chat.completion",
        "created": 1700000000,
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": b.finish_reason if b.finish else None}],
    }
    logprobs = _logprobs(req or {}, tokens, 0, b)
    if logprobs is not None:
        out["choices"][0]["logprobs"] = logprobs
    if b.usage:
        out["usage"] = {
            "prompt_tokens": 11,
            "completion_tokens": len(tokens),
            "total_tokens": 11 + len(tokens),
        }
    return out


def _chunk(
    model: str, delta: dict[str, Any], finish: str | None = None, logprobs: dict[str, Any] | None = None
) -> bytes:
    obj: dict[str, Any] = {
        "id": "chatcmpl-standin",
        "object": "chat.completion.chunk",
        "created": 1700000000,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    if logprobs is not None:
        obj["choices"][0]["logprobs"] = logprobs
    return b"data: " + json.dumps(obj).encode() + b"\n\n"


async def _raw(chunks: list[bytes]):  # type: ignore[no-untyped-def]
    for c in chunks:
        yield c
        await asyncio.sleep(0.005)  # separate TCP writes, so the client sees real chunk splits


class _Cut(Exception):
    pass


async def _stream(model: str, tokens: list[str], b: Behaviour, include_usage: bool, mark=None, req=None, first=None):  # type: ignore[no-untyped-def]
    if b.first_token_delay:
        await asyncio.sleep(b.first_token_delay)
    yield _chunk(model, {"role": "assistant", "content": ""})
    for r in b.reasoning or ():
        yield _chunk(model, {b.reasoning_field: r})
        if b.token_interval:
            await asyncio.sleep(b.token_interval)
    for i, call in enumerate(b.tool_calls or ()):
        fn = call["function"]
        args = fn["arguments"]
        n = max(1, b.arg_fragments)
        cuts = [len(args) * k // n for k in range(n + 1)]
        pieces = [args[cuts[k] : cuts[k + 1]] for k in range(n)]
        yield _chunk(
            model,
            {
                "tool_calls": [
                    {
                        "index": i,
                        "id": call["id"],
                        "type": "function",
                        "function": {"name": fn["name"], "arguments": pieces[0]},
                    }
                ]
            },
        )
        for piece in pieces[1:]:
            yield _chunk(model, {"tool_calls": [{"index": i, "function": {"arguments": piece}}]})
            if b.token_interval:
                await asyncio.sleep(b.token_interval)
    for sent, t in enumerate(tokens):
        if b.cut_after is not None and sent >= b.cut_after:
            raise _Cut("connection cut by the stand-in")
        if b.malformed_after is not None and sent >= b.malformed_after:
            yield b"data: {not json\n\n"
            return
        if b.error_event_after is not None and sent >= b.error_event_after:
            if b.error_event_named:
                yield b'event: error\ndata: {"message": "upstream overloaded"}\n\n'
            else:
                yield b'data: {"error": {"message": "upstream overloaded", "type": "server_error"}}\n\n'
            return
        yield _chunk(model, {"content": t}, logprobs=_logprobs(req or {}, [t], sent, b))
        if sent == 0 and first is not None:
            first(time.time())  # bench/compare.py: the first token left (the yield returns once it is sent)
        if b.token_interval:
            await asyncio.sleep(b.token_interval)
        if sent == 0:
            for _ in range(b.pings):
                yield b": ping\n\n"
                await asyncio.sleep(b.token_interval or 0.01)
    if mark is not None:
        mark(time.time())  # for bench/ui_stream.py: when the server's last token left
    if b.finish:
        yield _chunk(model, {}, b.finish_reason if not b.tool_calls else "tool_calls")
    if include_usage and b.usage:
        usage = {"prompt_tokens": 11, "completion_tokens": len(tokens), "total_tokens": 11 + len(tokens)}
        obj = {
            "id": "chatcmpl-standin",
            "object": "chat.completion.chunk",
            "created": 1700000000,
            "model": model,
            "choices": [],
            "usage": usage,
        }
        yield b"data: " + json.dumps(obj).encode() + b"\n\n"
    if b.done:
        yield b"data: [DONE]\n\n"


if __name__ == "__main__":  # a stand-in in its own process, for benchmarks: prints its base URL
    server = StandIn().start()
    print(server.base_url, flush=True)
    threading.Event().wait()
