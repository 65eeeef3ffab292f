"""Time to first content token: the engine vs a bare httpx loop vs the official openai SDK.

All three stream the same request from the same stand-in server (its own process, loopback),
interleaved round-robin so machine noise hits each alike. Prints p50/p95 in ms and the gap to
bare httpx. Usage: .venv/bin/python bench/client_overhead.py [--requests 300]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from time import perf_counter

import httpx
import openai

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lib.client import AsyncChatClient, ChatClient  # noqa: E402
from lib.events import TextDelta  # noqa: E402
from lib.providers import builtin_providers, with_base_url  # noqa: E402
from lib.request import ChatRequest, Message, to_http  # noqa: E402

KEY = "sk-bench"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=300)
    n = ap.parse_args().requests
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.support.stand_in"], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        base = proc.stdout.readline().strip()  # type: ignore[union-attr]
        run(base, n)
    finally:
        proc.terminate()


def run(base: str, n: int) -> None:
    provider = with_base_url(builtin_providers()["oxen"], base)
    request = ChatRequest(provider, "gpt-oss-120b", [Message("user", "Hello, what can you do?")], {"stream": True})
    wire = to_http(request)
    headers = {**wire.headers, "Authorization": f"Bearer {KEY}"}

    bare = httpx.Client()

    def bare_httpx() -> float:
        t0 = perf_counter()
        t = None
        with bare.stream("POST", wire.url, json=wire.body, headers=headers) as r:
            for line in r.iter_lines():  # read to the end, as the others do, so connections are reused alike
                if t is None and line.startswith("data: ") and line != "data: [DONE]":
                    choices = json.loads(line[6:]).get("choices") or [{}]
                    if (choices[0].get("delta") or {}).get("content"):
                        t = perf_counter() - t0
        return t  # type: ignore[return-value]

    engine_client = ChatClient()
    engine_ttft: list[float] = []

    def engine() -> float:
        t0 = perf_counter()
        t = None
        stream = engine_client.stream(request, KEY)
        for event in stream:
            if t is None and isinstance(event, TextDelta):
                t = perf_counter() - t0
        engine_ttft.append(stream.result.metrics.ttft or 0)
        return t  # type: ignore[return-value]

    # The async driver of the same engine, on one event loop kept for the whole run (as Compare keeps one).
    loop = asyncio.new_event_loop()
    async_client = loop.run_until_complete(_make_async())

    def engine_async() -> float:
        async def first() -> float:
            t0 = perf_counter()
            t = None
            async for event in async_client.stream(request, KEY):
                if t is None and isinstance(event, TextDelta):
                    t = perf_counter() - t0
            return t  # type: ignore[return-value]

        return loop.run_until_complete(first())

    sdk = openai.OpenAI(base_url=base, api_key=KEY, max_retries=0)

    def openai_sdk() -> float:
        t0 = perf_counter()
        t = None
        body = {k: v for k, v in wire.body.items() if k not in ("model", "messages", "stream")}  # type: ignore[union-attr]
        for chunk in sdk.chat.completions.create(
            model=request.model,
            messages=wire.body["messages"],
            stream=True,
            **body,  # type: ignore[index]
        ):
            if t is None and chunk.choices and chunk.choices[0].delta.content:
                t = perf_counter() - t0
        return t  # type: ignore[return-value]

    contenders: dict[str, Callable[[], float]] = {
        "bare httpx": bare_httpx,
        "engine": engine,
        "engine (async driver)": engine_async,
        "openai SDK": openai_sdk,
    }
    times: dict[str, list[float]] = {k: [] for k in contenders}
    for fn in contenders.values():  # warm up connections and imports
        for _ in range(10):
            fn()
    engine_ttft.clear()
    for _ in range(n):
        for name, fn in contenders.items():
            times[name].append(fn() * 1000)

    def pct(xs: list[float], q: float) -> float:
        return statistics.quantiles(xs, n=100)[q - 1]

    ref = {q: pct(times["bare httpx"], q) for q in (50, 95)}
    print(f"Time to first content token, stand-in on loopback, {n} streamed requests each (ms)")
    print("| client | p50 | p95 | p50 vs bare | p95 vs bare |")
    print("|---|---:|---:|---:|---:|")
    for name, xs in times.items():
        p50, p95 = pct(xs, 50), pct(xs, 95)
        print(f"| {name} | {p50:.2f} | {p95:.2f} | {p50 - ref[50]:+.2f} | {p95 - ref[95]:+.2f} |")
    e = [x * 1000 for x in engine_ttft]
    print(f"\nThe engine's own TTFT metric (request sent -> first content): p50 {pct(e, 50):.2f} ms, "
          f"p95 {pct(e, 95):.2f} ms.")  # fmt: skip


async def _make_async() -> AsyncChatClient:
    return AsyncChatClient()


if __name__ == "__main__":
    main()
