"""Share links carry a setup's own headers, query and key placement, and a credential header by name
only; a crafted link cannot set a credential, a header the app sets, or move the key elsewhere."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

from lib.headers import Secret, SecretHeader
from lib.providers import Extras
from lib.share import Setup, from_query, pack, shared_extras, stale_keys, to_query

HELICONE_VALUE = "sk-helicone-SHARE-9911"
AZURE = Extras(
    headers=(("HTTP-Referer", "https://myapp.example"), ("X-Title", "My App")),
    secret_headers=(SecretHeader("Helicone-Auth", "HELICONE_AUTH", "Bearer ", Secret(HELICONE_VALUE)),),
    query=(("api-version", "2024-10-21"),),
    auth_header="api-key",
    auth_prefix="",
    key_env="AZURE_OPENAI_API_KEY",
    label="Azure OpenAI",
)


def test_a_shared_setup_keeps_its_headers_and_never_a_credential() -> None:
    setup = Setup("custom", "gpt-4o", "https://contoso.openai.azure.com/openai/deployments/gpt-4o", extras=AZURE)
    query, note = to_query(setup, "http://127.0.0.1:8501/")
    link = "http://127.0.0.1:8501/?" + urlencode(query)
    assert note is None and HELICONE_VALUE not in link
    extra, _, problem = from_query(dict(parse_qsl(urlsplit(link).query)))
    got, problems = shared_extras(extra["setup"])
    assert problem is None and problems == []
    assert got == Extras(
        **{**AZURE.__dict__, "secret_headers": (SecretHeader("Helicone-Auth", "HELICONE_AUTH", "Bearer "),)}
    )


def test_a_crafted_link_cannot_set_credentials_or_move_the_key() -> None:
    crafted = {
        "headers": [["Authorization", "Bearer stolen"], ["X-Api-Key", "k"], ["Content-Type", "text/plain"],
                    ["Bad Name", "x"], ["X-Fine", "yes"], ["X-Bearer", "Bearer abc"], "junk"],
        "secret_headers": [["Helicone-Auth", "NOT VALID", "Bearer "], ["Host", "H", ""],
                           ["X-Ok-Token", "OK_TOKEN", ""]],
        "auth": ["X-Exfiltrate", ""],
        "key_env": "rm -rf",
        "query": [["key", "sk-abc"], ["api-version", "2024-10-21"]],
    }  # fmt: skip
    extra, _, problem = from_query({"setup": pack({"setup": crafted})})
    got, problems = shared_extras(extra["setup"])
    assert problem is None
    assert got == Extras(headers=(("X-Fine", "yes"),), secret_headers=(SecretHeader("X-Ok-Token", "OK_TOKEN"),),
                         query=(("api-version", "2024-10-21"),))  # fmt: skip
    assert problems == [
        "The link's header(s) Authorization, X-Api-Key, Content-Type, Bad Name, X-Bearer, Helicone-Auth, Host, "
        "the key's header were left out: a link cannot set them."
    ]


def test_only_the_parts_of_a_link_that_changed_are_stale() -> None:
    setup = Setup("oxen", "gpt-oss-120b", "http://h/api", {"temperature": 0.25}, "Be brief.",
                  messages=[{"role": "user", "content": "hi"}])  # fmt: skip
    link, _ = to_query(setup, "http://app/")
    assert stale_keys(link, link) == []
    # The same content packed again (another compression of equal JSON) is still current.
    repacked = {**link, "setup": pack(from_query(link)[0])}
    assert stale_keys(repacked, link) == []
    setup.params["temperature"] = 0.9
    setup.messages.append({"role": "assistant", "content": "hello"})
    now, _ = to_query(setup, "http://app/")
    assert stale_keys(link, now) == ["setup", "chat"]
    assert stale_keys({**link, "model": "other"}, now) == ["model", "setup", "chat"]
    assert stale_keys({"setup": "damaged!"}, now) == ["setup"]
    assert stale_keys({"provider": "oxen", "c": "42"}, now) == []  # not a share parameter: not ours to judge
