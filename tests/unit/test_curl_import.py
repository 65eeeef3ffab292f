"""cURL import: commands from docs and browsers, literal keys, what cannot be imported, and the
round trip request -> cURL -> import, as a property."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib.curl_import import KEY_REMOVED, CurlImportError, import_curl, split_command
from lib.providers import Provider, builtin_providers
from lib.request import ChatRequest, Message, to_http
from lib.snippets import render

SECRET = "sk-live-LITERAL-123"


@pytest.fixture
def table(oxen: Provider) -> dict[str, Provider]:
    return {**builtin_providers(), "oxen": oxen}


def test_docs_style_command_with_env_key(table: dict[str, Provider], oxen: Provider) -> None:
    text = f"""curl {oxen.base_url}/chat/completions \\
  -H "Content-Type: application/json" \\
  -H "Authorization: Bearer $OXEN_API_KEY" \\
  -d '{{"model": "gpt-oss-120b", "messages": [{{"role": "user", "content": "It'\\''s me"}}], "temperature": 0.2}}'"""
    got = import_curl(text, table)
    assert (got.provider_id, got.base_url, got.model) == ("oxen", oxen.base_url, "gpt-oss-120b")
    assert got.messages == [Message("user", "It's me")]
    assert (got.params, got.key, got.problems) == ({"temperature": 0.2}, None, [])


def test_browser_copy_as_curl_with_literal_key(table: dict[str, Provider]) -> None:
    # Chrome's "Copy as cURL (bash)": $'...' quoting, --data-raw, extra headers, --compressed.
    text = (
        "curl 'https://api.openai.com/v1/chat/completions' \\\n"
        "  -H 'accept: */*' \\\n"
        f"  -H 'authorization: Bearer {SECRET}' \\\n"
        "  -H 'content-type: application/json' \\\n"
        "  -H 'origin: https://example.com' \\\n"
        '  --data-raw $\'{"model":"gpt-4o-mini","messages":[{"role":"user","content":"l\\\'été\\\\n\\u00e9"}],'
        '"stream":true,"stream_options":{"include_usage":true},"top_k":3}\' \\\n'
        "  --compressed"
    )
    got = import_curl(text, table)
    assert (got.provider_id, got.model, got.key) == ("openai", "gpt-4o-mini", SECRET)
    assert got.messages == [Message("user", "l'été\né")]
    assert got.params == {"stream": True, "top_k": 3}  # usage is asked for by the app itself
    assert SECRET not in got.shown and KEY_REMOVED in got.shown
    assert got.problems == [
        "The header origin was not imported.",
        "Not standard chat-completions fields, kept as extra parameters: top_k.",
    ]


def test_unknown_url_is_a_custom_provider_and_odd_parts_are_named(table: dict[str, Provider]) -> None:
    text = ("curl -sS -XPOST --url http://10.0.0.5:8000/v1/chat/completions -H 'X-Team: a' --proxy http://p "
            "--json '{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":"
            "\"hi\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"x\"}}]}]}' -F file=@a.png")  # fmt: skip
    got = import_curl(text, table)
    assert (got.provider_id, got.base_url, got.messages) == (
        "custom",
        "http://10.0.0.5:8000/v1",
        [Message("user", "hi")],
    )
    assert got.problems == [
        "The option --proxy was not imported.",
        "The form field or file upload (-F file=@a.png) cannot be imported.",
        "The header X-Team was not imported.",
        "Message 1 has image_url parts, which cannot be imported; its text was.",
    ]


