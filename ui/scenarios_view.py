"""The "Scenarios" list in presenter mode (sidebar): save the Playground's conversation as a scenario,
click one to load its setup and send its first prompt, "Live" (the model answers) or "Replay" (its
recording does); then "Next prompt" under the chat sends the next. A live answer that fails offers
its recording in one click. Export a scenario as one file; import one."""

from __future__ import annotations

from typing import Any

import streamlit as st

from lib.conversation import ChatMessage
from lib.params import specs_for
from lib.scenarios import Scenario, export_text, from_conversation, from_json, import_text
from lib.store import StoreError
from ui import form, history_state, keys, presenter, replay
from ui.auth import owner
from ui.state import Connection, new_message, set_later

RUN = "scenario_run"  # {"scenario": Scenario JSON, "next": index of the next prompt}
MODE = "scenario_mode"  # "Live" or "Replay"
RESULT = "scenario_result"  # ("ok" | "error", sentence) shown once


def _say(kind: str, text: str) -> None:
    st.session_state[RESULT] = (kind, text)


def _turns(messages: list[ChatMessage]) -> list[tuple[str, dict[str, Any] | None]]:
    """Each question with the recording of the answer that follows it (None when there is none)."""
    turns: list[tuple[str, dict[str, Any] | None]] = []
    for i, msg in enumerate(messages):
        if msg.role != "user":
            continue
        answer = messages[i + 1] if i + 1 < len(messages) and messages[i + 1].role == "assistant" else None
        turns.append((msg.content, replay.recording_of(answer) if answer else None))
    return turns


def _save(messages: list[ChatMessage], conn: Connection | None) -> None:
    ss, s = st.session_state, history_state.store()
    if conn is None or s is None:
        _say("error", "Saving a scenario needs a model chosen and the history store on.")
        return
    params, _ = form.values(specs_for(conn.model_info, local=conn.provider.local))
    try:
        made = from_conversation(ss.get("scenario_name", ""), conn.provider.id, conn.model,
                                 None if conn.provider.local else conn.provider.base_url, params,
                                 ss.get(keys.SYSTEM, ""), _turns(messages))  # fmt: skip
        s.save_scenario(owner(), made.name, made.to_json())
    except (ValueError, StoreError) as exc:
        _say("error", str(exc))
        return
    recorded = sum(1 for step in made.steps if step.recording)
    _say("ok", f"Saved “{made.name}”: {len(made.steps)} prompt(s), {recorded} with a recorded answer.")


def _ask(messages: list[ChatMessage], scenario: Scenario, index: int) -> None:
    """Send the scenario's prompt `index`, answered live or by its recording."""
    ss = st.session_state
    step = scenario.steps[index]
    ss[RUN] = {"scenario": scenario.to_json(), "next": index + 1}
    messages.append(new_message("user", step.prompt))
    if ss.get(MODE, "Live") == "Replay" and step.recording is not None:
        replay.queue(step.recording)
    else:
        ss[keys.RETRY] = True  # the Playground sends it


def _start(messages: list[ChatMessage], data: dict[str, Any]) -> None:
    """Load the scenario's setup into a new chat and send its first prompt (a button's callback:
    widgets can still be set)."""
    try:
        scenario = from_json(data)
    except ValueError as exc:
        _say("error", str(exc))
        return
    history_state.new_chat(messages)
    pid = scenario.provider_id
    pending: dict[str, Any] = {keys.PROVIDER: pid, keys.model(pid): scenario.model, keys.SYSTEM: scenario.system}
    if scenario.base_url and pid != "local":
        pending[keys.base_url(pid)] = scenario.base_url
    set_later(pending)
    form.load(specs_for(None), scenario.params)
    _ask(messages, scenario, 0)


def _import() -> None:
    ss, s = st.session_state, history_state.store()
    upload = ss.get("scenario_import")
    if upload is None:
        return
    if s is None:
        _say("error", "Importing a scenario needs the history store on.")
        return
    try:
        scenario = import_text(upload.getvalue())
        s.save_scenario(owner(), scenario.name, scenario.to_json())
    except (ValueError, StoreError) as exc:
        _say("error", str(exc))
        return
    _say("ok", f"Imported “{scenario.name}” ({len(scenario.steps)} prompt(s)).")


def sidebar(messages: list[ChatMessage], conn: Connection | None) -> None:
    """The Scenarios list, in presenter mode only."""
    s = history_state.store()
    if not presenter.active() or s is None:
        return
    with st.sidebar, st.container(key="scenarios"):
        st.markdown("### Scenarios")
        st.segmented_control("Answers", ["Live", "Replay"], key=MODE, default="Live",
                             help="Live: the model answers. Replay: its recorded answer plays, offline.")  # fmt: skip
        try:
            saved = s.list_scenarios(owner())
        except StoreError as exc:
            st.caption(str(exc))
            saved = []
        if not saved:
            st.caption("No scenario yet: have a conversation, then save it here.")
        for item in saved:
            row = st.container(horizontal=True, vertical_alignment="center")
            row.button(item.name, key=f"scenario-{item.id}", on_click=_start, args=(messages, item.data),
                       icon=":material/play_arrow:", width="stretch")  # fmt: skip
            try:
                text = export_text(from_json(item.data))
            except ValueError:
                continue
            row.download_button("Export", text, file_name=f"{item.name}.scenario.json", mime="application/json",
                                key=f"scenario-export-{item.id}", on_click="ignore", type="tertiary",
                                icon=":material/download:")  # fmt: skip
        with st.expander("Save or import"):
            st.text_input("Scenario name", key="scenario_name", placeholder="e.g. Launch demo")
            st.button("Save conversation as scenario", on_click=_save, args=(messages, conn), disabled=not messages)
            st.file_uploader("Import scenario", type=["json"], key="scenario_import", on_change=_import)
        result = st.session_state.pop(RESULT, None)
        if result:
            (st.success if result[0] == "ok" else st.error)(result[1])


def next_prompt(messages: list[ChatMessage], busy: bool) -> None:
    """Under the chat, while a scenario runs: "Next prompt" and, under a failed live answer, the
    one click that plays its recording instead."""
    ss = st.session_state
    run = ss.get(RUN)
    if not presenter.active() or not run or busy:
        return
    try:
        scenario = from_json(run["scenario"])
    except ValueError:
        ss.pop(RUN, None)
        return
    done = run["next"]
    last = messages[-1] if messages else None
    step = scenario.steps[done - 1] if 0 < done <= len(scenario.steps) else None
    row = st.container(horizontal=True, key="scenario-next")
    failed = last is not None and last.role == "assistant" and last.status == "error"
    if failed and step and step.recording and row.button("Play its recording instead", type="primary"):
        messages.pop()
        replay.queue(step.recording)
        st.rerun()
    if done < len(scenario.steps):
        following = scenario.steps[done].prompt
        if row.button(f"Next prompt: {following[:60]}", key="scenario-next-button", icon=":material/skip_next:"):
            _ask(messages, scenario, done)
            st.rerun()
    else:
        row.caption(f"End of “{scenario.name}”.")
