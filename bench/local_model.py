"""Tokens/s and TTFT of the embedded llama.cpp server with 1 and 2 threads, on an idle machine and
with one core kept busy by another process (as the browser and the app do during a demo). Prints a table.

Usage: .venv/bin/python bench/local_model.py [--runs 5] [--tokens 64]
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lib.client import ChatClient
from lib.local_model import MODEL_ID, LocalServer
from lib.providers import builtin_providers, with_base_url
from lib.request import ChatRequest, Message
from tests.support.stand_in import free_port

PROMPTS = ["Describe the sea in a few sentences.", "Explain what a compiler does.", "Write a short poem about rain."]


def measure(threads: int, runs: int, tokens: int) -> dict[str, float]:
    server = LocalServer(port=free_port(), threads=threads, log_path=Path(tempfile.mkdtemp()) / "log")
    server.ensure(timeout=120)
    provider = with_base_url(builtin_providers()["local"], server.base_url)
    ttft, rate = [], []
    try:
        with ChatClient() as client:
            for i in range(runs):
                prompt = PROMPTS[i % len(PROMPTS)] + f" ({i})"  # a new prompt each time: no cache hit
                req = ChatRequest(provider, MODEL_ID, [Message("user", prompt)], {"stream": True, "max_tokens": tokens})
                r = client.complete(req)
                if r.metrics.ttft is not None and r.metrics.tokens_per_s:
                    ttft.append(r.metrics.ttft * 1000)
                    rate.append(r.metrics.tokens_per_s)
    finally:
        server.stop()
    return {
        "ttft_p50": statistics.median(ttft),
        "rate_p50": statistics.median(rate),
        "rate_mean": statistics.fmean(rate),
    }


@contextlib.contextmanager
def one_core_busy():  # type: ignore[no-untyped-def]
    """Another program spinning on one core for the duration."""
    hog = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        yield
    finally:
        hog.kill()
        hog.wait()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=6)
    ap.add_argument("--tokens", type=int, default=64)
    args = ap.parse_args()
    rows = {("idle", t): measure(t, args.runs, args.tokens) for t in (1, 2)}
    with one_core_busy():
        rows |= {("one core busy", t): measure(t, args.runs, args.tokens) for t in (1, 2)}
    print(f"Local model (SmolLM2-135M Q4_1, llama.cpp), {args.runs} streamed answers of up to {args.tokens} tokens")
    print("| machine | threads | TTFT p50 (ms) | tokens/s p50 | tokens/s mean |")
    print("|---|---:|---:|---:|---:|")
    for (load, t), r in rows.items():
        print(f"| {load} | {t} | {r['ttft_p50']:.0f} | {r['rate_p50']:.1f} | {r['rate_mean']:.1f} |")
    print("\nThe app uses WORKBENCH_LOCAL_THREADS, default one less than the cores (at least 1).")


if __name__ == "__main__":
    main()
