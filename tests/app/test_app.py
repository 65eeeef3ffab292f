"""The app's logic through AppTest: the shared connection, deep links, chat, a killed local model."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from lib.errors import InvalidBaseURL
from lib.events import Pricing
from lib.local_model import MODEL_ID, LocalServer
from lib.providers import builtin_providers, validate_base_url, with_base_url
from lib.request import Message
from tests.app.conftest import MakeApp
from tests.support.apptest import answers, button, curl_code, engine_error, send, sidebar_widget, users
from tests.support.catalog import GPT_OSS_120B
from tests.support.environment import AppEnv
from tests.support.stand_in import StandIn, free_port
from ui import keys

SECRET = "sk-apptest-secret-42"
HUB = "https://hub.oxen.ai/api/ai"  # Oxen's configured base URL when none is set


def test_defaults_to_local_model_with_contract_labels(local_app: MakeApp) -> None:
    at = local_app().run()
    assert not at.exception
    assert sidebar_widget(at, "Provider").value == "local"
    assert sidebar_widget(at, "Model").value == MODEL_ID
    assert sidebar_widget(at, "Base URL").disabled
    assert at.chat_input[0].placeholder.startswith("Send a message")
    assert at.title[0].value == "Playground"


def test_chat_with_local_model(local_app: MakeApp) -> None:
    at = send(local_app().run(), "Say hello in one word.")
    assert not at.exception
    got = answers(at)
    assert len(got) == 1
    assert got[0].strip()
    metrics = [c.value for c in at.caption if "TTFT" in c.value]
    assert len(metrics) == 1
    assert metrics[0].startswith("**TTFT** ")


def test_key_from_environment_goes_to_its_provider(make_app: MakeApp, app_env: AppEnv, stand_in: StandIn) -> None:
    app_env.oxen(stand_in.base_url, SECRET)
    at = make_app(provider="oxen", model="gpt-oss-120b").run()
    assert sidebar_widget(at, "Provider").value == "oxen"
    assert "Key from the environment." in [c.value for c in at.sidebar.caption]
    send(at, "Hello there")
    assert answers(at) == ["You said: Hello there"]
    sent = stand_in.chat_requests()[-1]
    assert sent.headers["authorization"] == f"Bearer {SECRET}"
    assert sent.json()["model"] == "gpt-oss-120b"


def test_link_base_url_never_receives_environment_key(make_app: MakeApp, app_env: AppEnv, stand_in: StandIn) -> None:
    app_env.oxen(HUB, SECRET)  # configured for the real hub, not the link's URL
    at = make_app(provider="oxen", base_url=stand_in.base_url, model="gpt-oss-120b").run()
    assert sidebar_widget(at, "Base URL").value == stand_in.base_url
    withheld = (f"OXEN_API_KEY from the environment is set, but it is only sent to {HUB} (so a link cannot "
                f"send your key elsewhere); type a key for this base URL in API key, or set the Base URL back "
                f"to {HUB}.")  # fmt: skip
    assert withheld in [c.value for c in at.sidebar.caption]
    send(at, "Hello")
    assert stand_in.chat_requests() == []
    # What did reach the link's URL (the model listing) carried no key.
    assert [(r.method, r.path) for r in stand_in.requests] == [("GET", "/api/ai/models")]
    assert "authorization" not in stand_in.requests[0].headers
    # Why it was not sent (the key is set, not missing) and what to do, with the key field at hand.
    assert [e.value for e in at.error] == [f"Not sent: {withheld}"]
    assert not any("needs an API key" in e.value for e in at.error)
    at.text_input(key=keys.INLINE_KEY).set_value("sk-typed-for-link").run()
    button(at, "Use this key and retry").click().run()
    assert answers(at) == ["You said: Hello"]
    assert stand_in.chat_requests()[-1].headers["authorization"] == "Bearer sk-typed-for-link"
    assert sidebar_widget(at, "API key").value == "sk-typed-for-link"
    assert all(SECRET not in str(r.headers) and SECRET.encode() not in r.body for r in stand_in.requests)


def test_connection_survives_page_switches(local_app: MakeApp, stand_in: StandIn) -> None:
    at = local_app().run()
    sidebar_widget(at, "Provider").set_value("custom").run()
    sidebar_widget(at, "Base URL").set_value(stand_in.base_url).run()
    sidebar_widget(at, "Model").set_value("gpt-oss-120b").run()
    at.switch_page("app_pages/models.py").run()
    assert at.title[0].value == "Models"
    at.switch_page("app_pages/playground.py").run()
    assert sidebar_widget(at, "Provider").value == "custom"
    assert sidebar_widget(at, "Base URL").value == stand_in.base_url
    assert sidebar_widget(at, "Model").value == "gpt-oss-120b"
    sidebar_widget(at, "Provider").set_value("local").run()
    sidebar_widget(at, "Provider").set_value("custom").run()
    assert sidebar_widget(at, "Base URL").value == stand_in.base_url


def test_invalid_base_url_is_one_sentence(make_app: MakeApp, stand_in: StandIn) -> None:
    at = make_app(provider="custom", base_url=stand_in.base_url).run()
    sidebar_widget(at, "Base URL").set_value("not a url").run()
    assert not at.exception
    with pytest.raises(InvalidBaseURL) as expected:
        validate_base_url("not a url")
    assert [e.value for e in at.sidebar.error] == [str(expected.value)]


def test_unreachable_provider_keeps_conversation(make_app: MakeApp, stand_in: StandIn) -> None:
    at = make_app(provider="custom", base_url=stand_in.base_url, model="gpt-oss-120b").run()
    send(at, "first")
    gone = f"http://127.0.0.1:{free_port()}/v1"
    sidebar_widget(at, "Base URL").set_value(gone).run()
    sidebar_widget(at, "Model").set_value("gpt-oss-120b").run()
    send(at, "second")
    assert not at.exception
    assert answers(at) == ["You said: first"]
    custom = with_base_url(builtin_providers()["custom"], gone)
    history = [Message("user", "first"), Message("assistant", "You said: first"), Message("user", "second")]
    assert [e.value for e in at.error] == [str(engine_error(custom, "gpt-oss-120b", history, None))]
    assert users(at) == ["first", "second"]


@pytest.mark.local_model  # starts its own model server, not the session's
@pytest.mark.timeout(240)
def test_killed_local_model_is_restarted_and_nothing_is_lost(
    make_app: MakeApp, app_env: AppEnv, tmp_path: Path
) -> None:
    own = LocalServer(port=free_port(), log_path=tmp_path / "log")
    own.ensure()
    app_env.local(own.port)
    try:
        at = send(make_app().run(), "Say hi.")
        assert len(answers(at)) == 1
        assert own.process is not None
        own.process.kill()
        own.process.wait()
        assert own.status() == "down"
        send(at, "Say bye.")
        assert not at.exception
        assert users(at) == ["Say hi.", "Say bye."]
        got = answers(at)
        assert len(got) == 2
        assert all(a.strip() for a in got)
        assert own.status() == "ours"  # the app started it again on the same port
    finally:
        from ui.state import local_server

        local_server().stop()
        own.stop()


@pytest.mark.local_model  # starts its own model server, not the session's
@pytest.mark.timeout(240)
def test_the_first_page_is_drawn_while_the_local_model_starts_and_a_send_waits_for_it(
    make_app: MakeApp, app_env: AppEnv
) -> None:
    from lib.local_model import shared_server

    app_env.local(free_port())
    server = shared_server()  # the one `make run` starts in the background and the page uses
    try:
        with server._lock:  # a start under way, as `make run` begins one before the first page
            assert server.starting
            at = make_app().run()
            assert not at.exception
            assert not at.sidebar.error and not at.error
            assert at.chat_input  # ready for a question at once
            assert sidebar_widget(at, "Model").value == MODEL_ID
            # The Models page too: its card, and no failed listing kept for the rest of the session.
            at.switch_page("app_pages/models.py").run()
            assert not at.exception and not at.error and not at.sidebar.error
            assert at.table[0].value.loc["Name", "Value"] == "SmolLM2 135M Instruct"
            assert server.status() == "down" and server.process is None  # nothing was started or waited for
            at.switch_page("app_pages/playground.py").run()
        # The start is over but nothing listens (the lock was ours): the send starts the server and
        # waits for it, and the answer comes from the real model.
        send(at, "Say hi.")
        assert not at.exception
        assert len(answers(at)) == 1 and answers(at)[0].strip()
        assert server.status() == "ours"
    finally:
        server.stop()


def test_details_on_the_local_model_shows_the_request_that_works_there(local_app: MakeApp) -> None:
    at = local_app().run()
    at.segmented_control(key="api_tier").set_value("Model details").run()
    [curl] = [c.value for c in at.code if c.value.startswith("curl")]
    assert curl.endswith("/v1/models'")  # not /models/{id}: llama.cpp's server answers that with 404
    assert any("has no GET /models/{id}" in c.value for c in at.caption)


def test_cost_comes_from_the_model_object_whatever_the_provider_is_called(make_app: MakeApp, stand_in: StandIn) -> None:
    # An Oxen-style server as "Custom", whose listing leaves the price and the schema to the model object.
    stand_in.listing_drops, stand_in.list_without_schemas = ("pricing",), True
    at = make_app(provider="custom", base_url=stand_in.base_url, model="gpt-oss-120b").run()
    assert at.number_input(key=keys.param("temperature")).placeholder == "Not sent · default 0.7"  # its schema
    send(at, "What does this cost?")
    answer = at.session_state[keys.MESSAGES][-1]
    price = GPT_OSS_120B["pricing"]
    cost = Pricing(price["input_cost_per_token"], price["output_cost_per_token"]).cost(answer.usage)
    assert cost is not None and answer.metrics.cost == cost
    assert f"**Cost** ${cost:.6f}" in next(c.value for c in at.caption if "TTFT" in c.value)
    fetched = [r.path for r in stand_in.requests if r.path.startswith("/api/ai/models/")]
    assert fetched == ["/api/ai/models/gpt-oss-120b"]  # once, then kept for the session


def test_a_plain_listing_costs_no_extra_request(make_app: MakeApp, stand_in: StandIn) -> None:
    stand_in.listing_drops = tuple(k for k in GPT_OSS_120B if k not in ("id", "object", "created", "owned_by"))
    at = make_app(provider="custom", base_url=stand_in.base_url, model="gpt-oss-120b").run()
    send(at, "hi")
    assert [r.path for r in stand_in.requests if r.path.startswith("/api/ai/models/")] == []
    assert "**Cost** unknown" in next(c.value for c in at.caption if "TTFT" in c.value)


MOOD = {
    "type": "object",
    "properties": {"mood": {"enum": ["happy", "sad", "calm"]}, "sunny": {"type": "boolean"}},
    "required": ["mood", "sunny"],
}


def test_a_json_schema_on_the_local_model_is_answered_with_json_that_validates(local_app: MakeApp) -> None:
    at = local_app().run()
    assert at.selectbox(key=keys.param("response_format")).options == ["Text", "JSON object", "JSON schema"]
    at.selectbox(key=keys.param("response_format")).set_value("json_schema").run()
    at.text_area(key=keys.param("response_format", "schema")).set_value(json.dumps(MOOD)).run()
    # The code shows what is really sent: llama.cpp's own form of a JSON schema.
    body = json.loads(curl_code(at).split("-d '", 1)[1].rsplit("'", 1)[0])
    assert body["response_format"] == {"type": "json_object", "schema": MOOD}
    send(at, "How is the weather today?")
    assert not at.exception and [e.value for e in at.error] == []
    [answer] = answers(at)
    jsonschema.validate(json.loads(answer), MOOD)