@pytest.mark.parametrize(
    ("text", "sentence"),
    [
        ("wget http://x", "This is not a curl command; paste one that starts with `curl`."),
        ("curl -d '{}'", "The command has no http:// or https:// URL; paste the whole command."),
        ("curl http://h/v1/models", "http://h/v1/models is not a chat-completions URL (…/chat/completions); "
         "only chat requests import."),
        ("curl http://h/v1/chat/completions", "The command has no JSON body (-d, --data-raw or --json); "
         "paste the whole command."),
        ("curl http://h/v1/chat/completions -d @body.json", "The body is read from a file (@body.json), which "
         "cannot be imported; paste the JSON instead."),
        ("curl http://h/v1/chat/completions -d '{\"model\": '", "The body is not valid JSON (Expecting value at "
         "line 1); fix it and paste again."),
        ("curl http://h/v1/chat/completions -d '{\"messages\": []}'",
         'The body has no "model"; add one and paste again.'),
        ("curl http://h/v1/chat/completions -d '{\"model\": \"x",
         "A single quote is not closed; paste the whole command."),
        ("curl -X GET http://h/v1/chat/completions -d '{}'",
         "A chat request is a POST, not GET; fix -X and paste again."),
    ],
)  # fmt: skip
def test_what_cannot_become_a_request_says_why(text: str, sentence: str, table: dict[str, Provider]) -> None:
    with pytest.raises(CurlImportError) as info:
        import_curl(text, table)
    assert str(info.value) == sentence


def test_split_command_reads_bash_quoting() -> None:
    assert split_command("a 'b c' \"d \\\"e\\\" $X\" f\\ g \\\n h $'i\\tj' k''l") == [
        "a", "b c", 'd "e" $X', "f g", "h", "i\tj", "kl"]  # fmt: skip


# Any text a person can type (no lone surrogates: they cannot be sent as UTF-8).
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
PARAMS = st.fixed_dictionaries(
    {},
    optional={
        "temperature": st.floats(0, 2, allow_nan=False),
        "max_tokens": st.integers(1, 100_000),
        "stream": st.booleans(),
        "top_p": st.floats(0, 1, allow_nan=False),
        "frequency_penalty": st.floats(-2, 2, allow_nan=False),
        "stop": st.lists(TEXT.filter(bool), min_size=1, max_size=4),
        "seed": st.integers(-(2**63), 2**63 - 1),
        "response_format": st.sampled_from([{"type": "text"}, {"type": "json_object"}]),
        "reasoning_effort": st.sampled_from(["low", "medium", "high"]),
    },
)
MESSAGES = st.lists(st.builds(Message, st.sampled_from(["system", "user", "assistant"]), TEXT), min_size=1, max_size=4)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(messages=MESSAGES, params=PARAMS, provider_id=st.sampled_from(["oxen", "local", "custom"]),
       model=TEXT.filter(bool))  # fmt: skip
def test_request_to_curl_to_import_is_the_same_request(
    table: dict[str, Provider],
    messages: list[Message],
    params: dict,
    provider_id: str,
    model: str,  # type: ignore[type-arg]
) -> None:
    provider = table[provider_id]
    if provider_id == "custom":
        from lib.providers import with_base_url

        provider = with_base_url(provider, "https://llm.example.com/v1")
    request = ChatRequest(provider, model, messages, params)
    got = import_curl(render(to_http(request), "curl"), table)
    assert (got.provider_id, got.base_url, got.model) == (provider_id, provider.base_url, model)
    assert got.messages == messages
    assert got.params == params
    assert got.key is None and got.problems == []


WORDS = st.sampled_from(["curl", "-X", "POST", "-H", "'a: b'", "-d", "'{\"model\": \"m\", \"messages\": []}'",
                         "https://h/v1/chat/completions", "\\\n", "$'x\\'y'", '"', "'", "--json", "-sSN", "@f",
                         "--url", "-F", "x=1", "{}", "[]", "$'\\u00e9'", "-XGET", "--data=1", " "])  # fmt: skip


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.text(max_size=60), st.lists(WORDS, max_size=12).map(" ".join)))
def test_any_paste_imports_or_says_why(table: dict[str, Provider], text: str) -> None:
    try:
        got = import_curl(text, table)
    except CurlImportError as exc:
        assert str(exc).endswith(".") and "\n" not in str(exc)
    else:
        assert got.model and got.base_url.startswith(("http://", "https://"))
