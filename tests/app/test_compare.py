"""Compare in AppTest against the recording stand-in: panes added and removed, each with its own
parameters; the bodies of one round differ only in the fields "What differs" names; blind mode puts
no model name, provider or base URL anywhere in the page until the vote; a vote is stored and
reveals the names; the leaderboard counts it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from lib.store import open_store
from lib.store.compare import votes
from tests.support.apptest import button
from tests.support.stand_in import StandIn
from ui import keys

COMPARE = "app_pages/compare.py"
OTHER = "oxen-model-01"  # a second model of the stand-in's catalog


def open_compare(oxen_app: Callable[..., AppTest], **query: str) -> AppTest:
    at: AppTest = oxen_app(**query)
    at.switch_page(COMPARE).run()
    assert not at.exception, at.exception
    return at


def protos(node: Any) -> Iterator[str]:
    """Everything the page sends the browser, element by element (values, labels, options, keys)."""
    proto = getattr(node, "proto", None)
    if proto is not None:
        yield str(proto)
    for child in getattr(node, "children", {}).values():
        yield from protos(child)


def page_text(at: AppTest) -> str:
    return "\n".join(protos(at._tree))


def pane_ids(at: AppTest) -> list[str]:
    """The widget-key prefix of each pane's setup (cmp<id>), in the order drawn."""
    return [b.key.removesuffix("-continue") for b in at.button if b.key and b.key.endswith("-continue")]


def open_setup(at: AppTest, pane: str) -> AppTest:
    """Open the pane's Setup popover (its fields are drawn only while it is open)."""
    at.session_state[f"{pane}-setup"] = True
    return at.run()


def set_pane(at: AppTest, pane: str, model: str | None = None, **numbers: float) -> AppTest:
    open_setup(at, pane)
    if model is not None:
        at.text_input(key=f"{pane}-model").set_value(model).run()
    for name, value in numbers.items():
        at.number_input(key=f"{pane}-{keys.param(name)}").set_value(value).run()
    at.session_state[f"{pane}-setup"] = False
    return at.run()


def send(at: AppTest, text: str) -> AppTest:
    at.chat_input[0].set_value(text).run()
    assert not at.exception, at.exception
    return at


def differs(at: AppTest) -> list[str]:
    line = [c.value for c in at.caption if c.value.startswith("What differs:")]
    assert len(line) == 1, line
    rest = line[0].removeprefix("What differs: ")
    return [] if rest.startswith("nothing") else rest.split(", ")


def test_panes_are_added_and_removed_and_each_sends_its_own_parameters(
    oxen_app: Callable[..., AppTest], stand_in: StandIn
) -> None:
    at = open_compare(oxen_app)
    assert len(pane_ids(at)) == 2
    button(at, "Add pane").click().run()
    ids = pane_ids(at)
    assert len(ids) == 3
    set_pane(at, ids[1], temperature=0.8)
    set_pane(at, ids[2], OTHER, max_tokens=50, seed=7)
    send(at, "hello panes")
    bodies = sorted((r.json() for r in stand_in.chat_requests()), key=lambda b: (b["model"], "temperature" in b))
    assert len(bodies) == 3
    plain, warm, other = bodies
    assert "temperature" not in plain and warm["temperature"] == 0.8 and plain["model"] == warm["model"]
    assert other["model"] == OTHER and other["max_tokens"] == 50 and other["seed"] == 7
    assert all(b["messages"] == [{"role": "user", "content": "hello panes"}] for b in bodies)
    # Remove the middle pane: two are left, the others keep their setup.
    at.button(key=f"{ids[1]}-remove").click().run()
    assert pane_ids(at) == [ids[0], ids[2]]
    assert open_setup(at, ids[2]).text_input(key=f"{ids[2]}-model").value == OTHER
    assert not [b for b in at.button if b.key and b.key.endswith("-remove")]  # two is the least


def test_the_bodies_of_a_round_differ_only_in_what_differs_names(
    oxen_app: Callable[..., AppTest], stand_in: StandIn
) -> None:
    at = open_compare(oxen_app)
    assert differs(at) == []
    ids = pane_ids(at)
    set_pane(at, ids[0], temperature=0.2)
    set_pane(at, ids[1], OTHER, temperature=0.9, top_p=0.5)
    send(at, "same question")
    named = differs(at)
    assert named == ["model", "temperature", "top_p"]
    a, b = (r.json() for r in stand_in.chat_requests())
    differing = [k for k in dict.fromkeys([*a, *b]) if a.get(k) != b.get(k)]
    assert differing == named
    # A follow-up continues each pane's own conversation: the earlier answers are the same echo,
    # so the bodies still differ only there.
    stand_in.requests.clear()
    send(at, "and again")
    a, b = (r.json() for r in stand_in.chat_requests())
    assert [m["role"] for m in a["messages"]] == ["user", "assistant", "user"]
    assert [k for k in dict.fromkeys([*a, *b]) if a.get(k) != b.get(k)] == differs(at)


