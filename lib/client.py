"""The HTTP client: sends a ChatRequest, streams typed events, retries like the official SDK.

`ChatClient.stream()` never raises for a provider failure: the iterator ends with `Done(result)`,
whose `result.error` holds the WorkbenchError and whose text keeps whatever arrived.
"""

from __future__ import annotations

import email.utils
import json
import random
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from time import perf_counter

import httpx

from lib import errors
from lib.events import Done, Event, Pricing
from lib.providers import Provider
from lib.request import ChatRequest, HttpRequest, to_http
from lib.sse import SSE, aiter_sse, iter_sse
from lib.stream_state import StreamState

RETRY_STATUSES = frozenset({408, 409, 429}) | frozenset(range(500, 600))
_DNS_HINTS = (
    "name or service not known",
    "nodename nor servname",
    "name resolution",
    "no address associated",
    "getaddrinfo failed",
    "errno -2",
    "errno -3",
    "errno -5",
)


@dataclass(frozen=True)
class ClientConfig:
    connect_timeout: float = 5.0
    first_byte_timeout: float = 60.0  # also the longest silence between two chunks
    stall_timeout: float = 60.0  # the watchdog: longest time without content (pings don't count)
    max_retries: int = 2
    backoff_base: float = 0.5
    backoff_cap: float = 8.0
    max_retry_after: float = 120.0


def retry_after_seconds(headers: httpx.Headers) -> float | None:
    """`retry-after-ms`, then `Retry-After` (seconds or an HTTP date), as the SDK reads them."""
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return float(ms) / 1000
        except ValueError:
            pass
    raw = headers.get("retry-after")
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(raw) if raw else None
        return max(0.0, parsed.timestamp() - time.time()) if parsed else None


def backoff_delay(attempt: int, config: ClientConfig, retry_after: float | None) -> float:
    """Seconds before retry number `attempt` (0-based): the server's ask, else jittered backoff."""
    if retry_after is not None and 0 <= retry_after <= config.max_retry_after:
        return retry_after
    delay = min(config.backoff_base * 2**attempt, config.backoff_cap)
    return delay * (1 - 0.25 * random.random())


def _connect_error(exc: Exception, request: ChatRequest) -> errors.WorkbenchError:
    return _connect_error_for(exc, request.provider)


def _connect_error_for(exc: Exception, provider: Provider) -> errors.WorkbenchError:
    """DNS failure, the local model being down, or nothing listening: each its own sentence."""
    text = str(exc).lower()
    base = provider.base_url
    if any(h in text for h in _DNS_HINTS):
        return errors.DNSFailure(f"The host in {base} could not be found (DNS); check the Base URL and your network.")
    if provider.local:
        return errors.LocalModelDown("The local model is not running; start it with the button below and send again.")
    return errors.ConnectionRefused(
        f"Nothing is answering at {base} (connection refused); check the Base URL or start the server."
    )


def _timeout_error(request: ChatRequest, config: ClientConfig) -> errors.FirstByteTimeout:
    return errors.FirstByteTimeout(
        f"{request.provider.base_url} did not answer within {config.first_byte_timeout:g} s; "
        "try again, or pick a faster model."
    )


def _stalled(config: ClientConfig) -> errors.StreamStalled:
    return errors.StreamStalled(
        f"The stream sent no text for {config.stall_timeout:g} s, so it was stopped; what arrived is "
        "kept. Regenerate to try again."
    )


def _cut() -> errors.StreamCut:
    return errors.StreamCut(
        "The connection dropped in the middle of the answer; what arrived is kept. Regenerate to try again."
    )


