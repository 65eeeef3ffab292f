"""The engine's core, without I/O: one HTTP exchange, from sending to the last event, as a generator.

The core decides everything (what to send, how to read an answer, which failure is which, when to
retry); it asks its driver to do the I/O by yielding an operation and receives the outcome, or has an
httpx error thrown into it. lib/client.py has two drivers, one blocking and one async, so the Playground
(a blocking Streamlit script) and Compare/Batch (an event loop) run exactly the same logic.
"""

from __future__ import annotations

import email.utils
import json
import random
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from time import perf_counter
from typing import Any

import httpx

from lib import errors, limits
from lib.budget import Meter
from lib.events import ChatResult, Done, Event, Pricing
from lib.request import ChatRequest, HttpRequest, to_http
from lib.sse import SSEStream
from lib.stream_state import StreamState

RETRY_STATUSES = frozenset({408, 409, 429}) | frozenset(range(500, 600))


@dataclass(frozen=True)
class ClientConfig:
    connect_timeout: float = 5.0
    first_byte_timeout: float = 60.0  # also the longest silence between two chunks
    stall_timeout: float = 60.0  # the watchdog: longest time without content (pings don't count)
    max_retries: int = 2
    backoff_base: float = 0.5
    backoff_cap: float = 8.0
    max_retry_after: float = 120.0

    def timeout(self, read: float | None = None) -> httpx.Timeout:
        return httpx.Timeout(read or self.first_byte_timeout, connect=self.connect_timeout)


# -- the operations a driver performs ------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Send:
    """Send the request with streaming on; the driver returns the httpx.Response (headers read)."""

    wire: HttpRequest
    key: str | None
    timeout: httpx.Timeout


@dataclass(frozen=True, slots=True)
class ReadAll:
    """Read the whole body and close the response; returns bytes."""

    response: httpx.Response


@dataclass(frozen=True, slots=True)
class NextText:
    """The next decoded piece of the body, or None at its end (the driver then closes it)."""

    response: httpx.Response


@dataclass(frozen=True, slots=True)
class Wait:
    """Sleep before a retry; returns True when the request was cancelled meanwhile."""

    seconds: float


@dataclass(frozen=True, slots=True)
class Emit:
    """Hand an event to the caller; returns None."""

    event: Event


Op = Send | ReadAll | NextText | Wait | Emit
# What a driver may throw into the core: httpx's own errors, and what a socket closed from another
# thread (cancel) raises while it is being read.
IO_ERRORS: tuple[type[BaseException], ...] = (httpx.HTTPError, httpx.StreamError, OSError, ValueError)
# What a driver hands back to the core: I/O failures, and a shared app's refusal to connect
# (lib/address_guard.py), raised where the connection is made.
SEND_ERRORS: tuple[type[BaseException], ...] = (*IO_ERRORS, errors.AddressRefused)


# -- retries -------------------------------------------------------------------------------------
def retry_after_seconds(headers: httpx.Headers) -> float | None:
    """`retry-after-ms`, then `Retry-After` (seconds or an HTTP date), as the SDK reads them; None for
    anything else (real servers send values such as `soon`)."""
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    raw = (headers.get("retry-after") or "").strip()
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - time.time())


def backoff_delay(attempt: int, config: ClientConfig, retry_after: float | None) -> float:
    """Seconds before retry number `attempt` (0-based): the server's ask, else jittered backoff."""
    if retry_after is not None and 0 <= retry_after <= config.max_retry_after:
        return retry_after
    delay: float = min(config.backoff_base * 2**attempt, config.backoff_cap)
    return delay * (1 - 0.25 * random.random())


def plan_retry(
    error: errors.WorkbenchError, attempt: int, config: ClientConfig, retry_after: float | None
) -> float | None:
    """Seconds to wait before retrying, or None to fail now (adding to the sentence when the server
    asked for a wait longer than the app honours)."""
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


# -- the exchange ----------------------------------------------------------------------------------
Attempt = tuple[httpx.Response | None, errors.WorkbenchError | None, float | None]


def _attempt(
    wire: HttpRequest, key: str | None, timeout: httpx.Timeout, call: errors.Call
) -> Generator[Op, Any, Attempt]:
    """One try: (response, None, None) on a success status, else (None, error, retry_after)."""
    try:
        response: httpx.Response = yield Send(wire, key, timeout)
    except errors.AddressRefused as exc:
        return None, exc, None
    except httpx.TimeoutException:
        return None, errors.timed_out(call, timeout.read or 0), None
    except httpx.ConnectError as exc:
        return None, errors.connect_error(exc, call), None
    except IO_ERRORS:
        return None, errors.connection_dropped(call), None
    if response.status_code < 400:
        return response, None, None
    try:
        body: bytes = yield ReadAll(response)
    except IO_ERRORS:
        body = b""
    retry_after = retry_after_seconds(response.headers)
    error = errors.from_response(
        response.status_code, body, model=call.model, base_url=call.base_url, retry_after=retry_after, call=call
    )
    return None, error, retry_after


