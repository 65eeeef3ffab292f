"""Batch: the runner's throughput, its memory on a large data set, and the Playground's first token while
a batch runs. The stand-ins run in their own processes (as a provider would), the runner in this one on
its background loop (as in the app's server process), the store a SQLite file in a temporary folder.

1. Throughput: 2,000 rows at concurrency 16 against a stand-in answering after a fixed 200 ms. Target:
   at least 0.9 x 16 / 0.2 s = 72 rows/s.
2. Memory: a 100,000-row data set stored and run (stand-in without latency, concurrency 32); the
   process's resident memory sampled throughout. Target: growth under 100 MB.
3. Playground TTFT: the blocking client's first token from an idle stand-in, alone and while a batch runs
   (2,000 rows, concurrency 16, 200 ms). Target: the median within 100 ms of the idle one.
Usage: .venv/bin/python bench/batch.py [--rows 2000] [--memory-rows 100000]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lib.batch import jobs  # noqa: E402
from lib.batch.runner import ModelRun, Registry, RunOptions  # noqa: E402
from lib.batch.template import Template  # noqa: E402
from lib.client import ChatClient  # noqa: E402
from lib.providers import Provider, builtin_providers, with_base_url  # noqa: E402
from lib.request import ChatRequest, Message  # noqa: E402
from lib.store import Store, open_store  # noqa: E402

STAND_IN = """
import sys, threading
from tests.support.stand_in import Behaviour, StandIn
s = StandIn()
s.default = Behaviour(first_token_delay=float(sys.argv[1]))
s.requests = type("NoLog", (list,), {"append": lambda self, item: None})()  # a bench keeps no recordings
s.start()
print(s.base_url, flush=True)
threading.Event().wait()
"""


def stand_in(latency: float) -> tuple[subprocess.Popen[str], str]:
    # Its log is dropped: cancelling the busy batch leaves it tracebacks for the requests cut short.
    proc = subprocess.Popen([sys.executable, "-c", STAND_IN, str(latency)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)  # fmt: skip
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def make(store: Store, oxen: Provider, rows: int, concurrency: int) -> str:
    def chunks():  # type: ignore[no-untyped-def]
        for start in range(0, rows, 5000):
            yield [{"q": f"row-{i}"} for i in range(start, min(rows, start + 5000))]

    runs = [ModelRun(oxen, "bench-model", {}, concurrency, "bench-key")]
    return jobs.new_batch(store, "local", "bench", chunks(), ["q"], Template("Question {{q}}"), {"q": "q"}, runs,
                          RunOptions())  # fmt: skip


def run(store: Store, batch_id: str, oxen: Provider) -> tuple[float, int]:
    record = store.get_batch("local", batch_id)
    r = Registry().start(jobs.run_for(store, record, ["bench-key"], providers={"oxen": oxen}))
    began = time.perf_counter()
    r.finished.wait()
    assert r.status == "done", r.error
    return time.perf_counter() - began, r.written


def ttft(url: str, n: int) -> list[float]:
    provider = with_base_url(builtin_providers()["oxen"], url)
    out = []
    with ChatClient() as client:
        for i in range(n):
            request = ChatRequest(provider, "bench-model", [Message("user", f"hello {i}")], {"stream": True})
            result = client.complete(request, "bench-key")
            assert result.error is None, result.error
            out.append((result.metrics.ttft or 0) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--memory-rows", type=int, default=100_000)
    args = parser.parse_args()
    slow, slow_url = stand_in(0.2)
    fast, fast_url = stand_in(0.0)
    lines: list[tuple[str, str, str, str]] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            store = open_store(f"sqlite:///{tmp}/bench.db")
            slow_oxen = with_base_url(builtin_providers()["oxen"], slow_url)
            fast_oxen = with_base_url(builtin_providers()["oxen"], fast_url)

            seconds, written = run(store, make(store, slow_oxen, args.rows, 16), slow_oxen)
            rate = written / seconds
            lines.append(("Throughput, 200 ms, concurrency 16", f"{rate:.1f} rows/s", ">= 72 rows/s",
                          "met" if rate >= 72 else "missed"))  # fmt: skip

            ttft(fast_url, 5)  # warm up
            idle = statistics.median(ttft(fast_url, 30))
            batch_id = make(store, slow_oxen, args.rows, 16)
            record = store.get_batch("local", batch_id)
            busy_run = Registry().start(jobs.run_for(store, record, ["bench-key"], providers={"oxen": slow_oxen}))
            while busy_run.written < 50:
                time.sleep(0.05)
            busy = statistics.median(ttft(fast_url, 30))
            busy_run.cancel()
            busy_run.finished.wait()
            lines.append(("Playground TTFT, idle", f"{idle:.1f} ms", "", ""))
            lines.append(("Playground TTFT, batch running", f"{busy:.1f} ms", "within 100 ms of idle",
                          "met" if busy - idle <= 100 else "missed"))  # fmt: skip

            base = rss_mb()
            peak = [base]
            stop = threading.Event()

            def sample() -> None:
                while not stop.wait(0.2):
                    peak[0] = max(peak[0], rss_mb())

            watcher = threading.Thread(target=sample, daemon=True)
            watcher.start()
            began = time.perf_counter()
            batch_id = make(store, fast_oxen, args.memory_rows, 32)
            stored = time.perf_counter() - began
            seconds, written = run(store, batch_id, fast_oxen)
            stop.set()
            watcher.join()
            growth = peak[0] - base
            lines.append((f"Memory growth, {args.memory_rows:,} rows", f"{growth:.0f} MB", "< 100 MB",
                          "met" if growth < 100 else "missed"))  # fmt: skip
            lines.append((f"  (stored in {stored:.1f} s, ran at {written / seconds:.0f} rows/s, no latency)", "", "",
                          ""))  # fmt: skip
            store.close()
    finally:
        for p in (slow, fast):
            p.terminate()
            p.wait(10)
    width = max(len(a) for a, *_ in lines)
    print(f"{'Measure'.ljust(width)}  {'Result':>14}  {'Target':<22}  Status")
    for name, value, target, status in lines:
        print(f"{name.ljust(width)}  {value:>14}  {target:<22}  {status}")


if __name__ == "__main__":
    main()
