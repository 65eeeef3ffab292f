"""The one client: every HTTP call the app makes (chat, model list, details, search) goes through it.

The logic lives in lib/exchange.py as a generator of I/O operations; this module only performs them,
with a blocking driver (`ChatClient`, for the Playground's script) and an async one (`AsyncChatClient`,
for pages that run many requests at once). Both drive the same generator, so they cannot disagree.

`stream()` never raises for a provider failure: it ends with `Done(result)`, whose `result.error` holds
the WorkbenchError and whose text keeps whatever arrived.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Generator, Iterable, Iterator
from http.cookiejar import DefaultCookiePolicy
from typing import Any

import httpx

from lib import address_guard, errors
from lib.budget import Meter
from lib.events import ChatResult, Done, Event, Pricing
from lib.exchange import (
    SEND_ERRORS,
    ChatExchange,
    ClientConfig,
    Emit,
    NextText,
    Op,
    ReadAll,
    Send,
    Wait,
    backoff_delay,
    json_exchange,
    plan_retry,
    retry_after_seconds,
)
from lib.request import ChatRequest, HttpRequest, send_headers
from lib.tls import tls_context

__all__ = [
    "AsyncChatClient",
    "AsyncChatStream",
    "ChatClient",
    "ChatStream",
    "ClientConfig",
    "backoff_delay",
    "plan_retry",
    "retry_after_seconds",
]

_ASYNC_WAIT_STEP = 0.05  # seconds between checks of a cross-thread cancel during an async backoff


def _build(http: httpx.Client | httpx.AsyncClient, op: Send) -> httpx.Request:
    wire = op.wire
    return http.build_request(
        wire.method, wire.url, headers=send_headers(wire, op.key), json=wire.body, timeout=op.timeout
    )


class _SyncDriver:
    """Performs a core's operations with a blocking httpx.Client."""

    def __init__(self, http: httpx.Client, cancel: threading.Event):
        self.http = http
        self.cancel = cancel
        self.response: httpx.Response | None = None
        self._texts: Iterator[str] | None = None

    def perform(self, op: Op) -> Any:
        if isinstance(op, Send):
            self.close()
            self.response = self.http.send(_build(self.http, op), stream=True)
            self._texts = None
            return self.response
        if isinstance(op, ReadAll):
            try:
                return op.response.read()
            finally:
                op.response.close()
        if isinstance(op, NextText):
            if self._texts is None:
                self._texts = op.response.iter_text()
            text = next(self._texts, None)
            if text is None:
                op.response.close()
            return text
        if isinstance(op, Wait):
            return self.cancel.wait(op.seconds)
        raise TypeError(op)

    def close(self) -> None:
        if self.response is not None:
            self.response.close()

    def run(self, core: Generator[Op, Any, Any]) -> Generator[Event, None, Any]:
        """Drive `core` to its end, yielding what it emits; returns what it returns."""
        value: Any = None
        thrown: BaseException | None = None
        try:
            while True:
                try:
                    op = core.throw(thrown) if thrown is not None else core.send(value)
                except StopIteration as stop:
                    return stop.value
                value, thrown = None, None
                if isinstance(op, Emit):
                    yield op.event
                    continue
                try:
                    value = self.perform(op)
                except SEND_ERRORS as exc:
                    thrown = exc
        finally:
            self.close()
            core.close()


