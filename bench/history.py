"""The History page's queries over a big store: 100,000 runs (and as many questions) in 20,000
conversations of one owner, with 2,000 of another's beside them, on SQLite and on PostgreSQL.

Times, through the store's own API, the first page of the conversations list (50 rows and the total)
and searches for words from rare to everywhere; each repeated, median and worst shown. Targets: the
first page under 1 s, a search under 300 ms, judged on the median. The rows are written in bulk (not
through the API, which would take minutes), with the same columns and the same search index.

Usage: .venv/bin/python bench/history.py [--runs 100000] [--backends sqlite,postgresql] [--repeat 7]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lib.store import ConversationQuery, Store, open_store  # noqa: E402
from lib.store.base import new_id  # noqa: E402
from lib.store.tables import conversations, messages  # noqa: E402

OWNER, OTHER = "local", "someone.else@example.com"
RUNS_PER_CONVERSATION = 5  # each after a question: 10 messages a conversation
BATCH = 5_000
FIRST_PAGE_TARGET, SEARCH_TARGET = 1.0, 0.3
RARE = "quetzalcoatl"  # written in a handful of answers
NOBODY = "zyzzyva"  # in no message
SEED = 12


def vocabulary(rng: random.Random) -> list[str]:
    syllables = ["ka", "lo", "mi", "ne", "tu", "ra", "so", "vi", "pe", "da", "gu", "fo", "chi", "ber", "ton"]
    words = {"".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))) for _ in range(6_000)}
    return sorted(words)


def sentence(rng: random.Random, words: list[str], n: int) -> str:
    # Zipf-like: a few words are everywhere (as "the" is), most are rare.
    return " ".join(words[min(int(rng.paretovariate(1.2)) - 1, len(words) - 1)] for _ in range(n)) + "."


def rows(runs: int, rng: random.Random) -> Iterator[tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
    """Conversations and their messages in batches, newest activity spread over a year."""
    words = vocabulary(rng)
    now = datetime.now(UTC)
    total = runs // RUNS_PER_CONVERSATION
    others = total // 10
    rare_left = 8
    made: list[dict[str, Any]] = []
    written: list[dict[str, Any]] = []
    for k in range(total + others):
        owner = OWNER if k < total else OTHER
        started = now - timedelta(minutes=rng.randint(10, 525_600))
        cid = new_id()
        parent = None
        cost = 0.0
        for turn in range(RUNS_PER_CONVERSATION):
            when = started + timedelta(seconds=60 * turn)
            question = {"id": new_id(), "role": "user", "content": sentence(rng, words, rng.randint(6, 25)),
                        "status": "", "parent_id": parent, "created_at": when, "updated_at": when}  # fmt: skip
            answer_text = sentence(rng, words, rng.randint(30, 120))
            if owner == OWNER and rare_left and rng.random() < 0.001:
                answer_text += f" {RARE.capitalize()} was mentioned."
                rare_left -= 1
            run_cost = round(rng.uniform(0, 0.002), 6)
            cost += run_cost
            answer = {"id": new_id(), "role": "assistant", "content": answer_text, "status": "complete",
                      "parent_id": question["id"], "created_at": when, "updated_at": when + timedelta(seconds=3),
                      "provider": "oxen", "model": "gpt-x", "finish_reason": "stop", "cost": run_cost,
                      "ttft": 0.2, "latency": 3.0, "tokens_per_s": 40.0, "prompt_tokens": 50,
                      "completion_tokens": 120, "total_tokens": 170, "usage_source": "reported",
                      "finished_at": when + timedelta(seconds=3),
                      "request": {"method": "POST", "url": "https://hub.oxen.ai/api/ai/chat/completions",
                                  "headers": [["Content-Type", "application/json"]], "key_env": "OXEN_API_KEY",
                                  "body": {"model": "gpt-x", "messages": [
                                      {"role": "user", "content": question["content"]}]}}}  # fmt: skip
            parent = answer["id"]
            for m in (question, answer):
                written.append({**BLANK, **m, "owner": owner, "conversation_id": cid, "page": "playground"})
        title = str(written[-2 * RUNS_PER_CONVERSATION]["content"])[:60]
        made.append({"id": cid, "owner": owner, "title": title, "page": "playground", "provider": "oxen",
                     "model": "gpt-x", "setup": {"provider_id": "oxen", "model": "gpt-x"}, "starred": False,
                     "forked_from": None, "message_count": 2 * RUNS_PER_CONVERSATION, "cost": cost,
                     "status": "complete", "created_at": started, "updated_at": started + timedelta(minutes=5),
                     "deleted_at": None})  # fmt: skip
        if len(written) >= BATCH:
            yield made, written
            made, written = [], []
    if made:
        yield made, written


BLANK: dict[str, Any] = {c.name: None for c in messages.columns if c.name != "seq"}
BLANK.update(reasoning="", refusal="")


def fill(store: Store, runs: int) -> float:
    started = time.perf_counter()
    with store._writer.begin() as conn:
        for made, written in rows(runs, random.Random(SEED)):
            conn.execute(conversations.insert(), made)
            conn.execute(messages.insert(), written)
        if store.dialect == "postgresql":
            conn.exec_driver_sql("ANALYZE")  # what autovacuum does within a minute of a bulk load
    return time.perf_counter() - started


def timed(action: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median and worst seconds over `repeat` calls (the first, cold one included)."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        action()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), max(times)


def bench(backend: str, url: str, runs: int, repeat: int) -> list[tuple[str, ...]]:
    store = open_store(url)
    try:
        load = fill(store, runs)
    finally:
        store.close()
    store = open_store(url)  # as the app finds it when it starts
    try:
        words = vocabulary(random.Random(SEED))  # the words `fill` wrote, most common first
        cases: list[tuple[str, ConversationQuery, float]] = [
            ("first page of the list", ConversationQuery(), FIRST_PAGE_TARGET),
            (f"search a rare word ({RARE})", ConversationQuery(text=RARE), SEARCH_TARGET),
            (f"search a word in 1 message in 200 ({words[100]})", ConversationQuery(text=words[100]), SEARCH_TARGET),
            (f"search a word in 1 message in 20 ({words[30]})", ConversationQuery(text=words[30]), SEARCH_TARGET),
            (f"search a word in 1 message in 5 ({words[10]})", ConversationQuery(text=words[10]), SEARCH_TARGET),
            (f"search a word in most messages ({words[0]})", ConversationQuery(text=words[0]), SEARCH_TARGET),
            (f"search two words ({words[0]} {RARE})", ConversationQuery(text=f"{words[0]} {RARE}"), SEARCH_TARGET),
            (f"search a word nobody wrote ({NOBODY})", ConversationQuery(text=NOBODY), SEARCH_TARGET),
            ("page 100 of the list, by cost", ConversationQuery(sort="cost", offset=4_950), FIRST_PAGE_TARGET),
        ]
        out: list[tuple[str, ...]] = [(backend, "bulk load", f"{load:.1f} s", "", "", "")]
        for name, query, target in cases:
            page = store.list_conversations(OWNER, query)
            median, worst = timed(lambda q=query: store.list_conversations(OWNER, q), repeat)  # type: ignore[misc]
            # Judged on the median: the worst of a few calls on a shared 2-core machine measures the neighbours.
            ok = "yes" if median < target else "NO"
            found = f"{page.total:,}{'' if page.exact else '+'} found"
            out.append((backend, f"{name}: {found}", f"{median * 1000:.1f} ms",
                        f"{worst * 1000:.1f} ms", f"< {target * 1000:.0f} ms", ok))  # fmt: skip
        first = store.list_conversations(OWNER).rows[0]
        median, worst = timed(lambda: store.thread(OWNER, first.id), repeat)
        out.append((backend, "open one conversation (10 messages)", f"{median * 1000:.1f} ms",
                    f"{worst * 1000:.1f} ms", "", ""))  # fmt: skip
        return out
    finally:
        store.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=100_000)
    ap.add_argument("--backends", default="sqlite,postgresql")
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    table: list[tuple[str, ...]] = []
    with tempfile.TemporaryDirectory(prefix="workbench-bench-") as tmp:
        for backend in args.backends.split(","):
            if backend == "sqlite":
                table += bench("SQLite", f"sqlite:///{tmp}/workbench.db", args.runs, args.repeat)
            elif backend == "postgresql":
                from tests.support.postgres import PostgresCluster

                try:
                    cluster = PostgresCluster().start()
                except RuntimeError as exc:
                    print(f"PostgreSQL skipped: {exc}")
                    continue
                try:
                    table += bench("PostgreSQL 15", cluster.new_database(), args.runs, args.repeat)
                finally:
                    cluster.stop()
    header = ("backend", f"{args.runs:,} runs: what", "median", "worst", "target", "median met")
    widths = [max(len(row[i]) for row in [header, *table]) for i in range(len(header))]
    for row in [header, tuple("-" * w for w in widths), *table]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


if __name__ == "__main__":
    main()
