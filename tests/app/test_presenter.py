"""Presenter mode through AppTest: `?present=1` turns it on; the sidebar then draws no Base URL, API
key or Custom headers and no word on where the key comes from, the Playground folds its form and
API-call panel behind "Show setup", a send still streams and is recorded; turning it off brings
everything back."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.support.apptest import answers, button, send
from tests.support.environment import ENV_KEY
from tests.support.stand_in import StandIn
from ui import keys, presenter, replay


def _labels(at: AppTest) -> set[str]:
    return {w.label for w in [*at.sidebar.text_input, *at.sidebar.text_area, *at.text_area, *at.text_input]}


def _captions(at: AppTest) -> str:
    return "\n".join(c.value for c in at.sidebar.caption)


def test_present_1_hides_the_connection_details_and_leaving_restores_them(oxen_app, stand_in: StandIn) -> None:  # type: ignore[no-untyped-def]
    at: AppTest = oxen_app(present="1")
    assert at.session_state[presenter.TOGGLE] is True
    assert not {"Base URL", "API key", "Custom headers", "System prompt"} & _labels(at)
    assert "from the environment" not in _captions(at)
    assert button(at, "Show setup") is not None
    assert not any(stand_in.base_url in c.value for c in at.code)

    send(at, "Hello there")
    assert answers(at) and "Hello there" in answers(at)[-1]
    assert stand_in.chat_requests()[-1].headers["authorization"] == f"Bearer {ENV_KEY}"
    assert stand_in.chat_requests()[-1].json()["stream"] is True  # the folded form still streams
    assert at.session_state[replay.RECORDINGS]  # recorded as it streamed

    button(at, "Show setup").click().run()
    assert "System prompt" in _labels(at)

    at.sidebar.toggle(key=presenter.TOGGLE).set_value(False).run()
    assert {"Base URL", "API key"} <= _labels(at)
    assert "from the environment" in _captions(at)
    assert at.session_state[keys.base_url("oxen")] == stand_in.base_url