class _AsyncDriver:
    """Performs a core's operations with an httpx.AsyncClient."""

    def __init__(self, http: httpx.AsyncClient, cancel: threading.Event):
        self.http = http
        self.cancel = cancel
        self.response: httpx.Response | None = None
        self._texts: AsyncIterator[str] | None = None

    async def perform(self, op: Op) -> Any:
        if isinstance(op, Send):
            await self.close()
            self.response = await self.http.send(_build(self.http, op), stream=True)
            self._texts = None
            return self.response
        if isinstance(op, ReadAll):
            try:
                return await op.response.aread()
            finally:
                await op.response.aclose()
        if isinstance(op, NextText):
            if self._texts is None:
                self._texts = op.response.aiter_text()
            text = await anext(self._texts, None)
            if text is None:
                await op.response.aclose()
            return text
        if isinstance(op, Wait):
            deadline = asyncio.get_running_loop().time() + op.seconds
            while not self.cancel.is_set():
                left = deadline - asyncio.get_running_loop().time()
                if left <= 0:
                    return False
                await asyncio.sleep(min(left, _ASYNC_WAIT_STEP))
            return True
        raise TypeError(op)

    async def close(self) -> None:
        if self.response is not None:
            await self.response.aclose()

    async def run(self, core: Generator[Op, Any, Any], returned: list[Any] | None = None) -> AsyncIterator[Event]:
        """Drive `core` to its end, yielding what it emits; its return value goes into `returned`."""
        value: Any = None
        thrown: BaseException | None = None
        try:
            while True:
                try:
                    op = core.throw(thrown) if thrown is not None else core.send(value)
                except StopIteration as stop:
                    if returned is not None:
                        returned.append(stop.value)
                    return
                value, thrown = None, None
                if isinstance(op, Emit):
                    yield op.event
                    continue
                try:
                    value = await self.perform(op)
                except SEND_ERRORS as exc:
                    thrown = exc
        finally:
            await self.close()
            core.close()


class _Stream:
    """What a running request holds, sync or async: its exchange (the result so far) and its cancel flag."""

    def __init__(self, request: ChatRequest, key: str | None, pricing: Pricing | None, config: ClientConfig,
                 meter: Meter | None):  # fmt: skip
        self.request = request
        self._exchange = ChatExchange(request, key, pricing, config, meter)
        self._cancel = threading.Event()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(model={self.request.model!r}, status={self.result.status!r})"

    @property
    def result(self) -> ChatResult:
        return self._exchange.result

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()


class ChatStream(_Stream):
    """One running request: iterate it for events; `cancel()` from any thread stops it at once."""

    def __init__(
        self, client: ChatClient, request: ChatRequest, key: str | None, pricing: Pricing | None, meter: Meter | None
    ):
        super().__init__(request, key, pricing, client.config, meter)
        self._client = client
        self._driver: _SyncDriver | None = None

    def cancel(self) -> None:
        """Stop now: the response is closed so the server stops generating."""
        self._cancel.set()
        driver = self._driver
        if driver is not None:
            driver.close()

    def __iter__(self) -> Iterator[Event]:
        self._driver = _SyncDriver(self._client.http, self._cancel)
        yield from self._driver.run(self._exchange.run(self._cancel.is_set))


class AsyncChatStream(_Stream):
    """The async twin of ChatStream: `async for` it; `cancel()` works from any thread."""

    def __init__(
        self,
        client: AsyncChatClient,
        request: ChatRequest,
        key: str | None,
        pricing: Pricing | None,
        meter: Meter | None,
    ):
        super().__init__(request, key, pricing, client.config, meter)
        self._client = client
        self._driver: _AsyncDriver | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def cancel(self) -> None:
        """Stop now, from the loop's thread or any other: the response is closed on the loop."""
        self._cancel.set()
        driver, loop = self._driver, self._loop
        if driver is None or loop is None or loop.is_closed():
            return

        def close() -> None:
            loop.create_task(driver.close())

        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            close()
        else:
            loop.call_soon_threadsafe(close)

    async def __aiter__(self) -> AsyncIterator[Event]:
        self._loop = asyncio.get_running_loop()
        self._driver = _AsyncDriver(self._client.http, self._cancel)
        async for event in self._driver.run(self._exchange.run(self._cancel.is_set)):
            yield event


