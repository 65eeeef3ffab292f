"""The Batch runner: a batch's rows sent to one to four models on the engine's async client, in the app's
server process rather than in a browser session (closing the tab does not stop it).

- One process-wide `Registry` holds the running batches and one background thread with its own
  asyncio loop; the page starts, pauses, resumes and cancels through it, from any thread.
- Per model: a producer reads the rows without a result from the store a chunk at a time (a
  1,000,000-row batch is never in memory) and `concurrency` workers send them.
- Every request goes through one httpx transport that (a) waits while the batch is paused, by the
  Pause button or by a 429, and (b) on a 429 pauses every worker for the server's Retry-After (else a
  backoff). The engine still retries what it retries (its own Retry-After wait included); a row whose
  retries all met 429s is queued again, since throttling is not the row's failure.
- Optional requests-per-minute and tokens-per-minute limits: token buckets, acquired per row.
- Each row's result is written to the store when it finishes (its primary key makes a second write
  a no-op), so a killed process loses only the rows in flight, and Resume sends only rows without a
  result: none lost, none stored twice. Cancel cancels every task: each open response is closed at
  once (well within a second) and nothing half-done is written.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from lib import address_guard
from lib.batch.template import Template, request_for
from lib.budget import Meter
from lib.client import AsyncChatClient
from lib.errors import BudgetExceeded
from lib.events import ChatResult, Done, Pricing
from lib.exchange import ClientConfig, backoff_delay, retry_after_seconds
from lib.providers import Provider
from lib.store.batch import BatchStore, Result
from lib.store.runs import runner as runner_tag
from lib.tls import tls_context

CHUNK = 1000  # rows read from the store at a time, per model
WRITE_EVERY = 0.1  # seconds: the results finished meanwhile are written together
MAX_THROTTLED = 50  # a row met only 429s this many times in a row: recorded as failed, the batch goes on
DEFAULT_CONCURRENCY = 8
LOCAL_CONCURRENCY = 1  # the embedded model answers one request at a time


@dataclass
class ModelRun:
    """One model of a batch, as the runner needs it; the key lives only in memory."""

    provider: Provider
    model: str
    params: dict[str, Any] = field(default_factory=dict)
    concurrency: int = DEFAULT_CONCURRENCY
    key: str | None = field(default=None, repr=False)
    pricing: Pricing | None = None
    meter: Meter | None = None  # a shared app's own key: each request counts against its budget


@dataclass(frozen=True)
class RunOptions:
    repeats: int = 1  # "Repeat each row K times"
    below: int | None = None  # only rows numbered below this (Run sample: the first N)
    rpm: float | None = None  # requests per minute, per model
    tpm: float | None = None  # tokens per minute (prompt estimate + max_tokens), per model


class TokenBucket:
    """`per_minute` units a minute, in bursts of at most that many (a minute's worth, as aiolimiter
    does); `acquire(n)` waits until n units are there. Used on the runner's loop only."""

    def __init__(self, per_minute: float):
        self.capacity = max(1.0, per_minute)
        self.rate = per_minute / 60.0
        self.tokens = self.capacity
        self.stamp = time.monotonic()

    async def acquire(self, amount: float = 1.0) -> None:
        amount = min(max(amount, 0.0), self.capacity)  # one request larger than a minute's worth still goes
        while True:
            t = time.monotonic()
            self.tokens = min(self.capacity, self.tokens + (t - self.stamp) * self.rate)
            self.stamp = t
            if self.tokens >= amount:
                self.tokens -= amount
                return
            await asyncio.sleep((amount - self.tokens) / self.rate)


class _Gate(httpx.AsyncBaseTransport):
    """Every request of a batch passes here: it waits while the batch is paused, and a 429 pauses all."""

    def __init__(self, inner: httpx.AsyncBaseTransport, run: BatchRun):
        self.inner = inner
        self.run = run

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await self.run.wait_turn()
        response = await self.inner.handle_async_request(request)
        if response.status_code == 429:
            self.run.throttled(retry_after_seconds(response.headers))
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