class ChatStream:
    """One running request: iterate it for events; `cancel()` from any thread stops it at once."""

    def __init__(self, client: ChatClient, request: ChatRequest, key: str | None, pricing: Pricing | None):
        self._client = client
        self.request = request
        self._key = key
        self._pricing = pricing
        self._cancel = threading.Event()
        self._response: httpx.Response | None = None
        self.result = StreamState(perf_counter(), pricing).result

    def __repr__(self) -> str:
        return f"ChatStream(model={self.request.model!r}, status={self.result.status!r})"

    def cancel(self) -> None:
        """Stop now: the response is closed so the server stops generating."""
        self._cancel.set()
        response = self._response
        if response is not None:
            response.close()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def __iter__(self) -> Iterator[Event]:
        http = self._client.http
        config = self._client.config
        wire = to_http(self.request)
        attempt = 0
        missing = _missing_key(self.request, self._key)
        if missing:
            yield Done(StreamState(perf_counter(), self._pricing).finish(error=missing))
            return
        while True:
            state = StreamState(perf_counter(), self._pricing)
            self.result = state.result
            retry_after: float | None = None
            try:
                self._response = http.send(self._client.build(wire, self._key), stream=True)
            except httpx.TimeoutException:
                error: errors.WorkbenchError = _timeout_error(self.request, config)
            except httpx.ConnectError as exc:
                error = _connect_error(exc, self.request)
            except httpx.TransportError:
                error = _cut()
            else:
                response = self._response
                if response.status_code < 400:
                    yield from self._consume(response, state, config)
                    return
                body = response.read()
                response.close()
                retry_after = retry_after_seconds(response.headers)
                error = errors.from_response(
                    response.status_code,
                    body,
                    model=self.request.model,
                    base_url=self.request.provider.base_url,
                    retry_after=retry_after,
                )
            delay = _plan_retry(error, attempt, config, retry_after)
            if delay is None or self._cancel.wait(delay):
                yield Done(state.finish(error=error))
                return
            attempt += 1

    def _consume(self, response: httpx.Response, state: StreamState, config: ClientConfig) -> Iterator[Event]:
        try:
            if not _is_sse(response):
                state.on_json(json.loads(response.read()))
                yield Done(state.finish())
                return
            last_content = perf_counter()
            for sse in iter_sse(response):
                events = state.on_sse(sse) if sse.event != "comment" else ()
                if events:
                    last_content = perf_counter()
                    yield from events
                elif perf_counter() - last_content > config.stall_timeout:
                    raise _stalled(config)
                if self._cancel.is_set():
                    break
        except errors.WorkbenchError as exc:
            yield Done(state.finish("incomplete" if state.chunks else "error", exc))
            return
        except (httpx.HTTPError, ValueError) as exc:
            yield Done(state.finish(*self._transport_failure(exc, state, config)))
            return
        finally:
            response.close()
        yield Done(state.finish("stopped" if self._cancel.is_set() else None))

    def _transport_failure(self, exc: Exception, state: StreamState, config: ClientConfig):  # type: ignore[no-untyped-def]
        if self._cancel.is_set():
            return "stopped", None
        if isinstance(exc, httpx.ReadTimeout):
            return "incomplete", _stalled(config)
        if isinstance(exc, ValueError):
            return "error", errors.MalformedEvent(
                "The server's answer is not valid JSON; check that the Base URL is an OpenAI-compatible API."
            )
        return "incomplete", _cut()


def _missing_key(request: ChatRequest, key: str | None) -> errors.MissingKey | None:
    provider = request.provider
    if key or not provider.key_required:
        return None
    return errors.MissingKey(
        f"{provider.label} needs an API key; type it in the sidebar's API key field or set "
        f"{provider.key_env} in the environment."
    )


def _is_sse(response: httpx.Response) -> bool:
    return "text/event-stream" in response.headers.get("content-type", "")


def _plan_retry(
    error: errors.WorkbenchError, attempt: int, config: ClientConfig, retry_after: float | None
) -> float | None:
    """Seconds to wait before retrying, or None to fail now (raising the error's sentence if the
    server asked for a wait longer than we honour)."""
    retryable = isinstance(error, errors.FirstByteTimeout | errors.ConnectionRefused) or (
        error.status in RETRY_STATUSES and not isinstance(error, errors.BadRequest)
    )
    if isinstance(error, errors.LocalModelDown | errors.UnexpectedErrorPage):
        retryable = error.status in RETRY_STATUSES if error.status else False
    if not retryable or attempt >= config.max_retries:
        return None
    if retry_after is not None and retry_after > config.max_retry_after:
        error.args = (
            f"{error} The server asked to wait {retry_after:g} s before retrying, longer than the "
            f"{config.max_retry_after:g} s the app waits; send again later.",
        )
        return None
    return backoff_delay(attempt, config, retry_after)


