"""cURL import: commands from docs and browsers, literal keys, what cannot be imported, and the
round trip request -> cURL -> import, as a property."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib.curl_import import KEY_REMOVED, SECRET_REMOVED, CurlImportError, import_curl, placeholder_model, split_command
from lib.headers import Secret, SecretHeader
from lib.providers import Extras, Provider, builtin_providers
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
        "Headers a browser or curl sets itself were left out: origin.",
        "Not standard chat-completions fields, kept as extra parameters: top_k.",
    ]
    assert got.extras == Extras()  # nothing a browser adds becomes part of the setup


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
        "Message 1 has image_url parts, which cannot be imported; its text was.",
    ]
    assert got.extras.headers == (("X-Team", "a"),)  # a header the server may need is kept, not dropped


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
    named = [f'The model "{model}" looks like a placeholder; pick or type a model in the sidebar.']
    assert got.key is None and got.problems == (named if placeholder_model(model) else [])


WORDS = st.sampled_from(["curl", "-X", "POST", "-H", "'a: b'", "-d", "'{\"model\": \"m\", \"messages\": []}'",
                         "https://h/v1/chat/completions", "\\\n", "$'x\\'y'", '"', "'", "--json", "-sSN", "@f",
                         "--url", "-F", "x=1", "{}", "[]", "$'\\u00e9'", "-XGET", "--data=1", " ", "|", "&&", ";",
                         "\n", "<<EOF", "<<-'EOF'", "EOF", "<<<", "@-", "#", ">", "2>&1", "export", "$X",
                         "'api-key: $K'", "https://r.openai.azure.com/openai/deployments/d/chat/completions",
                         ])  # fmt: skip


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.text(max_size=60), st.lists(WORDS, max_size=12).map(" ".join)))
def test_any_paste_imports_or_says_why(table: dict[str, Provider], text: str) -> None:
    try:
        got = import_curl(text, table)
    except CurlImportError as exc:
        assert str(exc).endswith(".") and "\n" not in str(exc)
    else:
        assert got.model and got.base_url.startswith(("http://", "https://"))


# -- published commands from providers' docs -------------------------------------------------------
from tests.support.curl.published import PUBLISHED, Published  # noqa: E402


@pytest.mark.parametrize("case", PUBLISHED, ids=[c.source.split(",")[0].split("/")[-1][:40] for c in PUBLISHED])
def test_published_commands_import_as_their_docs_mean(case: Published) -> None:
    table = builtin_providers()
    if case.refused:
        with pytest.raises(CurlImportError) as info:
            import_curl(case.text, table)
        assert str(info.value) == case.refused
        return
    got = import_curl(case.text, table)
    assert (got.provider_id, got.base_url, got.model) == (case.provider_id, case.base_url, case.model)
    assert [(m.role, m.content) for m in got.messages] == list(case.messages)
    assert got.params == case.params
    assert got.key is None  # every published command has a placeholder or no key: none is taken for a key
    assert got.extras.headers == case.headers and got.extras.secret_headers == case.secret_headers
    assert (got.extras.query, got.extras.auth_header) == (case.query, case.auth_header)
    assert got.problems == list(case.problems)
    assert got.shown == case.text  # nothing secret to hide


def test_at_least_eight_published_commands_from_different_providers() -> None:
    assert len({c.source.split(",")[0] for c in PUBLISHED}) >= 8


# -- placeholder keys --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "token",
    ["YOUR_API_KEY", "<token>", "<OPENAI_API_KEY>", "$OPENAI_API_KEY", "${OPENAI_API_KEY}", "sk-...", "sk-xxxx",
     "YOUR_KEY_HERE", "<your-api-key>", "sk-xxxxxxxxxxxxxxxxxxxxxxxx", "[YOUR_KEY]"],
)  # fmt: skip
def test_placeholder_keys_are_not_moved_into_the_key_field(token: str) -> None:
    text = (f"curl https://llm.example.com/v1/chat/completions -H 'Authorization: Bearer {token}' "
            """-d '{"model": "m", "messages": [{"role": "user", "content": "hi"}]}'""")  # fmt: skip
    got = import_curl(text, builtin_providers())
    assert got.key is None and got.shown == text
    assert got.problems == [
        f"The command has a placeholder key ({token}), not a key: type your key in the API key field."
    ]


def test_placeholder_key_on_a_built_in_provider_names_its_variable() -> None:
    text = """curl https://api.openai.com/v1/chat/completions -H "Authorization: Bearer YOUR_API_KEY" -d '{"model": "gpt-4o", "messages": []}'"""  # noqa: E501
    got = import_curl(text, builtin_providers())
    assert got.problems == [
        "The command has a placeholder key (YOUR_API_KEY), not a key: type your key in the API key field "
        "(or set OPENAI_API_KEY in the environment)."
    ]