def estimate_tokens(request_body: Mapping[str, Any]) -> int:
    """A request's tokens before it is sent, for the tokens-per-minute bucket: ~4 characters a token
    of its messages, plus the most it may answer."""
    chars = sum(len(str(m.get("content") or "")) for m in request_body.get("messages", []))
    return chars // 4 + 1 + int(request_body.get("max_tokens") or 0)


class BatchRun:
    """One batch running (or paused) on the registry's loop. `pause`, `resume`, `cancel` from any thread."""

    def __init__(
        self, store: BatchStore, batch_id: str, template: Template, mapping: Mapping[str, str | None],
        models: list[ModelRun], options: RunOptions | None = None, config: ClientConfig | None = None,
        on_result: Callable[[Result], None] | None = None,
    ):  # fmt: skip
        self.store = store
        self.batch_id = batch_id
        self.template = template
        self.mapping = dict(mapping)
        self.models = models
        self.options = options or RunOptions()
        self.config = config or ClientConfig()
        self.on_result = on_result
        self.status = "starting"  # running, paused, cancelled, done, failed
        self.error: str | None = None  # why the run stopped, when it did not end by itself
        self.started_at = time.monotonic()
        self.written = 0  # results this run wrote
        self.in_flight = 0
        self.throttle_pauses = 0  # 429s that paused the batch
        self._resume_at = 0.0  # monotonic time before which no request leaves (a 429's pause)
        self._throttle_streak = 0
        self._go: asyncio.Event | None = None
        self._pending: list[Result] = []  # finished, not yet written
        self._flush_now: asyncio.Event | None = None
        self._closing = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self.future: concurrent.futures.Future[None] | None = None
        self.finished = threading.Event()

    # -- control, from any thread -----------------------------------------------------------------
    def _call(self, fn: Callable[[], None]) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(fn)

    def pause(self) -> None:
        """No new request leaves; the ones in flight finish and are written."""

        def pause() -> None:
            if self._go is not None and self.status == "running":
                self._go.clear()
                self.status = "paused"
                self.store.set_batch_status(self.batch_id, "paused", runner_tag())

        self._call(pause)

    def resume(self) -> None:
        def resume() -> None:
            if self._go is not None and self.status == "paused":
                self._go.set()
                self.status = "running"
                self.store.set_batch_status(self.batch_id, "running", runner_tag())

        self._call(resume)

    def cancel(self) -> None:
        """Stop every request now; rows in flight get no result (Resume sends them again)."""

        def cancel() -> None:
            if self._task is not None and not self._task.done():
                self.status = "cancelled"
                self._task.cancel()

        self._call(cancel)

    @property
    def active(self) -> bool:
        return not self.finished.is_set()

    @property
    def paused_for_429(self) -> float:
        """Seconds left of a 429's pause (0 when none)."""
        return max(0.0, self._resume_at - time.monotonic())

    # -- on the loop ------------------------------------------------------------------------------
    async def wait_turn(self) -> None:
        while True:
            if self._go is not None and not self._go.is_set():
                await self._go.wait()
            left = self._resume_at - time.monotonic()
            if left <= 0:
                return
            await asyncio.sleep(left)

    def throttled(self, retry_after: float | None) -> None:
        """A 429: every worker waits for the server's Retry-After, else a growing backoff."""
        delay = retry_after if retry_after is not None else backoff_delay(self._throttle_streak, self.config, None)
        self._throttle_streak += 1
        until = time.monotonic() + min(delay, self.config.max_retry_after)
        if until > self._resume_at:
            self._resume_at = until
            self.throttle_pauses += 1

    def _client(self, tls: ssl.SSLContext) -> AsyncChatClient:
        policy = address_guard.current()
        # The same transport the engine's client would make (the shared-mode address guard included),
        # wrapped by the gate; one TLS context for all (loading the CA bundle takes ~60 ms each time).
        inner: httpx.AsyncBaseTransport = (
            address_guard.AsyncGuardedTransport(policy) if policy.shared else httpx.AsyncHTTPTransport(verify=tls)
        )
        return _WorkerClient(
            self.config, httpx.AsyncClient(timeout=self.config.timeout(), transport=_Gate(inner, self))
        )

    async def main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._task = asyncio.current_task()
        self._go = asyncio.Event()
        self._go.set()
        self.started_at = time.monotonic()
        self.status = "running"
        self._flush_now = asyncio.Event()
        writer = asyncio.create_task(self._writer())
        try:
            await asyncio.to_thread(self.store.set_batch_status, self.batch_id, "running", runner_tag())
            await asyncio.gather(*(self._model(i) for i in range(len(self.models))))
            self.status = "done"
        except asyncio.CancelledError:
            self.status = "failed" if self.error else "cancelled"
        except Exception as exc:  # the store went away: the run stops, said in one sentence
            self.status, self.error = "failed", str(exc)
        finally:
            self._closing = True
            self._flush_now.set()
            try:
                await writer
                await self._flush()  # what finished is kept, cancelled or not
            except Exception as exc:
                self.error = self.error or str(exc)
            final = {"done": "done" if self.options.below is None else "draft"}.get(self.status, self.status)
            try:
                await asyncio.to_thread(self.store.set_batch_status, self.batch_id, final, None)
            except Exception as exc:  # nothing more can be written; the page shows the sentence
                self.error = self.error or str(exc)
            self.finished.set()

    async def _model(self, index: int) -> None:
        model = self.models[index]
        workers = max(1, model.concurrency)
        queue: asyncio.Queue[tuple[int, int, dict[str, str]] | None] = asyncio.Queue(maxsize=workers * 4)
        rpm = TokenBucket(self.options.rpm) if self.options.rpm else None
        tpm = TokenBucket(self.options.tpm) if self.options.tpm else None
        # A client (one kept-alive connection) per worker: one pool of 16 connections cost more CPU than
        # the requests themselves (httpcore checks every idle connection on each request).
        tls = tls_context()
        clients = [self._client(tls) for _ in range(workers)]
        tasks = [asyncio.create_task(self._work(c, index, queue, rpm, tpm)) for c in clients]
        try:
            await self._produce(index, queue)
            for _ in tasks:
                await queue.put(None)
            await asyncio.gather(*tasks)
        finally:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*(c.aclose() for c in clients), return_exceptions=True)

    async def _produce(self, index: int, queue: asyncio.Queue[tuple[int, int, dict[str, str]] | None]) -> None:
        after = -1
        while True:
            rows = await asyncio.to_thread(self.store.batch_rows_from, self.batch_id, after, CHUNK, self.options.below)
            if not rows:
                return
            done = await asyncio.to_thread(self.store.result_keys, self.batch_id, index, (rows[0][0], rows[-1][0]))
            for row, data in rows:
                for repeat in range(self.options.repeats):
                    if (row, repeat) not in done:
                        await queue.put((row, repeat, data))
            after = rows[-1][0]

    async def _work(
        self, client: AsyncChatClient, index: int, queue: asyncio.Queue[tuple[int, int, dict[str, str]] | None],
        rpm: TokenBucket | None, tpm: TokenBucket | None,
    ) -> None:  # fmt: skip
        model = self.models[index]
        while True:
            item = await queue.get()
            if item is None:
                return
            row, repeat, data = item
            request = request_for(self.template, self.mapping, data, model.provider, model.model, model.params)
            await self.wait_turn()
            if rpm is not None:
                await rpm.acquire(1)
            if tpm is not None:
                from lib.request import chat_body

                await tpm.acquire(estimate_tokens(chat_body(request)))
            self.in_flight += 1
            try:
                result = await self._send(client, model, request)
            finally:
                self.in_flight -= 1
            if isinstance(result.error, BudgetExceeded):
                # The shared app's budget is spent: every further row would fail the same way.
                self.error = str(result.error)
                if self._task is not None:
                    self._task.cancel()
                return
            self._pending.append(_outcome(index, row, repeat, result))
            if self._flush_now is not None:
                self._flush_now.set()

    async def _writer(self) -> None:
        """Writes finished results as they come, those of the last WRITE_EVERY seconds together (one
        transaction, not one per row): at 16 requests at once that keeps the store's writes from
        taking the CPU the requests need. A kill loses at most that long's results, and Resume sends
        those rows again."""
        assert self._flush_now is not None
        while not self._closing:
            await self._flush_now.wait()
            began = time.monotonic()
            self._flush_now.clear()
            await self._flush()
            if not self._closing:
                await asyncio.sleep(max(0.0, WRITE_EVERY - (time.monotonic() - began)))

    async def _flush(self) -> None:
        while self._pending:
            taken, self._pending = self._pending, []
            written = await asyncio.to_thread(self.store.write_results, self.batch_id, taken)
            self.written += len(written)
            if self.on_result is not None:
                for outcome in written:
                    self.on_result(outcome)

    async def _send(self, client: AsyncChatClient, model: ModelRun, request: Any) -> ChatResult:
        for _ in range(MAX_THROTTLED):
            result: ChatResult | None = None
            async for event in client.stream(request, model.key, model.pricing, meter=model.meter):
                if isinstance(event, Done):
                    result = event.result
            assert result is not None  # the exchange always ends in Done
            if result.error is None or result.error.status != 429:
                self._throttle_streak = 0
                return result
            await self.wait_turn()  # the gate set the pause when it saw the 429
        assert result is not None
        return result


