"""Scenarios: made from a recorded conversation, saved in one app home's store, exported as one
file, imported into a second home, and replayed there to the same text with no server; never a key
in the file; a damaged file is one sentence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lib.client import ChatClient
from lib.events import Done, TextDelta
from lib.providers import Provider
from lib.recording import Recorder, from_json, replay
from lib.request import ChatRequest, Message
from lib.scenarios import Scenario, export_text, from_conversation, import_text
from lib.store import open_store
from tests.support.stand_in import Behaviour, StandIn

KEY = "sk-scenario-canary-31f9"


def _recorded_answer(oxen: Provider, stand_in: StandIn, prompt: str) -> dict[str, object]:
    stand_in.then(Behaviour(tokens=[f"{prompt} ", "answered ", "slowly."], token_interval=0.05))
    request = ChatRequest(oxen, "gpt-oss-120b", [Message("user", prompt)], {"stream": True})
    recorder = Recorder()
    with ChatClient() as client:
        for event in client.stream(request, KEY):
            recorder.add(event)
    return recorder.recording.to_json()


def test_a_scenario_exported_on_one_home_replays_the_same_text_on_another(
    oxen: Provider, stand_in: StandIn, tmp_path: Path
) -> None:
    turns = [(p, _recorded_answer(oxen, stand_in, p)) for p in ("First", "Second")]
    params = {"temperature": 0.3, "max_tokens": 64, "api_key": KEY, "user": f"Bearer {KEY}"}
    made = from_conversation("  Launch   demo ", "oxen", "gpt-oss-120b", oxen.base_url, params, "Be brief.", turns)
    assert made.name == "Launch demo" and made.params == {"temperature": 0.3, "max_tokens": 64}

    desk = open_store(f"sqlite:///{tmp_path / 'desk' / 'workbench.db'}")
    (tmp_path / "desk").mkdir(exist_ok=True)
    saved = desk.save_scenario("local", made.name, made.to_json())
    file_text = export_text(import_text(json.dumps(desk.get_scenario("local", saved.id).data)))
    desk.close()
    assert KEY not in file_text

    laptop_home = tmp_path / "laptop"
    laptop_home.mkdir()
    laptop = open_store(f"sqlite:///{laptop_home / 'workbench.db'}")
    got = import_text(file_text)
    laptop.save_scenario("local", got.name, got.to_json())
    [listed] = laptop.list_scenarios("local")
    back = import_text(json.dumps(listed.data))
    laptop.close()
    assert (back.provider_id, back.model, back.system) == ("oxen", "gpt-oss-120b", "Be brief.")
    assert [s.prompt for s in back.steps] == ["First", "Second"]

    served = len(stand_in.requests)
    for step, (_, original) in zip(back.steps, turns, strict=True):
        assert step.recording is not None
        text = "".join(e.text for e in replay(from_json(step.recording), speed=4.0) if isinstance(e, TextDelta))
        done = list(replay(from_json(step.recording), speed=100.0))[-1]
        assert isinstance(done, Done)
        assert text == done.result.text == from_json(original).text == f"{step.prompt} answered slowly."
    assert len(stand_in.requests) == served  # replayed with no server asked


@pytest.mark.parametrize(
    ("text", "says"),
    [("not json", "not JSON"), ("{}", "not a Workbench scenario"),
     ('{"format": "workbench-scenario", "version": 9}', "another version"),
     ('{"format": "workbench-scenario", "version": 1, "name": "x", "setup": {}, "steps": []}', "damaged"),
     ('{"format": "workbench-scenario", "version": 1, "name": "x", "setup": {"provider": "oxen", "model": "m"},'
      ' "steps": [{"prompt": "hi", "recording": {"v": 1, "c": [[5, 1]]}}]}', "recording")],
)  # fmt: skip
def test_a_damaged_file_is_one_sentence(text: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        import_text(text)


def test_a_scenario_needs_a_name_and_a_question() -> None:
    with pytest.raises(ValueError, match="name"):
        from_conversation(" ", "oxen", "m", None, {}, "", [("hi", None)])
    with pytest.raises(ValueError, match="question"):
        from_conversation("x", "oxen", "m", None, {}, "", [])
    assert isinstance(from_conversation("x", "local", "m", None, {}, "", [("hi", None)]), Scenario)