class ChatClient:
    """Holds one connection pool; create one per session (never a module global)."""

    def __init__(self, config: ClientConfig | None = None):
        self.config = config or ClientConfig()
        self.http = httpx.Client(timeout=self._timeout())

    def _timeout(self) -> httpx.Timeout:
        c = self.config
        return httpx.Timeout(c.first_byte_timeout, connect=c.connect_timeout)

    @staticmethod
    def build_headers(wire: HttpRequest, key: str | None) -> dict[str, str]:
        headers = dict(wire.headers)
        if key:
            headers["Authorization"] = f"Bearer {key}"
        return headers

    def build(self, wire: HttpRequest, key: str | None) -> httpx.Request:
        return self.http.build_request(wire.method, wire.url, headers=self.build_headers(wire, key), json=wire.body)

    def stream(self, request: ChatRequest, key: str | None = None, pricing: Pricing | None = None) -> ChatStream:
        """A ChatStream for this request; nothing is sent until it is iterated."""
        return ChatStream(self, request, key, pricing)

    def complete(self, request: ChatRequest, key: str | None = None, pricing: Pricing | None = None):  # type: ignore[no-untyped-def]
        """Run the request to the end and return its ChatResult (errors in `result.error`)."""
        result = None
        for event in self.stream(request, key, pricing):
            if isinstance(event, Done):
                result = event.result
        assert result is not None
        return result

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> ChatClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncChatClient:
    """The async twin of ChatClient, for pages that run several streams at once."""

    def __init__(self, config: ClientConfig | None = None):
        self.config = config or ClientConfig()
        c = self.config
        self.http = httpx.AsyncClient(timeout=httpx.Timeout(c.first_byte_timeout, connect=c.connect_timeout))

    async def stream(
        self,
        request: ChatRequest,
        key: str | None = None,
        pricing: Pricing | None = None,
        cancel: threading.Event | None = None,
    ) -> AsyncIterator[Event]:
        """Events for one request, ending with Done(result); set `cancel` to stop at once."""
        import asyncio

        config, wire = self.config, to_http(request)
        cancel = cancel or threading.Event()
        attempt = 0
        missing = _missing_key(request, key)
        if missing:
            yield Done(StreamState(perf_counter(), pricing).finish(error=missing))
            return
        while True:
            state = StreamState(perf_counter(), pricing)
            retry_after: float | None = None
            req = self.http.build_request(
                wire.method, wire.url, headers=ChatClient.build_headers(wire, key), json=wire.body
            )
            try:
                response = await self.http.send(req, stream=True)
            except httpx.TimeoutException:
                error: errors.WorkbenchError = _timeout_error(request, config)
            except httpx.ConnectError as exc:
                error = _connect_error(exc, request)
            except httpx.TransportError:
                error = _cut()
            else:
                if response.status_code < 400:
                    async for event in self._consume(response, state, config, cancel):
                        yield event
                    return
                body = await response.aread()
                await response.aclose()
                retry_after = retry_after_seconds(response.headers)
                error = errors.from_response(
                    response.status_code,
                    body,
                    model=request.model,
                    base_url=request.provider.base_url,
                    retry_after=retry_after,
                )
            delay = _plan_retry(error, attempt, config, retry_after)
            if delay is None or cancel.is_set():
                yield Done(state.finish(error=error))
                return
            await asyncio.sleep(delay)
            attempt += 1

    async def _consume(
        self, response: httpx.Response, state: StreamState, config: ClientConfig, cancel: threading.Event
    ) -> AsyncIterator[Event]:
        stopped = False
        try:
            if not _is_sse(response):
                state.on_json(json.loads(await response.aread()))
                yield Done(state.finish())
                return
            last_content = perf_counter()
            sse: SSE
            async for sse in aiter_sse(response):
                events = state.on_sse(sse) if sse.event != "comment" else ()
                if events:
                    last_content = perf_counter()
                    for event in events:
                        yield event
                elif perf_counter() - last_content > config.stall_timeout:
                    raise _stalled(config)
                if cancel.is_set():
                    stopped = True
                    break
        except errors.WorkbenchError as exc:
            yield Done(state.finish("incomplete" if state.chunks else "error", exc))
            return
        except httpx.ReadTimeout:
            yield Done(state.finish("incomplete", _stalled(config)))
            return
        except (httpx.HTTPError, ValueError):
            yield Done(state.finish("incomplete", _cut()))
            return
        finally:
            await response.aclose()
        yield Done(state.finish("stopped" if stopped else None))

    async def aclose(self) -> None:
        await self.http.aclose()
