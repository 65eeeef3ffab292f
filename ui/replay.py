"""Record and Replay in the Playground. Every streamed answer is recorded in memory with its chunk
timing (ui/chat.py's stream_into); "Record" keeps it with the answer in the history store (at once in
presenter mode); "Replay" plays it again at its pace, or 2x, drawn by the same live Markdown and
metrics strip, with no network and no model, marked "Replayed"."""

from __future__ import annotations

from typing import Any

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from lib.conversation import ChatMessage
from lib.events import Done, ReasoningDelta, TextDelta
from lib.recording import Recording, from_json, replay
from lib.store import StoreError
from ui import history_state, presenter
from ui.auth import owner
from ui.live_markdown import LiveMarkdown, LiveReasoning

RECORDINGS = "recordings"  # chat message id -> the recording's JSON, for this session's answers
KEPT = "recordings_kept"  # chat message ids whose recording is in the store
REPLAYED = "replayed"  # chat message ids drawn from a recording
PENDING = "replay_pending"  # (recording JSON, speed, id of the answer it replaces or None) for the next run
REPLAYED_MARK = ":material/replay: Replayed"


def _recordings() -> dict[int, dict[str, Any]]:
    found: dict[int, dict[str, Any]] = st.session_state.setdefault(RECORDINGS, {})
    return found


def _kept() -> set[int]:
    found: set[int] = st.session_state.setdefault(KEPT, set())
    return found


def _stored_id(msg: ChatMessage) -> str | None:
    held = history_state._ids().get(msg.id)
    return str(held[0]) if held else None


def captured(msg: ChatMessage, recording: Recording) -> None:
    """An answer that just ended, with its recording; kept at once in presenter mode."""
    if not recording.chunks:
        return
    _recordings()[msg.id] = recording.to_json()
    if presenter.active():
        keep(msg)


def keep(msg: ChatMessage) -> bool:
    """Store the answer's recording with it; False (and nothing said) when history is off."""
    s, stored, data = history_state.store(), _stored_id(msg), _recordings().get(msg.id)
    if s is None or stored is None or data is None:
        return False
    try:
        s.save_recording(owner(), stored, data)
    except StoreError:
        return False
    _kept().add(msg.id)
    return True


def recording_of(msg: ChatMessage) -> dict[str, Any] | None:
    """The answer's recording: this session's, or the one kept in the store (a reopened conversation)."""
    data = _recordings().get(msg.id)
    if data is not None:
        return data
    s, stored = history_state.store(), _stored_id(msg)
    if s is None or stored is None:
        return None
    try:
        data = s.recording(owner(), stored)
    except StoreError:
        return None
    if data is not None:
        _recordings()[msg.id] = data
        _kept().add(msg.id)
    return data


def actions(msg: ChatMessage, row: DeltaGenerator, messages: list[ChatMessage]) -> None:
    """Under an answer: "Replayed" when it was, "Record" while its recording is only in memory,
    "Replay" and "Replay 2×" on the last answer when it has one."""
    ss = st.session_state
    if msg.role != "assistant" or msg.status == "running":
        return
    if msg.id in ss.get(REPLAYED, set()):
        row.caption(REPLAYED_MARK)
    data = recording_of(msg)
    if data is None:
        return
    unkept = msg.id not in _kept() and history_state.store() is not None
    if unkept and row.button("Record", key=f"record-{msg.id}", icon=":material/radio_button_checked:", type="tertiary"):
        keep(msg)
        st.rerun()
    if messages and messages[-1] is msg:
        for speed, label in ((1.0, "Replay"), (2.0, "Replay 2×")):
            if row.button(label, key=f"replay-{speed}-{msg.id}", icon=":material/replay:", type="tertiary"):
                ss[PENDING] = (data, speed, msg.id)
                st.rerun()


def queue(data: dict[str, Any], speed: float = 1.0) -> None:
    """Play `data` as the next answer (a scenario's recorded answer to the question just added)."""
    st.session_state[PENDING] = (data, speed, None)


def take_pending(messages: list[ChatMessage]) -> tuple[dict[str, Any], float, int | None] | None:
    """Before the conversation is drawn: the queued replay, with the answer it replaces taken out
    (it is drawn again as it streams)."""
    job: tuple[dict[str, Any], float, int | None] | None = st.session_state.pop(PENDING, None)
    if job is not None and job[2] is not None and messages and messages[-1].id == job[2]:
        messages.pop()
    return job


def run(job: tuple[dict[str, Any], float, int | None], messages: list[ChatMessage], box: DeltaGenerator,
        new_message: Any) -> None:  # fmt: skip
    """Play a taken replay as the conversation's new last answer, in `box`; a damaged recording
    becomes the answer's error sentence."""
    data, speed, replaces = job
    answer: ChatMessage = new_message("assistant")
    messages.append(answer)
    try:
        recording = from_json(data)
    except ValueError as exc:
        answer.status, answer.error = "error", str(exc)
        st.rerun()
    _recordings()[answer.id] = data
    if replaces is not None and replaces in _kept():
        _kept().add(answer.id)
    with box:
        play_into(answer, recording, speed)
    st.session_state.setdefault(REPLAYED, set()).add(answer.id)
    st.rerun()


def play_into(msg: ChatMessage, recording: Recording, speed: float = 1.0) -> None:
    """Draw the recording as it streamed: the same live Markdown, then the recorded metrics."""
    msg.start(None)
    with st.container(key="replay-answer"), st.chat_message("assistant"):
        reasoning = LiveReasoning()
        live = LiveMarkdown()
        live.waiting()
        st.caption(REPLAYED_MARK)
    for event in replay(recording, speed):
        if isinstance(event, TextDelta):
            if msg.reasoning:
                reasoning.update(msg.reasoning, final=True)
            msg.content += event.text
            live.update(msg.content)
        elif isinstance(event, ReasoningDelta):
            msg.reasoning += event.text
            reasoning.update(msg.reasoning)
        elif isinstance(event, Done):
            msg.record(event.result)
            live.update(msg.content, final=True)