class _WorkerClient(AsyncChatClient):
    """The engine's async client on a transport the runner made (the gate's), without first making
    the default one it would replace."""

    def __init__(self, config: ClientConfig, http: httpx.AsyncClient):  # no super().__init__(): see above
        self.config = config
        self.http = http


def _outcome(index: int, row: int, repeat: int, result: ChatResult) -> Result:
    usage, metrics = result.usage, result.metrics
    return Result(
        model=index, row=row, repeat=repeat, status="error" if result.error is not None else "complete",
        output=result.text,
        error=str(result.error) if result.error is not None else None, finish_reason=result.finish_reason,
        prompt_tokens=usage.prompt_tokens if usage else None,
        completion_tokens=usage.completion_tokens if usage else None,
        ttft=metrics.ttft, latency=metrics.latency, cost=metrics.cost,
    )  # fmt: skip


class Registry:
    """The process's running batches and the one thread whose event loop runs them all."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self.runs: dict[str, BatchRun] = {}

    def loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None or not self._thread or not self._thread.is_alive():
                self._loop = asyncio.new_event_loop()
                self._thread = threading.Thread(target=self._loop.run_forever, daemon=True, name="batch-runner")
                self._thread.start()
            return self._loop

    def start(self, run: BatchRun) -> BatchRun:
        """Run it in the background; refused (ValueError with a sentence) while that batch already runs here."""
        with self._lock:
            current = self.runs.get(run.batch_id)
            if current is not None and current.active:
                raise ValueError("This batch is already running; pause or cancel it first.")
            self.runs[run.batch_id] = run
        run.future = asyncio.run_coroutine_threadsafe(run.main(), self.loop())
        return run

    def get(self, batch_id: str) -> BatchRun | None:
        return self.runs.get(batch_id)

    def active(self, batch_id: str) -> BatchRun | None:
        run = self.runs.get(batch_id)
        return run if run is not None and run.active else None


_REGISTRY = Registry()


def registry() -> Registry:
    """The one registry of this process (the app's server process: not tied to a browser session)."""
    return _REGISTRY