def test_a_real_key_next_to_a_placeholder_looking_one_is_still_a_key() -> None:
    text = """curl https://api.openai.com/v1/chat/completions -H "Authorization: Bearer sk-proj-Ab12Cd34Ef56" -d '{"model": "gpt-4o", "messages": []}'"""  # noqa: E501
    got = import_curl(text, builtin_providers())
    assert got.key == "sk-proj-Ab12Cd34Ef56" and "sk-proj-Ab12Cd34Ef56" not in got.shown and got.problems == []


# -- Azure OpenAI ------------------------------------------------------------------------------------
AZURE_BODY = """'{"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 20}'"""


def test_azure_command_with_a_literal_key_imports_as_an_azure_setup() -> None:
    key = "0123456789abcdef0123456789abcdef"
    text = ("curl 'https://contoso.openai.azure.com/openai/deployments/gpt-4o-prod/chat/completions"
            "?api-version=2024-10-21' "
            f"-H 'api-key: {key}' -H 'Content-Type: application/json' -d {AZURE_BODY}")  # fmt: skip
    got = import_curl(text, builtin_providers())
    assert (got.provider_id, got.base_url) == (
        "custom",
        "https://contoso.openai.azure.com/openai/deployments/gpt-4o-prod",
    )
    assert got.model == "gpt-4o-prod"  # the deployment name, as the body names no model
    assert (got.key, got.params, got.problems) == (key, {"max_tokens": 20}, [])
    assert got.extras == Extras(query=(("api-version", "2024-10-21"),), auth_header="api-key", auth_prefix="",
                                key_env="AZURE_OPENAI_API_KEY", label="Azure OpenAI")  # fmt: skip
    assert key not in got.shown and KEY_REMOVED in got.shown


def test_azure_body_model_wins_and_entra_tokens_stay_bearer() -> None:
    text = ("curl 'https://contoso.openai.azure.com/openai/deployments/dep/chat/completions"
            "?api-version=2025-04-01-preview' "
            "-H 'Authorization: Bearer $AZURE_OPENAI_AUTH_TOKEN' "
            """-d '{"model": "gpt-4.1", "messages": []}'""")  # fmt: skip
    got = import_curl(text, builtin_providers())
    assert got.model == "gpt-4.1" and (got.extras.auth_header, got.extras.auth_prefix) == ("Authorization", "Bearer ")
    assert got.extras.query == (("api-version", "2025-04-01-preview"),)


def test_azure_v1_endpoint_needs_no_api_version() -> None:
    text = ("curl https://contoso.openai.azure.com/openai/v1/chat/completions -H \"api-key: $AZURE_OPENAI_API_KEY\" "
            """-d '{"model": "gpt-4.1-nano", "messages": []}'""")  # fmt: skip
    got = import_curl(text, builtin_providers())
    assert (got.base_url, got.model, got.extras.auth_header) == (
        "https://contoso.openai.azure.com/openai/v1", "gpt-4.1-nano", "api-key")  # fmt: skip
    assert got.extras.label == "Azure OpenAI" and got.extras.query == ()


