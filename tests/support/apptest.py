"""Reading and driving the app through AppTest: the one `send`, `answers` and friends every page test uses."""

from __future__ import annotations

from typing import Any

from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Button, Selectbox, TextInput

from lib.client import ChatClient
from lib.errors import WorkbenchError
from lib.providers import Provider
from lib.request import ChatRequest, Message


def send(at: AppTest, text: str) -> AppTest:
    """Type `text` in the chat input and send it (the run streams the answer to its end)."""
    return at.chat_input[0].set_value(text).run()


def answers(at: AppTest) -> list[str]:
    """The text of each assistant message that has text, in order."""
    return [m.markdown[0].value for m in at.chat_message if m.name == "assistant" and m.markdown]


def users(at: AppTest) -> list[str]:
    return [m.markdown[0].value for m in at.chat_message if m.name == "user" and m.markdown]


def button(at: AppTest, label: str) -> Button:
    """The one button labelled `label` (the UI contract's names); fails when there is none or several."""
    found = [b for b in at.button if b.label == label]
    assert len(found) == 1, f"{len(found)} buttons labelled {label!r}"
    return found[0]


def sidebar_widget(at: AppTest, label: str) -> Selectbox[Any] | TextInput:
    """The sidebar's select box or text input labelled `label`."""
    found: list[Selectbox[Any] | TextInput] = [
        w for w in [*at.sidebar.selectbox, *at.sidebar.text_input] if w.label == label
    ]
    assert len(found) == 1, f"{len(found)} sidebar widgets labelled {label!r}"
    return found[0]


def codes(at: AppTest) -> list[str]:
    return [c.value for c in at.code]


def curl_code(at: AppTest) -> str:
    """The API-call panel's cURL chat request."""
    found = [c for c in codes(at) if c.startswith("curl") and "/chat/completions" in c]
    assert len(found) == 1, f"{len(found)} cURL chat requests on the page"
    return found[0]


def engine_error(provider: Provider, model: str, messages: list[Message], key: str | None) -> WorkbenchError:
    """What the engine itself fails with when asked this directly (streamed, as the Playground asks):
    the error a page must show as it is."""
    with ChatClient() as client:
        result = client.complete(ChatRequest(provider, model, messages, {"stream": True}), key)
    assert result.error is not None, f"the engine got an answer: {result.text!r}"
    return result.error
