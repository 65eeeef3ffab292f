"""Every failure a person can meet, as a type with one sentence: what happened, what to do.

The sentence is the exception's only argument, so `str()` and `repr()` never carry a key or headers.
"""

from __future__ import annotations

import json
from typing import Any


class WorkbenchError(Exception):
    """Base class; `str(error)` is the sentence shown in place of the answer."""

    action: str | None = None  # a hint for the UI: "key", "start_local", "max_tokens", ...

    def __init__(self, sentence: str, *, status: int | None = None, detail: str | None = None):
        super().__init__(sentence)
        self.status = status
        self.detail = detail  # the provider's own message, when it sent one

    @property
    def sentence(self) -> str:
        return str(self)


class InvalidBaseURL(WorkbenchError):
    action = "base_url"


class MissingKey(WorkbenchError):
    action = "key"


class AuthenticationFailed(WorkbenchError):
    action = "key"


class PermissionDenied(WorkbenchError):
    action = "key"


class ModelNotFound(WorkbenchError):
    action = "model"


class BadRequest(WorkbenchError):
    pass


class ContextLengthExceeded(BadRequest):
    pass


class RateLimited(WorkbenchError):
    def __init__(self, sentence: str, *, retry_after: float | None = None, **kw: Any):
        super().__init__(sentence, **kw)
        self.retry_after = retry_after


class ServerError(WorkbenchError):
    pass


class UnexpectedErrorPage(WorkbenchError):
    """A non-JSON error body, such as a proxy's HTML 502 page."""


class ConnectionRefused(WorkbenchError):
    pass


class LocalModelDown(ConnectionRefused):
    action = "start_local"


class DNSFailure(WorkbenchError):
    action = "base_url"


class FirstByteTimeout(WorkbenchError):
    pass


class StreamCut(WorkbenchError):
    """The connection dropped mid-answer; the partial answer is kept."""


class StreamStalled(WorkbenchError):
    """The watchdog: the stream stayed open but sent no content for too long."""


class MalformedEvent(WorkbenchError):
    pass


class StreamErrorEvent(WorkbenchError):
    """The server put an `error` object inside the stream."""


class LocalModelError(WorkbenchError):
    """The embedded model server could not be found or started."""

    action = "start_local"


def _provider_message(body: bytes) -> tuple[str | None, str | None, bool]:
    """(message, code, is_json) from an error body in the OpenAI, Oxen or FastAPI shapes."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None, None, False
    if isinstance(data, dict):
        err = data.get("error", data)
        if isinstance(err, dict):
            msg = err.get("message") or err.get("detail") or err.get("error")
            code = err.get("code") or err.get("type")
            if isinstance(msg, list | dict):
                msg = json.dumps(msg)
            return (str(msg) if msg else None), (str(code) if code else None), True
        if isinstance(err, str):
            return err, None, True
    return None, None, True


def _clip(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def from_response(
    status: int, body: bytes, *, model: str, base_url: str, retry_after: float | None = None
) -> WorkbenchError:
    """Map an HTTP error response to its error type and sentence."""
    message, code, is_json = _provider_message(body)
    said = f' The server said: "{_clip(message)}".' if message else ""
    if not is_json and status >= 400 and body.strip():
        return UnexpectedErrorPage(
            f"{base_url} answered HTTP {status} with a page that is not an API error (likely a proxy "
            "or the wrong base URL); check the Base URL, or try again in a moment.",
            status=status,
        )
    low = (message or "").lower()
    if status == 401:
        return AuthenticationFailed(
            "The provider rejected the API key (401); check the key in the sidebar's API key field "
            "or its environment variable." + said,
            status=status,
            detail=message,
        )
    if status == 403:
        return PermissionDenied(
            "The key is valid but not allowed to use this model or endpoint (403); use a key with "
            "access, or pick another model." + said,
            status=status,
            detail=message,
        )
    if status == 404:
        return ModelNotFound(
            f"The provider does not know the model “{model}” (404); pick one from the Model list." + said,
            status=status,
            detail=message,
        )
    if status == 429:
        wait = f" It asked to wait {retry_after:g} s." if retry_after is not None else ""
        return RateLimited(
            "The provider is rate-limiting these requests (429); wait a moment and send again." + wait + said,
            status=status,
            detail=message,
            retry_after=retry_after,
        )
    if ("context" in low and ("length" in low or "window" in low)) or code == "context_length_exceeded":
        return ContextLengthExceeded(
            "The conversation is longer than the model's context window; clear or shorten earlier "
            "messages, or lower Max tokens." + said,
            status=status,
            detail=message,
        )
    unsupported = any(w in low for w in ("unsupported", "not supported", "invalid", "unknown"))
    if status in (400, 422) or (status >= 500 and unsupported and message):
        return BadRequest(
            f"The provider refused a parameter of this request ({status}); change or unset it in the form." + said,
            status=status,
            detail=message,
        )
    if status >= 500:
        return ServerError(
            f"The provider had an internal error ({status}); try again in a moment." + said,
            status=status,
            detail=message,
        )
    return WorkbenchError(
        f"The provider answered HTTP {status}; check the request." + said, status=status, detail=message
    )
