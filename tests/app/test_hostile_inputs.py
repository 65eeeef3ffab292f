"""Whatever arrives in a deep link, a pasted cURL command or a typed base URL, the Playground either
works or says one sentence: it never crashes, and it never sends the key from its environment to a
URL other than that key's provider's configured one. The stand-in (Oxen's configured base URL) is
on loopback and records every request, whatever path a hostile input sends it to."""

from __future__ import annotations

from urllib.parse import urlsplit

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from lib.share import pack
from tests.app.conftest import MakeApp
from tests.support.apptest import button, send
from tests.support.environment import ENV_KEY, AppEnv
from tests.support.stand_in import StandIn
from ui import keys

# Resolved against the stand-in's address at run time: {here} is host:port, {base} its Oxen base URL.
URLS = [
    "{base}", "{base}/", "{base}/../../evil", "http://{here}/evil/v1", "http://{here}/api/ai/../steal",
    "http://user:pass@{here}/api/ai", "http://{here}/api/ai?x=1", "http://{here}/api/ai#frag", "{base}//x",
    "http://127.0.0.1:1/v1", "http://169.254.169.254/latest", "file:///etc/passwd", "javascript:alert(1)",
    "ftp://{here}/", "http://[::1", "http://", "", " ", "not a url", "http://exa mple.com", "http://%00/",
    "http://\u0435xample.com/v1", "http://example.com:99999/", "https://api.openai.com/v1", "h" * 3000,
]  # fmt: skip
TEXT = st.text(max_size=60)
URL = st.sampled_from(URLS) | TEXT
# Not "local" (nor an unknown provider, which opens the local model): these tests need no model server.
PROVIDER = st.sampled_from(["oxen", "openai", "custom"])
PACKED = st.one_of(
    TEXT,
    st.builds(
        pack, st.dictionaries(st.sampled_from(["params", "system", "variables", "setup", "x"]), TEXT | st.integers())
    ),
    st.builds(pack, st.lists(st.dictionaries(st.sampled_from(["role", "content"]), TEXT), max_size=3)),
)
LINK = st.fixed_dictionaries(
    {"provider": PROVIDER, "base_url": URL, "model": TEXT},
    optional={"setup": PACKED, "chat": PACKED, "c": TEXT, "present": TEXT},
)
CURL = st.one_of(
    st.builds(
        lambda url, body: f"curl {url}/chat/completions -H 'Authorization: Bearer $OXEN_API_KEY' -d '{body}'", URL, TEXT
    ),
    st.builds(
        lambda url: f'curl {url} -d \'{{"model": "m", "messages": [{{"role": "user", "content": "hi"}}]}}\'', URL
    ),
    TEXT,
)


def _fill(value: str, stand_in: StandIn) -> str:
    here = urlsplit(stand_in.base_url).netloc
    return value.replace("{base}", stand_in.base_url).replace("{here}", here)


def _no_env_key_astray(stand_in: StandIn) -> None:
    configured = urlsplit(stand_in.base_url).path + "/"
    for r in stand_in.requests:
        if ENV_KEY in str(r.headers):
            assert r.path.startswith(configured) and ".." not in r.path, (r.method, r.path)


def _works_or_says_so(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


SETTINGS = settings(
    max_examples=10, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@SETTINGS
@given(link=LINK)
@example(link={"provider": "oxen", "base_url": "http://[::1", "model": "m"})  # each once crashed the page
@example(link={"provider": "custom", "base_url": "http://%00/", "model": "m"})
@example(link={"provider": "oxen", "base_url": "{base}", "model": "m", "setup": pack({"variables": 3, "params": "x"})})
@example(link={"provider": "oxen", "base_url": "http://{here}/api/ai/../steal", "model": "m"})
def test_any_deep_link_works_or_says_so(
    make_app: MakeApp, app_env: AppEnv, stand_in: StandIn, link: dict[str, str]
) -> None:
    app_env.oxen(stand_in.base_url)
    stand_in.reset()
    at = make_app(**{k: _fill(v, stand_in) for k, v in link.items()}).run()
    _works_or_says_so(at)
    if at.chat_input and not at.chat_input[0].disabled:
        send(at, "Hello")
        _works_or_says_so(at)
    _no_env_key_astray(stand_in)


@SETTINGS
@given(command=CURL)
def test_any_pasted_curl_works_or_says_so(make_app: MakeApp, app_env: AppEnv, stand_in: StandIn, command: str) -> None:
    app_env.oxen(stand_in.base_url)
    stand_in.reset()
    at = make_app(provider="oxen", model="gpt-oss-120b").run()
    at.text_area(key=keys.CURL_TEXT).set_value(_fill(command, stand_in)).run()
    button(at, "Import").click().run()
    _works_or_says_so(at)
    sends = [b for b in at.button if b.label in ("Send", "Regenerate")]
    if sends and not sends[0].disabled:
        sends[0].click().run()
        _works_or_says_so(at)
    _no_env_key_astray(stand_in)


@SETTINGS
@given(url=URL)
@example(url="http://example.com:99999/")
@example(url="http://%00/")
@example(url="http://{here}/other/v1")
def test_any_typed_base_url_works_or_says_so(make_app: MakeApp, app_env: AppEnv, stand_in: StandIn, url: str) -> None:
    app_env.oxen(stand_in.base_url)
    stand_in.reset()
    at = make_app(provider="oxen", model="gpt-oss-120b").run()
    at.sidebar.text_input(key=keys.base_url("oxen")).set_value(_fill(url, stand_in)).run()
    _works_or_says_so(at)
    if at.chat_input and not at.chat_input[0].disabled:
        send(at, "Hello")
        _works_or_says_so(at)
    _no_env_key_astray(stand_in)
