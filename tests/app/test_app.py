"""The app's logic through AppTest: the shared connection, deep links, chat, a killed local model."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from lib.local_model import MODEL_ID, LocalServer
from tests.support.stand_in import StandIn, free_port

SECRET = "sk-apptest-secret-42"


def sidebar_value(at: AppTest, label: str):  # type: ignore[no-untyped-def]
    for kind in (at.sidebar.selectbox, at.sidebar.text_input):
        for w in kind:
            if w.label == label:
                return w
    raise AssertionError(f"no sidebar widget labelled {label!r}")


def answers(at: AppTest) -> list[str]:
    return [m.markdown[0].value for m in at.chat_message if m.name == "assistant" and m.markdown]


def test_defaults_to_local_model_with_contract_labels(make_app) -> None:  # type: ignore[no-untyped-def]
    at = make_app().run()
    assert not at.exception
    assert sidebar_value(at, "Provider").value == "local"
    assert sidebar_value(at, "Model").value == MODEL_ID
    assert sidebar_value(at, "Base URL").disabled
    assert at.chat_input[0].placeholder.startswith("Send a message")
    assert at.title[0].value == "Playground"


def test_chat_with_local_model(make_app) -> None:  # type: ignore[no-untyped-def]
    at = make_app().run()
    at.chat_input[0].set_value("Say hello in one word.").run()
    assert not at.exception
    got = answers(at)
    assert len(got) == 1 and got[0].strip()
    assert any("TTFT" in c.value for c in at.caption)


def test_key_from_environment_goes_to_its_provider(make_app, stand_in: StandIn, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("OXEN_BASE_URL", stand_in.base_url)
    monkeypatch.setenv("OXEN_API_KEY", SECRET)
    at = make_app(provider="oxen", model="gpt-oss-120b").run()
    assert sidebar_value(at, "Provider").value == "oxen"
    assert any("from the environment" in c.value for c in at.sidebar.caption)
    at.chat_input[0].set_value("Hello there").run()
    assert answers(at) == ["You said: Hello there"]
    sent = stand_in.chat_requests()[-1]
    assert sent.headers["authorization"] == f"Bearer {SECRET}"
    assert sent.json()["model"] == "gpt-oss-120b"


def test_link_base_url_never_receives_environment_key(make_app, stand_in: StandIn, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("OXEN_API_KEY", SECRET)  # configured for the real hub, not the link's URL
    at = make_app(provider="oxen", base_url=stand_in.base_url, model="gpt-oss-120b").run()
    assert sidebar_value(at, "Base URL").value == stand_in.base_url
    assert any("only sent to https://hub.oxen.ai" in c.value for c in at.sidebar.caption)
    at.chat_input[0].set_value("Hello").run()
    assert any("needs an API key" in e.value for e in at.error)
    assert stand_in.chat_requests() == []
    assert all(SECRET not in str(r.headers) and SECRET.encode() not in r.body for r in stand_in.requests)
    # A key typed for that URL is sent there.
    sidebar_value(at, "API key").set_value("sk-typed-for-link").run()
    at.chat_input[0].set_value("Hello").run()
    assert "You said: Hello" in answers(at)
    assert stand_in.chat_requests()[-1].headers["authorization"] == "Bearer sk-typed-for-link"


def test_connection_survives_page_switches(make_app, stand_in: StandIn) -> None:  # type: ignore[no-untyped-def]
    at = make_app().run()
    sidebar_value(at, "Provider").set_value("custom").run()
    sidebar_value(at, "Base URL").set_value(stand_in.base_url).run()
    sidebar_value(at, "Model").set_value("gpt-oss-120b").run()
    at.switch_page("app_pages/models.py").run()
    assert at.title[0].value == "Models"
    at.switch_page("app_pages/playground.py").run()
    assert sidebar_value(at, "Provider").value == "custom"
    assert sidebar_value(at, "Base URL").value == stand_in.base_url
    assert sidebar_value(at, "Model").value == "gpt-oss-120b"
    sidebar_value(at, "Provider").set_value("local").run()
    sidebar_value(at, "Provider").set_value("custom").run()
    assert sidebar_value(at, "Base URL").value == stand_in.base_url


def test_invalid_base_url_is_one_sentence(make_app) -> None:  # type: ignore[no-untyped-def]
    at = make_app().run()
    sidebar_value(at, "Provider").set_value("custom").run()
    sidebar_value(at, "Base URL").set_value("not a url").run()
    assert not at.exception
    assert any("not a valid http(s) base URL" in e.value for e in at.sidebar.error)


def test_unreachable_provider_keeps_conversation(make_app, stand_in: StandIn) -> None:  # type: ignore[no-untyped-def]
    at = make_app().run()
    sidebar_value(at, "Provider").set_value("custom").run()
    sidebar_value(at, "Base URL").set_value(stand_in.base_url).run()
    sidebar_value(at, "Model").set_value("gpt-oss-120b").run()
    at.chat_input[0].set_value("first").run()
    sidebar_value(at, "Base URL").set_value(f"http://127.0.0.1:{free_port()}/v1").run()
    sidebar_value(at, "Model").set_value("gpt-oss-120b").run()
    at.chat_input[0].set_value("second").run()
    assert not at.exception
    assert "You said: first" in answers(at)
    assert any("connection refused" in e.value for e in at.error)
    assert [m.markdown[0].value for m in at.chat_message if m.name == "user"] == ["first", "second"]


@pytest.mark.timeout(240)
def test_killed_local_model_is_restarted_and_nothing_is_lost(make_app, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    own = LocalServer(port=free_port(), log_path=tmp_path / "log")
    own.ensure()
    monkeypatch.setenv("WORKBENCH_LOCAL_PORT", str(own.port))
    try:
        at = make_app().run()
        at.chat_input[0].set_value("Say hi.").run()
        assert len(answers(at)) == 1
        own.process.kill()  # type: ignore[union-attr]
        own.process.wait()  # type: ignore[union-attr]
        assert own.status() == "down"
        at.chat_input[0].set_value("Say bye.").run()
        assert not at.exception
        assert [m.markdown[0].value for m in at.chat_message if m.name == "user"] == ["Say hi.", "Say bye."]
        assert len(answers(at)) == 2 and all(a.strip() for a in answers(at))
        assert own.status() == "ours"  # the app started it again on the same port
    finally:
        from ui.state import local_server

        local_server().stop()
        own.stop()
