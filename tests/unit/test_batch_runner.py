"""The Batch runner against the recording stand-in: every row answered once at concurrency 16, a 429
storm honoured and survived, a real process kill then Resume with each row stored exactly once, and
Cancel stopping every request within a second."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from lib.batch import jobs
from lib.batch.runner import BatchRun, ModelRun, Registry, RunOptions
from lib.batch.template import Template
from lib.providers import Provider
from lib.store import Store, open_store
from tests.support.stand_in import Behaviour, StandIn

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = Template("Question {{q}}")


def make_batch(store: Store, oxen: Provider, rows: int, concurrency: int, models: int = 1) -> str:
    data = [{"q": f"row-{i}"} for i in range(rows)]
    chunks = [data[i : i + 500] for i in range(0, rows, 500)]
    runs = [ModelRun(oxen, f"model-{m}", {}, concurrency, "test-key") for m in range(models)]
    return jobs.new_batch(store, "local", "test", chunks, ["q"], TEMPLATE, {"q": "q"}, runs, RunOptions())


def run_of(store: Store, batch_id: str, oxen: Provider) -> BatchRun:
    record = store.get_batch("local", batch_id)
    return jobs.run_for(store, record, ["test-key"] * len(record.config["models"]), providers={"oxen": oxen})


def answered_per_row(stand_in: StandIn) -> Counter[str]:
    """Requests the stand-in answered (not with a 429), per row, from the prompt each carried."""
    throttled = set(stand_in.answered_429)
    out: Counter[str] = Counter()
    for r in stand_in.chat_requests():
        if r.at in throttled:
            continue
        out[r.json()["messages"][-1]["content"].removeprefix("Question ")] += 1
    return out


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(f"sqlite:///{tmp_path / 'batch.db'}")
    yield s
    s.close()


def test_2000_rows_at_concurrency_16_are_each_answered_once(store: Store, stand_in: StandIn, oxen: Provider) -> None:
    batch_id = make_batch(store, oxen, 2000, 16)
    run = Registry().start(run_of(store, batch_id, oxen))
    assert run.finished.wait(180), "the batch did not finish"
    assert run.status == "done", run.error
    per_row = answered_per_row(stand_in)
    assert len(per_row) == 2000 and set(per_row.values()) == {1}
    results = list(store.iter_batch_results(batch_id))
    assert [r.row for r in results] == list(range(2000))
    assert all(r.status == "complete" and r.output == f"You said: Question row-{r.row}" for r in results)
    assert store.get_batch("local", batch_id).status == "done"


def test_a_429_storm_pauses_every_worker_and_ends_with_every_row_once(
    store: Store, stand_in: StandIn, oxen: Provider
) -> None:
    stand_in.storm = (0.3, "1")
    batch_id = make_batch(store, oxen, 150, 16)
    run = Registry().start(run_of(store, batch_id, oxen))
    assert run.finished.wait(240), "the batch did not finish"
    assert run.status == "done", run.error
    # Honoured: after a 429 went out, no request arrived in the next second but for those already on
    # their way (a margin of 0.25 s at each end for a loaded machine).
    arrivals = sorted(r.at for r in stand_in.chat_requests())
    for sent in stand_in.answered_429:
        inside = [t for t in arrivals if sent + 0.25 < t < sent + 0.75]
        assert inside == [], f"{len(inside)} requests arrived during a 429 pause"
    assert len(stand_in.answered_429) > 20 and run.throttle_pauses > 0
    per_row = answered_per_row(stand_in)
    assert len(per_row) == 150 and set(per_row.values()) == {1}
    results = list(store.iter_batch_results(batch_id))
    assert len(results) == 150 and all(r.status == "complete" for r in results)


def test_cancel_stops_every_request_within_a_second(store: Store, stand_in: StandIn, oxen: Provider) -> None:
    stand_in.default = Behaviour(first_token_delay=30.0)  # every answer would take 30 s
    batch_id = make_batch(store, oxen, 40, 8)
    run = Registry().start(run_of(store, batch_id, oxen))
    deadline = time.monotonic() + 30
    while len(stand_in.chat_requests()) < 8:
        assert time.monotonic() < deadline, "the requests were not sent"
        time.sleep(0.02)
    began = time.monotonic()
    run.cancel()
    assert run.finished.wait(1.0), "cancel took more than a second"
    assert time.monotonic() - began < 1.0
    assert run.status == "cancelled"
    assert run.in_flight == 0
    assert list(store.iter_batch_results(batch_id)) == []  # nothing half-done was written
    assert store.get_batch("local", batch_id).status == "cancelled"
    assert len(stand_in.chat_requests()) == 8  # and nothing more was sent


def test_pause_holds_new_requests_and_resume_finishes(store: Store, stand_in: StandIn, oxen: Provider) -> None:
    stand_in.default = Behaviour(first_token_delay=0.05)
    batch_id = make_batch(store, oxen, 200, 4)
    run = Registry().start(run_of(store, batch_id, oxen))
    deadline = time.monotonic() + 30
    while run.written < 10:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    run.pause()
    while run.in_flight:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    sent = len(stand_in.chat_requests())
    time.sleep(0.3)  # a window in which an unpaused batch would send more; nothing should arrive
    assert len(stand_in.chat_requests()) == sent
    assert store.get_batch("local", batch_id).status == "paused"
    run.resume()
    assert run.finished.wait(60) and run.status == "done"
    assert len(list(store.iter_batch_results(batch_id))) == 200


KILLED_RUNNER = """
import sys, time
from lib.batch import jobs
from lib.providers import builtin_providers, with_base_url
from lib.store import open_store
store = open_store(sys.argv[1])
oxen = with_base_url(builtin_providers()["oxen"], sys.argv[2])
record = store.get_batch("local", sys.argv[3])
run = jobs.run_for(store, record, ["test-key"], providers={"oxen": oxen})
from lib.batch.runner import Registry
Registry().start(run)
run.finished.wait()
"""


def test_a_killed_runner_resumes_and_stores_each_row_exactly_once(
    store: Store, stand_in: StandIn, oxen: Provider, tmp_path: Path
) -> None:
    stand_in.default = Behaviour(first_token_delay=0.02)
    batch_id = make_batch(store, oxen, 300, 8)
    url = str(store.url.render_as_string(hide_password=False))
    log = (tmp_path / "runner.log").open("w")
    child = subprocess.Popen([sys.executable, "-c", KILLED_RUNNER, url, stand_in.base_url, batch_id],
                             cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while len(list(store.iter_batch_results(batch_id))) < 60:
            assert child.poll() is None, (tmp_path / "runner.log").read_text()
            assert time.monotonic() < deadline, "the child runner wrote too few results"
            time.sleep(0.02)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
    before = list(store.iter_batch_results(batch_id))
    assert 60 <= len(before) < 300, "the kill came too late to test a resume"
    assert store.get_batch("local", batch_id).status == "running"  # as the dead process left it

    run = Registry().start(run_of(store, batch_id, oxen))
    assert run.finished.wait(120) and run.status == "done", run.error
    after = list(store.iter_batch_results(batch_id))
    assert sorted(r.row for r in after) == list(range(300))  # each row exactly once
    assert {(r.row, r.output) for r in before} <= {(r.row, r.output) for r in after}  # the first answers kept
    # The resumed run sent only the rows that had no result (and the few in flight at the kill).
    per_row = answered_per_row(stand_in)
    stored_first = {f"row-{r.row}" for r in before}
    resent = [row for row, n in per_row.items() if n > 1]
    assert not set(resent) & stored_first
    # At most the requests in flight when it was killed and the results finished but not yet written.
    assert len(resent) <= 16
    assert json.dumps(store.get_batch("local", batch_id).config).find("test-key") == -1  # no key stored


def test_the_runner_on_both_backends_and_a_failed_row_does_not_stop_the_batch(
    database_url: str, stand_in: StandIn, oxen: Provider
) -> None:
    store = open_store(database_url)
    try:
        batch_id = make_batch(store, oxen, 200, 16)
        stand_in.then(Behaviour(status=400))  # the first request: a client error the engine does not retry
        run = Registry().start(run_of(store, batch_id, oxen))
        assert run.finished.wait(120) and run.status == "done", run.error
        results = list(store.iter_batch_results(batch_id))
        assert sorted(r.row for r in results) == list(range(200))
        failed = [r for r in results if r.status == "error"]
        assert len(failed) == 1 and failed[0].error and failed[0].output == ""
        # Retry failed rows: only that row is sent again.
        before = len(stand_in.chat_requests())
        assert store.delete_failed_results(batch_id) == 1
        again = Registry().start(run_of(store, batch_id, oxen))
        assert again.finished.wait(60) and again.status == "done"
        assert len(stand_in.chat_requests()) == before + 1
        assert all(r.status == "complete" for r in store.iter_batch_results(batch_id))
    finally:
        store.close()


def test_a_shared_app_s_address_guard_applies_to_the_runner(
    store: Store, stand_in: StandIn, oxen: Provider, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lib import address_guard

    monkeypatch.setattr(address_guard, "_current", address_guard.AddressPolicy(shared=True))
    batch_id = make_batch(store, oxen, 3, 2)
    run = Registry().start(run_of(store, batch_id, oxen))
    assert run.finished.wait(60) and run.status == "done"
    results = list(store.iter_batch_results(batch_id))
    assert len(results) == 3 and all(r.status == "error" for r in results)
    assert results[0].error and results[0].error.startswith("This Workbench is shared, so it sends nothing to")
    assert stand_in.chat_requests() == []  # nothing reached the loopback stand-in


def test_the_rate_buckets_allow_a_minute_s_burst_then_the_rate() -> None:
    import asyncio

    from lib.batch.runner import TokenBucket, estimate_tokens

    async def timing() -> tuple[float, float]:
        bucket = TokenBucket(120)  # 2 a second, bursts of 120
        began = time.monotonic()
        for _ in range(120):
            await bucket.acquire()
        burst = time.monotonic() - began
        await bucket.acquire(1)  # the bucket is empty: half a second for the next one
        return burst, time.monotonic() - began - burst

    # In a thread of its own: browser tests earlier in the suite leave an event loop running in
    # this one, where asyncio.run() refuses to start.
    with ThreadPoolExecutor(1) as pool:
        burst, wait = pool.submit(asyncio.run, timing()).result()
    assert burst < 0.2 and 0.4 <= wait < 1.5
    body = {"messages": [{"role": "user", "content": "x" * 400}], "max_tokens": 50}
    assert estimate_tokens(body) == 101 + 50


def test_a_shared_app_s_spent_budget_stops_the_batch_with_its_sentence(
    store: Store, stand_in: StandIn, oxen: Provider
) -> None:
    from lib.budget import Limits, Meter, Spend

    spend = Spend(Limits(daily_usd=0.001, daily_unpriced=5, per_minute=None))
    batch_id = make_batch(store, oxen, 40, 1)
    run = run_of(store, batch_id, oxen)
    run.models[0].meter = Meter(spend, "session-1")
    Registry().start(run)
    assert run.finished.wait(60)
    assert run.status == "failed" and run.error is not None
    assert run.error.startswith("This app's own keys have answered today's 5 requests at unknown prices")
    assert len(stand_in.chat_requests()) == 5  # nothing after the budget was spent
    assert len(list(store.iter_batch_results(batch_id))) == 5
    assert store.get_batch("local", batch_id).status == "failed"


def test_a_run_from_the_store_sends_the_setup_s_headers_and_query_and_stores_no_credential(
    store: Store, stand_in: StandIn
) -> None:
    """A custom setup (its own headers, a query parameter, a credential header) is kept with the batch, so
    the full run and a Resume after a restart (a run made from the stored batch alone) send what the sample
    sent; the credential header is stored by name and its value comes from the session."""
    from dataclasses import replace

    from lib.headers import Secret, SecretHeader
    from lib.providers import builtin_providers

    custom = replace(builtin_providers()["custom"], base_url=stand_in.base_url,
                     headers=(("X-Title", "Workbench batch"),), query=(("api-version", "2024-10-21"),),
                     secret_headers=(SecretHeader("Helicone-Auth", "HELICONE_AUTH", "Bearer "),))  # fmt: skip
    canary = "sk-helicone-canary-3141"
    data = [{"q": f"row-{i}"} for i in range(3)]
    runs = [ModelRun(custom, "model-0", {}, 2, None)]
    batch_id = jobs.new_batch(store, "local", "t", [data], ["q"], TEMPLATE, {"q": "q"}, runs, RunOptions())

    record = store.get_batch("local", batch_id)  # as a restarted process reads it: no provider object kept
    assert canary not in json.dumps(record.config)
    run = jobs.run_for(store, record, [None], providers=builtin_providers())
    held = {"Helicone-Auth": SecretHeader("Helicone-Auth", "HELICONE_AUTH", "Bearer ", Secret(canary))}
    run.models[0].provider = jobs.with_secret_values(run.models[0].provider, held)
    started = Registry().start(run)
    assert started.finished.wait(60) and started.status == "done", started.error

    sent = stand_in.chat_requests()
    assert len(sent) == 3
    for r in sent:
        assert r.headers["x-title"] == "Workbench batch"
        assert r.headers["helicone-auth"] == f"Bearer {canary}"
        assert "api-version=2024-10-21" in r.query
    assert canary not in json.dumps(store.get_batch("local", batch_id).config)