def test_azure_without_an_api_version_is_refused_naming_it() -> None:
    text = (
        f"curl https://contoso.openai.azure.com/openai/deployments/dep/chat/completions -H 'api-key: k' -d {AZURE_BODY}"
    )
    with pytest.raises(CurlImportError) as info:
        import_curl(text, builtin_providers())
    assert str(info.value) == (
        "This Azure OpenAI command has no api-version in its URL; add one "
        "(…/chat/completions?api-version=2024-10-21) and paste again."
    )


# -- headers a provider needs --------------------------------------------------------------------------
HELICONE_SECRET = "sk-helicone-live-7Hq2Lm9"


def test_extra_headers_are_kept_and_credential_headers_masked() -> None:
    text = ("curl https://oai.helicone.ai/v1/chat/completions -H 'Authorization: Bearer sk-proj-Zz9Yy8Xx7' "
            f"-H 'Helicone-Auth: Bearer {HELICONE_SECRET}' -H 'HTTP-Referer: https://myapp.example' "
            "-H 'X-Title: My App' -H 'OpenAI-Organization: org-abc123' -H 'anthropic-version: 2023-06-01' "
            """-d '{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}'""")  # fmt: skip
    got = import_curl(text, builtin_providers())
    assert got.extras.headers == (
        ("HTTP-Referer", "https://myapp.example"),
        ("X-Title", "My App"),
        ("OpenAI-Organization", "org-abc123"),
        ("anthropic-version", "2023-06-01"),
    )
    assert got.extras.secret_headers == (
        SecretHeader("Helicone-Auth", "HELICONE_AUTH", "Bearer ", Secret(HELICONE_SECRET)),
    )
    assert HELICONE_SECRET not in got.shown and SECRET_REMOVED in got.shown
    assert HELICONE_SECRET not in repr(got) and got.problems == []
    assert got.key == "sk-proj-Zz9Yy8Xx7"


def test_a_curl_snippet_with_setup_headers_round_trips() -> None:
    from lib.providers import with_base_url, with_extras

    helicone = SecretHeader("Helicone-Auth", "HELICONE_AUTH", "Bearer ", Secret(HELICONE_SECRET))
    extras = Extras(headers=(("HTTP-Referer", "https://myapp.example"),), secret_headers=(helicone,))
    provider = with_extras(with_base_url(builtin_providers()["custom"], "https://oai.helicone.ai/v1"), extras)
    code = render(to_http(ChatRequest(provider, "gpt-4o", [Message("user", "hi")])), "curl")
    got = import_curl(code, builtin_providers())
    assert got.extras.headers == extras.headers
    assert got.extras.secret_headers == (
        SecretHeader("Helicone-Auth", "HELICONE_AUTH", "Bearer "),
    )  # read from $HELICONE_AUTH
    assert got.problems == [
        "The Helicone-Auth header has a placeholder value; type its value under Custom headers in the sidebar "
        "(it is kept for this session only)."
    ]


# -- pipes, chains and here-documents ----------------------------------------------------------------------
CHAT = """curl -s https://api.openai.com/v1/chat/completions -H "Authorization: Bearer $OPENAI_API_KEY" -d '{"model": "gpt-4o", "messages": [{"role": "user", "content": "hi | there && you; ok"}]}'"""  # noqa: E501


@pytest.mark.parametrize(
    ("tail", "sentences"),
    [(" | jq .", ["The pipe into `jq …` was left out; only the curl command was imported."]),
     (" | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"choices\"][0][\"message\"][\"content\"])'",
      ["The pipe into `python3 …` was left out; only the curl command was imported."]),
     (" && echo done", ["The command(s) after curl (`echo …`) were left out; only the curl command was imported."]),
     ("; echo", ["The command(s) after curl (`echo`) were left out; only the curl command was imported."]),
     (" > reply.json", ["The redirection (> reply.json) was left out."]),
     (" 2>&1 | tee log.txt", ["The pipe into `tee …` was left out; only the curl command was imported.",
                              "The redirection (2>&1) was left out."])],
)  # fmt: skip
def test_pipes_and_chains_import_the_curl_part_and_name_the_rest(tail: str, sentences: list[str]) -> None:
    got = import_curl(CHAT + tail, builtin_providers())
    assert got.messages == [Message("user", "hi | there && you; ok")] and got.model == "gpt-4o"
    assert got.problems == sentences


