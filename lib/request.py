"""ChatRequest, the single source of truth, and the one function that turns it into HTTP."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import quote, urlencode

from lib.headers import SecretHeader
from lib.providers import Provider

Role = Literal["system", "developer", "user", "assistant", "tool"]

# Body order follows the model pages (model, messages, temperature, max_tokens, stream, top_p, ...),
# so the tiers and "As sent" read the same way as the provider's own examples.
PARAM_ORDER = (
    "temperature",
    "max_tokens",
    "stream",
    "top_p",
    "frequency_penalty",
    "presence_penalty",
    "stop",
    "seed",
    "response_format",
    "reasoning_effort",
    "tools",
    "tool_choice",
    "parallel_tool_calls",
    "logprobs",
    "top_logprobs",
)


@dataclass
class Message:
    role: Role
    content: str
    name: str | None = None
    tool_call_id: str | None = None
    tool_calls: list[dict[str, Any]] | None = None
    images: list[dict[str, Any]] | None = None  # `image_url` parts: the content is then an array

    def to_json(self) -> dict[str, Any]:
        content: Any = self.content
        if self.images:
            content = ([{"type": "text", "text": self.content}] if self.content else []) + self.images
        out: dict[str, Any] = {"role": self.role, "content": content}
        if self.name:
            out["name"] = self.name
        if self.tool_call_id:
            out["tool_call_id"] = self.tool_call_id
        if self.tool_calls:
            out["tool_calls"] = self.tool_calls
        return out


@dataclass
class ChatRequest:
    """Provider, model, messages and only the parameters that were set."""

    provider: Provider
    model: str
    messages: list[Message]
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def streaming(self) -> bool:
        return bool(self.params.get("stream"))


@dataclass(frozen=True)
class HttpRequest:
    """What goes on the wire, minus the key and credential headers' values: the client adds them
    with `send_headers`; snippets read them from environment variables."""

    method: str
    url: str  # with the setup's query parameters, if any
    headers: dict[str, str]
    body: dict[str, Any] | None
    key_env: str | None  # the variable snippets read the key from
    auth_header: str = "Authorization"  # Azure OpenAI takes the key in `api-key`, bare
    auth_prefix: str = "Bearer "
    secret_headers: tuple[SecretHeader, ...] = ()  # values held for the session, never in `headers`


def send_headers(wire: HttpRequest, key: str | None) -> dict[str, str]:
    """The headers the client sends: the request's own plus credential headers and the key, the
    only place their values are added."""
    headers = dict(wire.headers)
    for secret in wire.secret_headers:
        value = secret.sent()
        if value is not None:
            headers[secret.name] = value
    if key:
        headers[wire.auth_header] = f"{wire.auth_prefix}{key}"
    return headers


def _url(provider: Provider, path: str, query: dict[str, str] | None = None) -> str:
    """`{base}{path}` with the call's own query parameters, then the setup's (Azure's api-version)."""
    params = [*(query or {}).items(), *provider.query]
    return f"{provider.base_url}{path}" + (f"?{urlencode(params)}" if params else "")


def _wire(
    provider: Provider, method: str, url: str, headers: dict[str, str], body: dict[str, Any] | None
) -> HttpRequest:
    headers.update(provider.headers)
    return HttpRequest(method, url, headers, body, provider.key_env, provider.auth_header, provider.auth_prefix,
                       provider.secret_headers)  # fmt: skip


def ordered_params(params: dict[str, Any]) -> dict[str, Any]:
    """Known parameters in page order, then any others in the order they were set."""
    known = {k: params[k] for k in PARAM_ORDER if k in params and params[k] is not None}
    rest = {k: v for k, v in params.items() if k not in known and v is not None}
    return known | rest


def response_format_for(provider: Provider, value: Any) -> Any:
    """A response format as this provider takes it: a JSON schema goes to the llama.cpp server as its
    own `{"type": "json_object", "schema": ...}` (which OpenAI's schema also allows: a JSON-object
    format may carry more keys), so structured output works there and every snippet shows it."""
    translate = provider.schema_format == "json_object_schema"
    if translate and isinstance(value, dict) and value.get("type") == "json_schema":
        spec = value.get("json_schema")
        schema = spec.get("schema") if isinstance(spec, dict) else None
        return {"type": "json_object", "schema": schema} if isinstance(schema, dict) else {"type": "json_object"}
    return value


def chat_body(request: ChatRequest) -> dict[str, Any]:
    """The JSON body: model, messages, then the set parameters; unset ones are not sent."""
    body: dict[str, Any] = {
        "model": request.model,
        "messages": [m.to_json() for m in request.messages],
    }
    body.update(ordered_params(request.params))
    if "response_format" in body:
        body["response_format"] = response_format_for(request.provider, body["response_format"])
    if request.streaming and request.provider.stream_usage and "stream_options" not in body:
        body["stream_options"] = {"include_usage": True}
    return body


def to_http(request: ChatRequest) -> HttpRequest:
    """The exact request the client sends and every snippet writes."""
    headers = {"Content-Type": "application/json"}
    if request.streaming:
        headers["Accept"] = "text/event-stream"
    return _wire(request.provider, "POST", _url(request.provider, "/chat/completions"), headers, chat_body(request))


def _get(provider: Provider, path: str, query: dict[str, str] | None = None) -> HttpRequest:
    return _wire(provider, "GET", _url(provider, path, query), {}, None)


def models_request(provider: Provider) -> HttpRequest:
    """`GET {base}/models`: the model list."""
    return _get(provider, "/models")


def model_details_request(provider: Provider, model: str) -> HttpRequest:
    """`GET {base}/models/{id}`: the "Fetch model details" call."""
    return _get(provider, f"/models/{quote(model, safe='/:@')}")


def search_request(provider: Provider, query: str) -> HttpRequest:
    """`GET {base}/models/search?search=...`: the provider's own search, where it has one."""
    return _get(provider, "/models/search", {"search": query})