def _missing_key(
    request: HttpRequest, provider_label: str, key_required: bool, key: str | None
) -> errors.MissingKey | None:
    if key or not key_required:
        return None
    env = f" or set {request.key_env} in the environment" if request.key_env else ""
    return errors.MissingKey(f"{provider_label} needs an API key; type it in the sidebar's API key field{env}.")


def _too_large(request: ChatRequest, wire: HttpRequest) -> errors.RequestTooLarge | None:
    sentence = limits.too_many_messages(len(request.messages)) or limits.body_too_large(
        len(json.dumps(wire.body, ensure_ascii=False).encode())
    )
    return errors.RequestTooLarge(sentence) if sentence else None


def json_exchange(
    wire: HttpRequest, key: str | None, call: errors.Call, config: ClientConfig, read_timeout: float
) -> Generator[Op, Any, Any]:
    """GET (or POST) for a JSON document, with the chat's errors and retries; returns the parsed JSON
    or raises a WorkbenchError."""
    timeout = config.timeout(read_timeout)
    attempt = 0
    while True:
        response, error, retry_after = yield from _attempt(wire, key, timeout, call)
        if response is not None:
            try:
                body: bytes = yield ReadAll(response)
            except IO_ERRORS:
                error = errors.connection_dropped(call)
            else:
                try:
                    return json.loads(body)
                except ValueError:
                    raise errors.not_json(call) from None
        assert error is not None
        delay = plan_retry(error, attempt, config, retry_after)
        if delay is None or (yield Wait(delay)):
            raise error
        attempt += 1


class ChatExchange:
    """One chat request from sending to `Done(result)`; `result` is the answer so far at any moment."""

    def __init__(
        self,
        request: ChatRequest,
        key: str | None,
        pricing: Pricing | None,
        config: ClientConfig,
        meter: Meter | None = None,
    ):
        self.request = request
        self.key = key
        self.pricing = pricing
        self.config = config
        self.meter = meter  # a shared app's own key: admitted before sending, charged at the end
        self.wire = to_http(request)
        p = request.provider
        self.call = errors.Call(p.base_url, self.wire.url, p.local, request.model, "chat")
        self.state = StreamState(perf_counter(), pricing, request)

    @property
    def result(self) -> ChatResult:
        return self.state.result

    def run(self, cancelled: Callable[[], bool]) -> Generator[Op, Any, None]:
        """The whole exchange; never raises for a provider failure (it ends in `Done` with the error)."""
        p = self.request.provider
        missing = _missing_key(self.wire, p.label, p.key_required, self.key)
        if missing:
            yield Emit(Done(self.state.finish(error=missing)))
            return
        refused = _too_large(self.request, self.wire) or (self.meter.admit() if self.meter else None)
        if refused:
            yield Emit(Done(self.state.finish(error=refused)))
            return
        try:
            yield from self._exchange(cancelled)
        finally:
            if self.meter is not None:
                self.meter.charge(self.state.result)

    def _exchange(self, cancelled: Callable[[], bool]) -> Generator[Op, Any, None]:
        timeout = self.config.timeout()
        attempt = 0
        while True:
            self.state = StreamState(perf_counter(), self.pricing, self.request)
            response, error, retry_after = yield from _attempt(self.wire, self.key, timeout, self.call)
            if response is not None:
                yield from self._consume(response, cancelled)
                return
            assert error is not None
            delay = plan_retry(error, attempt, self.config, retry_after)
            if delay is None or cancelled() or (yield Wait(delay)):
                yield Emit(Done(self.state.finish(error=error)))
                return
            attempt += 1

    def _consume(self, response: httpx.Response, cancelled: Callable[[], bool]) -> Generator[Op, Any, None]:
        state = self.state
        try:
            if "text/event-stream" not in response.headers.get("content-type", ""):
                body: bytes = yield ReadAll(response)
                try:
                    data = json.loads(body)
                except ValueError:
                    raise errors.not_json(self.call) from None
                state.on_json(data)
                yield Emit(Done(state.finish()))
                return
            decoder = SSEStream()
            last_content = perf_counter()
            text: str | None = ""
            while text is not None and not cancelled():
                text = yield NextText(response)
                for sse in decoder.feed(text) if text is not None else decoder.flush():
                    events = state.on_sse(sse) if sse.event != "comment" else ()
                    if events:
                        last_content = perf_counter()
                        for event in events:
                            yield Emit(event)
                    elif perf_counter() - last_content > self.config.stall_timeout:
                        raise errors.stalled(self.config.stall_timeout)
        except errors.WorkbenchError as exc:
            yield Emit(Done(state.finish("incomplete" if state.received else "error", exc)))
            return
        except IO_ERRORS as exc:
            if cancelled():
                yield Emit(Done(state.finish("stopped")))
            elif isinstance(exc, httpx.ReadTimeout):
                yield Emit(Done(state.finish("incomplete", errors.stalled(self.config.first_byte_timeout))))
            else:
                yield Emit(Done(state.finish("incomplete", errors.connection_dropped(self.call))))
            return
        yield Emit(Done(state.finish("stopped" if cancelled() else None)))