class ChatClient:
    """Holds one connection pool (and its TLS set-up, which is slow to make): one per browser
    session, shared by its pages and threads (ui/state.client); never a module global."""

    def __init__(self, config: ClientConfig | None = None, policy: address_guard.AddressPolicy | None = None):
        self.config = config or ClientConfig()
        policy = policy or address_guard.current()
        transport = address_guard.GuardedTransport(policy) if policy.shared else None
        self.http = httpx.Client(timeout=self.config.timeout(), transport=transport, verify=tls_context())
        # A cookie a provider sets is never kept, so never sent back: every request is exactly what
        # its code shows, however many requests one client has sent before.
        self.http.cookies.jar.set_policy(DefaultCookiePolicy(allowed_domains=[]))

    def stream(
        self, request: ChatRequest, key: str | None = None, pricing: Pricing | None = None, meter: Meter | None = None
    ) -> ChatStream:
        """A ChatStream for this request; nothing is sent until it is iterated. `meter`: a shared
        app's own key's budget (lib/budget.py)."""
        return ChatStream(self, request, key, pricing, meter)

    def complete(
        self, request: ChatRequest, key: str | None = None, pricing: Pricing | None = None, meter: Meter | None = None
    ) -> ChatResult:
        """Run the request to the end and return its ChatResult (errors in `result.error`)."""
        return _last_result(self.stream(request, key, pricing, meter))

    def get_json(self, wire: HttpRequest, key: str | None, call: errors.Call, timeout: float = 10.0) -> Any:
        """A JSON document (model list, details, search), with the chat's errors and retries; raises a
        WorkbenchError with its sentence."""
        driver = _SyncDriver(self.http, threading.Event())
        run = driver.run(json_exchange(wire, key, call, self.config, timeout))
        while True:
            try:
                next(run)
            except StopIteration as stop:
                return stop.value

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> ChatClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncChatClient:
    """The async driver of the same engine, for pages that run several streams at once."""

    def __init__(self, config: ClientConfig | None = None, policy: address_guard.AddressPolicy | None = None):
        self.config = config or ClientConfig()
        policy = policy or address_guard.current()
        transport = address_guard.AsyncGuardedTransport(policy) if policy.shared else None
        self.http = httpx.AsyncClient(timeout=self.config.timeout(), transport=transport, verify=tls_context())
        self.http.cookies.jar.set_policy(DefaultCookiePolicy(allowed_domains=[]))  # as ChatClient's

    def stream(
        self,
        request: ChatRequest,
        key: str | None = None,
        pricing: Pricing | None = None,
        cancel: threading.Event | None = None,
        meter: Meter | None = None,
    ) -> AsyncChatStream:
        """An AsyncChatStream for this request; nothing is sent until it is iterated. Setting `cancel`
        (a threading.Event shared with other code) stops it like `.cancel()`."""
        stream = AsyncChatStream(self, request, key, pricing, meter)
        if cancel is not None:
            stream._cancel = cancel
        return stream

    async def complete(
        self, request: ChatRequest, key: str | None = None, pricing: Pricing | None = None, meter: Meter | None = None
    ) -> ChatResult:
        result: ChatResult | None = None
        async for event in self.stream(request, key, pricing, meter=meter):
            if isinstance(event, Done):
                result = event.result
        assert result is not None
        return result

    async def get_json(self, wire: HttpRequest, key: str | None, call: errors.Call, timeout: float = 10.0) -> Any:
        returned: list[Any] = []
        driver = _AsyncDriver(self.http, threading.Event())
        async for _ in driver.run(json_exchange(wire, key, call, self.config, timeout), returned):
            pass
        return returned[0]

    async def aclose(self) -> None:
        await self.http.aclose()

    async def __aenter__(self) -> AsyncChatClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


def _last_result(events: Iterable[Event]) -> ChatResult:
    result: ChatResult | None = None
    for event in events:
        if isinstance(event, Done):
            result = event.result
    assert result is not None  # the exchange always ends in Done
    return result