def test_commands_before_curl_are_named_and_their_variables_used() -> None:
    text = "cd /tmp && export OPENAI_API_KEY='sk-proj-Ff44Gg55' MODEL=x\n" + CHAT
    got = import_curl(text, builtin_providers())
    assert got.key == "sk-proj-Ff44Gg55" and "sk-proj-Ff44Gg55" not in got.shown
    assert got.problems == ["The command(s) before curl (`cd …`) were left out; only the curl command was imported."]


HEREDOCS = {
    "unquoted": ("curl https://api.openai.com/v1/chat/completions -H 'Authorization: Bearer $OPENAI_API_KEY' "
                 "-d @- <<EOF\n"
                 '{"model": "gpt-4o", "messages": [{"role": "user", "content": "costs \\$5, a \\\\\\\\ here"}]}\n'
                 "EOF\n", "costs $5, a \\ here"),
    "quoted": ("curl https://api.openai.com/v1/chat/completions --data-binary @- <<'JSON' | jq .\n"
               '{"model": "gpt-4o", "messages": [{"role": "user", "content": "costs $5"}]}\n'
               "JSON", "costs $5"),
    "tabs": ("curl https://api.openai.com/v1/chat/completions -d @- <<-EOF\n"
             '\t{"model": "gpt-4o",\n\t "messages": [{"role": "user", "content": "tabbed"}]}\n'
             "\tEOF\n", "tabbed"),
    "herestring": ("""curl https://api.openai.com/v1/chat/completions --json @- <<< '{"model": "gpt-4o", """
                   """"messages": [{"role": "user", "content": "here-string"}]}'""", "here-string"),
    "cat-pipe": ("cat <<EOF | curl https://api.openai.com/v1/chat/completions -d @-\n"
                 '{"model": "gpt-4o", "messages": [{"role": "user", "content": "piped in"}]}\nEOF', "piped in"),
    "echo-pipe": ("""echo '{"model": "gpt-4o", "messages": [{"role": "user", "content": "echoed"}]}' | """
                  "curl https://api.openai.com/v1/chat/completions -d @-", "echoed"),
}  # fmt: skip


@pytest.mark.parametrize("name", list(HEREDOCS))
def test_here_documents_and_piped_input_are_read_as_the_body(name: str) -> None:
    text, content = HEREDOCS[name]
    got = import_curl(text, builtin_providers())
    assert (got.model, got.messages) == ("gpt-4o", [Message("user", content)])


def test_body_from_stdin_with_nothing_on_stdin_says_so() -> None:
    with pytest.raises(CurlImportError) as info:
        import_curl("curl https://api.openai.com/v1/chat/completions -d @-", builtin_providers())
    assert str(info.value) == (
        "The body is read from standard input (@-), but the paste has no here-document or pipe that gives it; "
        "paste the JSON instead."
    )


def test_a_url_that_is_not_http_says_so() -> None:
    with pytest.raises(CurlImportError) as info:
        import_curl(
            """curl --url ftp://h/v1/chat/completions -d '{"model": "m", "messages": []}'""", builtin_providers()
        )
    assert str(info.value) == "The command has no http:// or https:// URL; paste the whole command."


def test_a_browser_cookie_is_left_out_and_never_shown_back() -> None:
    text = ("curl 'https://api.openai.com/v1/chat/completions' -H 'cookie: session=s3cr3t-cookie-value' "
            "-H 'user-agent: Mozilla/5.0' --data-raw '{\"model\":\"gpt-4o\",\"messages\":[]}'")  # fmt: skip
    got = import_curl(text, builtin_providers())
    assert "s3cr3t-cookie-value" not in got.shown and "[left out]" in got.shown
    assert got.problems == ["Headers a browser or curl sets itself were left out: cookie, user-agent."]
