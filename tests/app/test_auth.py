"""Streamlit's authentication and the history's owners: with an `[auth]` section in the secrets,
a person signs in before using the app, their email owns what they make, and another person sees
none of it; without one, everyone is `local`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from lib.store import LOCAL_OWNER, Store, open_store
from tests.app.conftest import MakeApp
from tests.support.apptest import answers, send, users
from tests.support.stand_in import StandIn

AUTH = {  # what a team puts in .streamlit/secrets.toml (never used to sign in here)
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "a-long-random-string",
    "client_id": "workbench",
    "client_secret": "not-a-real-secret",
    "server_metadata_url": "https://accounts.example.com/.well-known/openid-configuration",
}
ALICE, BOB = "alice@example.com", "bob@example.com"


@pytest.fixture
def history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path))
    monkeypatch.delenv("WORKBENCH_DATABASE_URL", raising=False)
    opened = open_store(f"sqlite:///{tmp_path / 'workbench.db'}", interrupt=False)
    yield opened
    opened.close()


@pytest.fixture
def signed_in(make_app: MakeApp, app_env: Any, stand_in: StandIn) -> Any:
    """`open(email, **query)`: the app with authentication on, as that person (None: signed out)."""
    app_env.oxen(stand_in.base_url)

    def open_as(email: str | None, **query: str) -> AppTest:
        at = make_app(provider="oxen", model="gpt-oss-120b", **query)
        at.secrets["auth"] = AUTH
        at.user = {"is_logged_in": True, "email": email, "name": email} if email else {"is_logged_in": False}
        return at.run()

    return open_as


def conversation_id(at: AppTest) -> str:
    got = at.query_params["c"]
    return str(got[0] if isinstance(got, list) else got)


def test_signed_out_the_app_asks_to_sign_in_and_shows_nothing_else(signed_in: Any) -> None:
    at = signed_in(None)
    assert not at.exception
    assert [b.label for b in at.button] == ["Log in"]
    assert not at.chat_input and not at.sidebar.selectbox


def test_each_person_owns_their_conversations_and_sees_no_one_elses(signed_in: Any, history: Store) -> None:
    alice = signed_in(ALICE)
    assert any(c.value == f"Signed in as {ALICE}" for c in alice.sidebar.caption)
    assert "Log out" in [b.label for b in alice.sidebar.button]
    send(alice, "Alice's question")
    cid = conversation_id(alice)
    assert history.get_conversation(ALICE, cid).title == "Alice's question"
    assert [c.id for c in history.list_conversations(ALICE).rows] == [cid]
    assert history.list_conversations(BOB).rows == [] and history.list_conversations(LOCAL_OWNER).rows == []

    bob = signed_in(BOB, c=cid)  # Alice's link, opened by Bob: not his, so not found
    assert users(bob) == [] and answers(bob) == []
    assert any("conversation" in n.value.lower() for n in [*bob.info, *bob.warning, *bob.error, *bob.toast])
    send(bob, "Bob's question")
    assert conversation_id(bob) != cid
    assert [c.title for c in history.list_conversations(BOB).rows] == ["Bob's question"]
    assert [c.title for c in history.list_conversations(ALICE).rows] == ["Alice's question"]

    again = signed_in(ALICE, c=cid)  # Alice's own link brings it back
    assert users(again) == ["Alice's question"]


def test_without_authentication_everyone_is_local(make_app: MakeApp, app_env: Any, stand_in: StandIn,
                                                  history: Store) -> None:  # fmt: skip
    app_env.oxen(stand_in.base_url)
    at = make_app(provider="oxen", model="gpt-oss-120b").run()
    assert "Log in" not in [b.label for b in at.button] and "Log out" not in [b.label for b in at.sidebar.button]
    send(at, "a local question")
    assert [c.title for c in history.list_conversations(LOCAL_OWNER).rows] == ["a local question"]
