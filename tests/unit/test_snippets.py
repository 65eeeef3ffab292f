"""Every snippet, run for real (bash, python, node, http) against the recording stand-in: the server
must receive exactly the body the app itself sends, with the key read from the environment."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from lib.params import TIERS, specs_for, tier_params
from lib.providers import Provider
from lib.request import ChatRequest, Message, to_http
from lib.snippets import LANGUAGES, render
from tests.support.catalog import GPT_OSS_120B
from tests.support.stand_in import Behaviour, StandIn

SECRET = "sk-snippet-SECRET-9"
TRICKY = 'It\'s "quoted", a $HOME and `uname` and \\n literal;\nnew line, emoji 👋🏽, and RTL: שלום עולם \u2028 end'
BIN = Path(sys.executable).parent
RUNNERS = {
    "curl": lambda path: ["bash", str(path)],
    "httpie": lambda path: ["bash", str(path)],
    "python": lambda path: [sys.executable, str(path)],
    "openai": lambda path: [sys.executable, str(path)],
    "javascript": lambda path: ["node", str(path)],
}


def pairs(raw: bytes | str, js: bool = False) -> object:
    """JSON with key order kept, to compare bodies key by key, in order, with types. JavaScript has
    one number type (`JSON.stringify(1.0)` is `1`), so there numbers compare by value."""

    def kind(v: object) -> str:
        return "number" if js and type(v) in (int, float) else type(v).__name__

    return json.loads(raw, object_pairs_hook=lambda kv: [(k, (kind(v), v)) for k, v in kv])


def run_snippet(code: str, language: str, tmp_path: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    ext = LANGUAGES[language][0].extension
    path = tmp_path / f"snippet.{ext}"
    path.write_text(code)
    env = {**os.environ, "OXEN_API_KEY": SECRET, **variables, "PATH": f"{BIN}:{os.environ['PATH']}"}
    return subprocess.run(RUNNERS[language](path), capture_output=True, text=True, env=env, timeout=60,
                          stdin=subprocess.DEVNULL, cwd=tmp_path)  # fmt: skip


CASES = [(tier, stream) for tier in TIERS for stream in (False, True) if not (tier == "Minimal" and stream)]


@pytest.mark.parametrize(
    ("tier", "stream"), CASES, ids=[f"{t.split()[0]}-{'stream' if s else 'whole'}" for t, s in CASES]
)
@pytest.mark.parametrize("language", list(LANGUAGES))
def test_snippet_sends_exactly_the_apps_body(
    language: str, tier: str, stream: bool, stand_in: StandIn, oxen: Provider, tmp_path: Path
) -> None:
    if language == "javascript" and not shutil.which("node"):
        pytest.fail("node is needed to run the JavaScript snippet")
    form = {"temperature": 0.7, "max_tokens": 1024, "stream": stream, "top_p": 1.0, "seed": 7,
            "stop": ["\n\nEND"], "top_k": 40}  # fmt: skip
    params = tier_params(tier, specs_for(GPT_OSS_120B), form)
    request = ChatRequest(oxen, "gpt-oss-120b", [Message("system", "Be kind."), Message("user", TRICKY)], params)
    wire = to_http(request)
    code = render(wire, language)
    assert SECRET not in code
    done = run_snippet(code, language, tmp_path)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    if language in ("curl", "httpie"):  # the raw response: JSON, or SSE events
        assert "chatcmpl-standin" in out and ("[DONE]" in out) == request.streaming
    else:  # the answer's text, printed
        assert f"You said: {TRICKY}" in out
    [received] = stand_in.chat_requests()
    assert received.headers["authorization"] == f"Bearer {SECRET}"
    assert received.headers["content-type"].startswith("application/json")
    if language == "openai":
        # The SDK lays out the body itself: same keys, values and types, in its own order.
        assert dict(pairs(received.body)) == dict(pairs(json.dumps(wire.body)))  # type: ignore[arg-type]
    else:
        js = language == "javascript"
        assert pairs(received.body, js) == pairs(json.dumps(wire.body), js)


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_local_model_snippets_need_no_key(language: str, local_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from lib.local_model import MODEL_ID
    from lib.providers import builtin_providers, with_base_url

    local = with_base_url(builtin_providers()["local"], local_server.base_url)
    wire = to_http(ChatRequest(local, MODEL_ID, [Message("user", "Say hi.")], {"max_tokens": 8, "stream": True}))
    code = render(wire, language)
    assert "API_KEY" not in code.replace("not-needed", "")
    done = run_snippet(code, language, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip()


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_fetch_model_details_runs_in_every_language(
    language: str, stand_in: StandIn, oxen: Provider, tmp_path: Path
) -> None:
    from lib.request import model_details_request

    code = render(model_details_request(oxen, "gpt-oss-120b"), language)
    done = run_snippet(code, language, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "GPT-OSS-120B" in done.stdout and "json_request_schema" in done.stdout
    [received] = stand_in.requests
    assert (received.method, received.path) == ("GET", "/api/ai/models/gpt-oss-120b")
    assert received.headers["authorization"] == f"Bearer {SECRET}"


HELICONE = "sk-helicone-SECRET-4242"
AZURE_KEY = "azure-SECRET-key-31"
EXTRA_HEADERS = (("HTTP-Referer", "https://myapp.example"), ("X-Title", "Workbench's test"))


def with_helicone(provider: Provider) -> Provider:
    from lib.headers import Secret, SecretHeader
    from lib.providers import Extras, with_extras

    helicone = SecretHeader("Helicone-Auth", "HELICONE_AUTH", "Bearer ", Secret(HELICONE))
    return with_extras(provider, Extras(headers=EXTRA_HEADERS, secret_headers=(helicone,)))


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
@pytest.mark.parametrize("language", list(LANGUAGES))
def test_setup_headers_reach_the_server_from_every_snippet_and_secrets_stay_out(
    language: str, stream: bool, stand_in: StandIn, oxen: Provider, tmp_path: Path
) -> None:
    from lib.request import send_headers

    provider = with_helicone(oxen)
    wire = to_http(ChatRequest(provider, "gpt-oss-120b", [Message("user", "hi")], {"stream": stream}))
    code = render(wire, language)
    assert HELICONE not in code and SECRET not in code
    assert "HELICONE_AUTH" in code and "https://myapp.example" in code
    done = run_snippet(code, language, tmp_path, HELICONE_AUTH=HELICONE)
    assert done.returncode == 0, done.stderr
    [received] = stand_in.chat_requests()
    app = send_headers(wire, SECRET)  # what the app itself sends
    for name in ("Helicone-Auth", "HTTP-Referer", "X-Title", "Authorization"):
        assert received.headers[name.lower()] == app[name]
    assert received.headers["helicone-auth"] == f"Bearer {HELICONE}"
    assert dict(pairs(received.body)) == dict(pairs(json.dumps(wire.body)))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def azure_stand_in() -> Iterator[StandIn]:
    """A stand-in answering where Azure OpenAI does: /openai/deployments/{deployment}/chat/completions."""
    server = StandIn(prefix="/openai/deployments/my-gpt-4o").start()
    yield server
    server.stop()


def azure(stand_in: StandIn, version: str | None = "2024-10-21") -> Provider:
    """An Azure OpenAI setup on the stand-in: a deployments URL with an api-version, or (None) the v1
    style, where the key still goes in `api-key` but no query is sent."""
    from lib.providers import Extras, builtin_providers, with_base_url, with_extras

    query = (("api-version", version),) if version else ()
    extras = Extras(query=query, auth_header="api-key", auth_prefix="", key_env="AZURE_OPENAI_API_KEY",
                    label="Azure OpenAI")  # fmt: skip
    return with_extras(with_base_url(builtin_providers()["custom"], stand_in.base_url), extras)


@pytest.mark.parametrize("version", ["2024-10-21", None], ids=["api-version", "no-query"])
@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
@pytest.mark.parametrize("language", list(LANGUAGES))
def test_azure_setup_snippets_run_with_api_version_and_api_key_header(
    language: str, stream: bool, version: str | None, azure_stand_in: StandIn, tmp_path: Path
) -> None:
    azure_stand_in.reset()
    provider = azure(azure_stand_in, version)
    wire = to_http(ChatRequest(provider, "my-gpt-4o", [Message("user", TRICKY)], {"stream": stream}))
    code = render(wire, language)
    assert AZURE_KEY not in code and "AZURE_OPENAI_API_KEY" in code and (version or "") in code
    done = run_snippet(code, language, tmp_path, AZURE_OPENAI_API_KEY=AZURE_KEY)
    assert done.returncode == 0, done.stderr
    [received] = azure_stand_in.chat_requests()
    query = f"api-version={version}" if version else ""
    assert (received.path, received.query) == ("/openai/deployments/my-gpt-4o/chat/completions", query)
    assert received.headers["api-key"] == AZURE_KEY and "authorization" not in received.headers
    assert dict(pairs(received.body)) == dict(pairs(json.dumps(wire.body)))  # type: ignore[arg-type]


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_azure_model_details_snippet_keeps_the_api_version(
    language: str, azure_stand_in: StandIn, tmp_path: Path
) -> None:
    from lib.request import model_details_request

    azure_stand_in.reset()
    code = render(model_details_request(azure(azure_stand_in), "gpt-oss-120b"), language)
    done = run_snippet(code, language, tmp_path, AZURE_OPENAI_API_KEY=AZURE_KEY)
    assert done.returncode == 0, done.stderr
    [received] = azure_stand_in.requests
    assert (received.path, received.query) == (
        "/openai/deployments/my-gpt-4o/models/gpt-oss-120b",
        "api-version=2024-10-21",
    )
    assert received.headers["api-key"] == AZURE_KEY


@pytest.mark.parametrize("provider_id", ["local", "oxen", "custom"])
@pytest.mark.parametrize("language", ["python", "openai"])
def test_python_snippets_import_only_what_they_use(provider_id: str, language: str) -> None:
    from lib.providers import builtin_providers

    provider = builtin_providers()[provider_id]
    code = render(to_http(ChatRequest(provider, "m", [Message("user", "hi")], {"stream": True})), language)
    # pyflakes' unused-import check (F401), as ruff runs it on this repository
    lint = subprocess.run([str(BIN / "ruff"), "check", "--isolated", "--select", "F401", "--stdin-filename",
                           "snippet.py", "-"], input=code, capture_output=True, text=True, timeout=60)  # fmt: skip
    assert lint.returncode == 0, lint.stdout
    assert ("import os" in code) == (provider.key_env is not None)


TOOL_CALLS = [
    {"id": "call_w", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}},
    {"id": "call_t", "type": "function", "function": {"name": "get_time", "arguments": "{}"}},
]


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
@pytest.mark.parametrize("language", list(LANGUAGES))
def test_tool_conversation_snippets_send_the_apps_body(
    language: str, stream: bool, stand_in: StandIn, oxen: Provider, tmp_path: Path, request_validator: object
) -> None:
    """Tools, tool choice, the assistant's tool_calls and both tool messages, in every language (#15)."""
    from lib.tools import EXAMPLE_TOOLS

    tools = [*json.loads(EXAMPLE_TOOLS), {"type": "function", "function": {"name": "get_time"}}]
    sent = [
        Message("user", "Weather and time in Paris?"),
        Message("assistant", "", tool_calls=TOOL_CALLS),
        Message("tool", '{"sky": "clear"}', tool_call_id="call_w"),
        Message("tool", "14:05", tool_call_id="call_t"),
    ]
    choice = {"type": "function", "function": {"name": "get_weather"}}
    params = {"stream": stream, "tools": tools, "tool_choice": choice, "parallel_tool_calls": False}
    wire = to_http(ChatRequest(oxen, "gpt-oss-120b", sent, params))
    request_validator.validate(wire.body)  # type: ignore[attr-defined]
    done = run_snippet(render(wire, language), language, tmp_path)
    assert done.returncode == 0, done.stderr
    if language not in ("curl", "httpie"):
        assert 'Tool results: call_w={"sky": "clear"} call_t=14:05' in done.stdout
    [received] = stand_in.chat_requests()
    if language == "openai":
        assert dict(pairs(received.body)) == dict(pairs(json.dumps(wire.body)))  # type: ignore[arg-type]
    else:
        js = language == "javascript"
        assert pairs(received.body, js) == pairs(json.dumps(wire.body), js)


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "stream"])
@pytest.mark.parametrize("language", ["python", "openai", "javascript"])
def test_a_tool_call_answer_is_printed_by_the_snippet(
    language: str, stream: bool, stand_in: StandIn, oxen: Provider, tmp_path: Path
) -> None:
    """An answer that is a tool call prints the call (name, arguments), not `None` or `null`."""
    from lib.tools import EXAMPLE_TOOLS

    stand_in.then(Behaviour(tokens=[], tool_calls=TOOL_CALLS, arg_fragments=5))
    params = {"stream": stream, "tools": json.loads(EXAMPLE_TOOLS)}
    wire = to_http(ChatRequest(oxen, "gpt-oss-120b", [Message("user", "Weather in Paris?")], params))
    done = run_snippet(render(wire, language), language, tmp_path)
    assert done.returncode == 0, done.stderr
    lines = [line.strip() for line in done.stdout.splitlines() if line.strip()]
    assert lines == ['get_weather {"city": "Paris"}', "get_time {}"], done.stdout