def test_blind_mode_hides_every_name_until_the_vote_which_is_stored_and_reveals_them(
    oxen_app: Callable[..., AppTest], stand_in: StandIn
) -> None:
    at = open_compare(oxen_app, models=f"gpt-oss-120b,{OTHER}")
    assert at.query_params["models"] in (f"gpt-oss-120b,{OTHER}", [f"gpt-oss-120b,{OTHER}"])
    secrets = ["gpt-oss-120b", OTHER, "Oxen.ai", "oxen", stand_in.base_url, f"127.0.0.1:{stand_in.port}"]
    assert "gpt-oss-120b" in page_text(at) and OTHER in page_text(at)  # shown while not blind
    at.toggle(key="compare_blind").set_value(True).run()
    send(at, "who are you")
    assert len(stand_in.chat_requests()) == 2
    text = page_text(at).lower()
    for secret in secrets:
        assert secret.lower() not in text, f"{secret!r} is on the page in blind mode"
    assert all(secret not in str(dict(at.query_params)) for secret in secrets)
    assert "Model A" in page_text(at) and "Model B" in page_text(at)
    assert "Continue in Playground" in [b.label for b in at.button]
    # Vote: stored with each pane's name, and the names are revealed.
    button(at, "A is better").click().run()
    assert not at.exception, at.exception
    store = open_store()
    try:
        cast = votes(store, "local")
    finally:
        store.close()
    assert len(cast) >= 1
    vote = cast[-1]
    assert sorted(vote.panes) == sorted(["gpt-oss-120b (Oxen.ai)", f"{OTHER} (Oxen.ai)"])
    assert isinstance(vote.outcome, int)
    text = page_text(at)
    assert "gpt-oss-120b (Oxen.ai)" in text and f"{OTHER} (Oxen.ai)" in text
    assert "Model A" not in [m.value for m in at.markdown]
    # The leaderboard counts the vote: the winner first.
    board = [df.value for df in at.dataframe if "Elo" in df.value.columns]
    assert board and board[0].iloc[0]["Model"] == vote.panes[vote.outcome]


@pytest.fixture(autouse=True)
def _fresh_history(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test on its own empty history, so the votes read back are this test's."""
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path))
    monkeypatch.delenv("WORKBENCH_DATABASE_URL", raising=False)


def test_continue_in_playground_takes_the_panes_conversation_and_setup(
    oxen_app: Callable[..., AppTest], stand_in: StandIn
) -> None:
    at = open_compare(oxen_app)
    ids = pane_ids(at)
    set_pane(at, ids[1], OTHER, temperature=0.3)
    send(at, "carry on")
    at.button(key=f"{ids[1]}-continue").click().run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Playground" or "Playground" in [t.value for t in at.title]
    assert at.sidebar.selectbox(key="model_oxen").value == OTHER
    texts = [m.markdown[0].value for m in at.chat_message if m.markdown]
    assert texts[:2] == ["carry on", "You said: carry on"]
    assert at.number_input(key="param_temperature").value == 0.3


def test_a_panes_setup_is_the_playgrounds_form_for_its_model(
    oxen_app: Callable[..., AppTest], stand_in: StandIn
) -> None:
    """The pane's Setup draws the Playground's schema-driven form (same fields, same checks, "Other
    parameters"), under the pane's own keys; a field with a problem says so and is not sent."""
    playground = oxen_app()
    playground_fields = [w.label for w in playground.number_input if w.key and w.key.startswith("param_")]
    at = open_compare(oxen_app)
    pane = pane_ids(at)[0]
    open_setup(at, pane)
    own = [w for w in at.number_input if w.key and w.key.startswith(f"{pane}-param_")]
    assert [w.label for w in own] == playground_fields and len(own) >= 3
    at.number_input(key=f"{pane}-{keys.param('temperature')}").set_value(5.0).run()
    assert any("Temperature" in e.value for e in at.error)  # said under the field
    at.text_area(key=f"{pane}-{keys.PARAM_EXTRA}").set_value('{"top_k": 40}').run()
    send(at, "with my setup")
    # Never sent with a problem, nor with the setup from before it: that pane says why, the others answer.
    sent = [r.json() for r in stand_in.chat_requests()]
    assert len(sent) == len(pane_ids(at)) - 1 and all(b.get("temperature") != 5.0 for b in sent)
    assert any("Not sent:" in m.value and "Temperature" in m.value and "Setup" in m.value
               for m in [*at.markdown, *at.error, *at.caption])  # fmt: skip
    at.number_input(key=f"{pane}-{keys.param('temperature')}").set_value(0.3).run()
    at.text_area(key=f"{pane}-{keys.PARAM_EXTRA}").set_value('{"top_k": 40}').run()
    stand_in.requests.clear()
    send(at, "and fixed")
    bodies = [r.json() for r in stand_in.chat_requests()]
    mine = [b for b in bodies if b.get("temperature") == 0.3]
    assert len(mine) == 1 and mine[0]["top_k"] == 40 and mine[0]["stream"] is True
