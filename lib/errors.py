"""Every failure a person can meet, as a type with one sentence: what happened, what to do.

The sentence is the exception's only argument, so `str()` and `repr()` never carry a key or headers.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Literal

Purpose = Literal["chat", "models", "details", "search"]

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


class BudgetExceeded(WorkbenchError):
    """A shared app's own keys are over their operator's limits (lib/budget.py): nothing was sent."""

    action = "key"


class RequestTooLarge(WorkbenchError):
    """Past one of lib/limits.py's sizes: nothing was sent."""


class AddressRefused(WorkbenchError):
    """A shared app refused to connect to a local, private or otherwise internal address."""

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


@dataclass(frozen=True)
class Call:
    """What a request is for, so each failure can name the right culprit (the URL, the model, ...)."""

    base_url: str
    url: str  # the URL tried
    local: bool = False  # the embedded model: "not running" rather than "nothing answering"
    model: str = ""
    purpose: Purpose = "chat"

    @property
    def doing(self) -> str:
        return {
            "chat": "answer",
            "models": "list its models",
            "details": f"describe {self.model}",
            "search": "search its models",
        }[self.purpose]


def connect_error(exc: Exception, call: Call) -> WorkbenchError:
    """DNS failure, the local model being down, or nothing listening: each its own sentence."""
    text = str(exc).lower()
    base = call.base_url
    if any(h in text for h in _DNS_HINTS):
        return DNSFailure(f"The host in {base} could not be found (DNS); check the Base URL and your network.")
    if call.local:
        return LocalModelDown("The local model is not running; start it with the button below and send again.")
    return ConnectionRefused(
        f"Nothing is answering at {base} (connection refused); check the Base URL or start the server."
    )


def timed_out(call: Call, seconds: float) -> FirstByteTimeout:
    advice = "type a model name instead." if call.purpose == "models" else "try again, or pick a faster model."
    return FirstByteTimeout(f"{call.base_url} did not {call.doing} within {seconds:g} s; {advice}")


def stalled(seconds: float) -> StreamStalled:
    return StreamStalled(
        f"The stream sent no text for {seconds:g} s, so it was stopped; what arrived is kept. Regenerate to try again."
    )


def connection_dropped(call: Call) -> StreamCut:
    if call.purpose != "chat":
        return StreamCut(f"The connection to {call.base_url} dropped before it could {call.doing}; try again.")
    return StreamCut(
        "The connection dropped in the middle of the answer; what arrived is kept. Regenerate to try again."
    )


def not_json(call: Call) -> MalformedEvent:
    return MalformedEvent(
        f"{call.url} did not answer with JSON; check that the Base URL is an OpenAI-compatible API "
        "(it usually ends in /v1)."
    )


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


_GENERIC_404 = re.compile(r"^(404:? )?(page )?not found\.?$|cannot (post|get)|unknown (path|url|route)|no route")


def _wrong_url(call: Call, message: str | None, model: str) -> bool:
    """A 404 blames the URL unless the server's words point elsewhere: a listing or search that is
    not found means the path is wrong; a chat 404 too when the server said nothing or only a web
    server's generic "Not Found" (an API that knows the path names the model or its endpoints)."""
    if call.purpose in ("models", "search") or not model:
        return True
    low = " ".join((message or "").lower().split())
    if any(w in low for w in ("model", "deployment", "endpoint", model.lower())):
        return False
    return not low or bool(_GENERIC_404.search(low))


# A server's traceback and the file paths of the machine it runs on are no one's business on the page
# (and a stakeholder may be watching): the server's own one-line message is kept, the rest goes.
_TRACEBACK = re.compile(r"Traceback \(most recent call last\)|\n\s*File \"|^\s*File \"", re.MULTILINE)
_PATH = re.compile(r"(?<![\w:/.~-])(?:[A-Za-z]:\\|~?/)(?:[\w.@+-]+[/\\])+[\w.@+-]*")


def server_words(text: str) -> str:
    """The server's message without a traceback or local file paths."""
    found = _TRACEBACK.search(text)
    if found:
        before = text[: found.start()]
        # A bare traceback ends in its one-line message ("ValueError: ..."), so keep that instead.
        lines = [ln.strip() for ln in text[found.start() :].splitlines() if ln.strip()]
        text = before if before.strip() else (lines[-1] if len(lines) > 1 else "")
    return _PATH.sub(lambda m: "…/" + re.split(r"[/\\]", m.group(0).rstrip("/\\"))[-1], text)


def _clip(text: str, limit: int = 300) -> str:
    text = " ".join(server_words(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def from_response(
    status: int,
    body: bytes,
    *,
    model: str,
    base_url: str,
    retry_after: float | None = None,
    call: Call | None = None,
) -> WorkbenchError:
    """Map an HTTP error response to its error type and sentence."""
    call = call or Call(base_url, f"{base_url}/chat/completions", model=model)
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
    if status == 404 and _wrong_url(call, message, model):
        return InvalidBaseURL(
            f"Nothing was found at {call.url} (404), so the Base URL looks wrong; check it (an "
            "OpenAI-compatible API usually ends in /v1)." + said,
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
    unsupported = any(w in low for w in ("unsupported", "not supported", "invalid", "unknown", "validation error"))
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
