"""The Playground's link to the history store (lib/store): the store opened once per process, the
owner, the conversation in the URL (`?c=<id>`), messages and runs written as they happen, a stored
conversation or a preset brought back into the form. A store that cannot be used turns history off
with one sentence; the Playground chats on without it."""

from __future__ import annotations

from typing import Any

import streamlit as st

from lib.conversation import ChatMessage
from lib.params import specs_for
from lib.providers import Extras, Provider
from lib.request import ChatRequest, to_http
from lib.share import Setup
from lib.store import NotFound, RunWriter, Store, StoreError, StoreUnavailable, open_store
from lib.store.database import database_url
from lib.store.redact import setup_json
from ui import custom_setup, form, keys
from ui.auth import owner
from ui.state import providers, set_later

CONVERSATION = "history_conversation"  # the stored conversation the Playground shows, or None
IDS = "history_ids"  # chat message id -> [stored id, its text when stored (None: a run, not checked yet)]
RUN = "history_run"  # (chat message id, run id) of the latest run, until its end is known
DETACHED = "history_detached"  # the conversation "Clear" left, brought back by "Undo clear"
SAVED_SETUP = "history_saved_setup"  # the setup last written to the conversation (as stored)
SHOWN = "history_shown"  # (conversation id, stored ids) the store last noted as on screen
PROBLEM = "history_problem"  # a store error met mid-session: history is off for this session
LOAD_PRESET = "history_load_preset"  # a preset to put into the form on the next full run
PRESET_NOTE = "history_preset_note"  # ("ok" | "error", sentence) under the presets
OFF = "History is off"
PAGE = "playground"


@st.cache_resource(show_spinner=False)
def _open(url: str) -> Store | StoreUnavailable:
    """One store per process and database (its engine is thread-safe); a store that cannot be
    opened is remembered too, so every page run does not wait on it again."""
    try:
        return open_store(url)
    except StoreUnavailable as exc:
        return exc


def store() -> Store | None:
    """The store, or None when history is off (`problem()` says why)."""
    if st.session_state.get(PROBLEM):
        return None
    opened = _open(database_url())
    return opened if isinstance(opened, Store) else None


def problem() -> str | None:
    """Why history is off, as one sentence; None when it is on."""
    if st.session_state.get(PROBLEM):
        return f"{OFF}: {st.session_state[PROBLEM]}"
    opened = _open(database_url())
    return f"{OFF}: {opened}" if isinstance(opened, StoreUnavailable) else None


def turn_off(exc: StoreError) -> None:
    """The store failed mid-session: history is off for this session, said once in the banner."""
    st.session_state[PROBLEM] = str(exc)


def banner() -> None:
    """The one sentence that says history is off, and why."""
    why = problem()
    if why:
        st.warning(why, icon=":material/history_toggle_off:")


def _ids() -> dict[int, list[Any]]:
    ids: dict[int, list[Any]] = st.session_state.setdefault(IDS, {})
    return ids


def current_setup(provider: Provider, model: str, params: dict[str, Any], system: str,
                  variables: dict[str, str]) -> Setup:  # fmt: skip
    """The Playground's setup as the store keeps it (the store's redaction drops any credential)."""
    base_url = None if provider.local else provider.base_url
    return Setup(provider.id, model, base_url, dict(params), system, dict(variables), [],
                 custom_setup.shareable(provider))  # fmt: skip


def keep_setup(setup: Setup) -> None:
    """Keep the form's setup with the conversation whenever it changes, so a reload brings back the
    form as it was left."""
    ss = st.session_state
    s, conversation_id = store(), ss.get(CONVERSATION)
    if s is None or conversation_id is None:
        return
    stored = setup_json(setup)
    if ss.get(SAVED_SETUP) == (conversation_id, stored):
        return
    try:
        s.update_setup(owner(), conversation_id, setup)
    except NotFound:
        return
    except StoreError as exc:
        turn_off(exc)
        return
    ss[SAVED_SETUP] = (conversation_id, stored)


def apply_setup(setup: Setup) -> None:
    """Put a stored setup into the sidebar and the form on the next run (the caller reruns): provider,
    model, base URL, parameters, system prompt, variables, the provider's own headers."""
    pending: dict[str, Any] = {keys.SYSTEM: setup.system}
    table = providers()
    pid = setup.provider_id if setup.provider_id in table else None
    if pid is not None:
        pending[keys.PROVIDER] = pid
        if setup.model:
            pending[keys.model(pid)] = setup.model
        if not table[pid].local:
            if setup.base_url:
                pending[keys.base_url(pid)] = setup.base_url
            if setup.extras != Extras():
                pending |= custom_setup.from_import(pid, setup.extras)
    for name, value in setup.variables.items():
        pending[keys.variable(name)] = value
    set_later(pending)
    form.load(specs_for(None), setup.params)  # the standard set, as an import does


def _next_id() -> int:
    ss = st.session_state
    ss[keys.MESSAGE_SEQ] = ss.get(keys.MESSAGE_SEQ, 0) + 1
    return int(ss[keys.MESSAGE_SEQ])


def _restore(s: Store, conversation_id: str, messages: list[ChatMessage]) -> None:
    """The conversation named in the URL into the Playground: its latest branch, its setup, its form."""
    ss = st.session_state
    try:
        conversation = s.get_conversation(owner(), conversation_id)
        if conversation.deleted_at is not None:
            raise NotFound("That conversation was deleted; restore it from History to open it.")
        thread = s.thread(owner(), conversation_id)
    except NotFound as exc:
        ss[keys.NOTICE] = str(exc)
        del st.query_params["c"]
        return
    except StoreError as exc:
        turn_off(exc)
        return
    setup = conversation.setup
    restored: list[ChatMessage] = []
    ids = _ids()
    for stored in thread:
        if stored.role == "system":  # the Playground keeps its system prompt in the form
            if not setup.system:
                setup.system = stored.content
            continue
        msg = stored.to_chat_message(_next_id())
        if msg.status == "running":  # another process's stream, or one that died: it will not grow here
            msg.status = "interrupted"
        ids[msg.id] = [stored.id, stored.content]
        restored.append(msg)
    messages[:] = restored
    ss[CONVERSATION] = conversation_id
    ss[SHOWN] = (conversation_id, tuple(ids[m.id][0] for m in restored))
    ss[SAVED_SETUP] = (conversation_id, setup_json(setup))
    for key in (DETACHED, RUN, keys.CLEARED, keys.SHARE_RESULT, keys.EDITING):
        ss.pop(key, None)
    if "setup" not in st.query_params:  # a share link's setup in the address is current: it stands
        apply_setup(setup)
    st.rerun()


def url_part() -> dict[str, str]:
    """The conversation's part of the Playground's address (`c`), for code that rewrites the address."""
    current = st.session_state.get(CONVERSATION)
    return {"c": current} if current else {}


def open_from_url(messages: list[ChatMessage]) -> None:
    """Before the sidebar is drawn: the conversation `?c=<id>` names, when it is not the one shown
    (a reload, a new tab, "Reopen in Playground"), with its setup (then the run starts again)."""
    s = store()
    wanted = st.query_params.get("c")
    if s is not None and wanted and wanted != st.session_state.get(CONVERSATION):
        _restore(s, wanted, messages)
    preset_id = st.session_state.pop(LOAD_PRESET, None)
    if s is not None and preset_id:
        _load_preset(s, preset_id)


def follow(messages: list[ChatMessage]) -> None:
    """At the start of each Playground run (after the chat settled): open the conversation the URL
    names, note how the last run ended, follow Clear and Undo clear, and keep `?c=` current."""
    s = store()
    if s is None:
        return
    ss = st.session_state
    wanted = st.query_params.get("c")
    current = ss.get(CONVERSATION)
    if wanted and wanted != current:
        _restore(s, wanted, messages)
        return
    _note_run_end(s, messages)
    ids = _ids()
    for msg in messages:  # a finished run's text, to tell a later edit of it
        held = ids.get(msg.id)
        if held is not None and held[1] is None and msg.status != "running":
            held[1] = msg.content
    if not messages and current is not None:  # Clear: the next message starts a new conversation
        ss[DETACHED], ss[CONVERSATION], current = current, None, None
    elif messages and current is None and ss.get(DETACHED) and all(m.id in ids for m in messages):
        ss[CONVERSATION] = current = ss.pop(DETACHED)  # Undo clear
    if current is None:
        if "c" in st.query_params:
            del st.query_params["c"]
        return
    if st.query_params.get("c") != current:
        st.query_params["c"] = current
    _note_shown(s, current, messages)


def _note_shown(s: Store, conversation_id: str, messages: list[ChatMessage]) -> None:
    """Tell the store which of its messages are on screen when that changed (a Delete, an edit, a
    new run), so a reload brings back these and not a message deleted here."""
    ids = _ids()
    shown = (conversation_id, tuple(ids[m.id][0] for m in messages if m.id in ids))
    if st.session_state.get(SHOWN) == shown:
        return
    try:
        s.show(owner(), conversation_id, shown[1])
    except NotFound:
        return
    except StoreError as exc:
        turn_off(exc)
        return
    st.session_state[SHOWN] = shown


def _note_run_end(s: Store, messages: list[ChatMessage]) -> None:
    """A run cut by a click was saved as interrupted (its stream cannot tell which click it was); a
    Stop is only known now, once the chat has settled."""
    ss = st.session_state
    run = ss.get(RUN)
    if run is None:
        return
    msg = next((m for m in messages if m.id == run[0]), None)
    if msg is not None and msg.status == "running":
        return
    ss.pop(RUN)
    if msg is not None and msg.status == "stopped":
        try:
            s.end_run(owner(), run[1], "stopped")
        except NotFound:
            pass
        except StoreError as exc:
            turn_off(exc)


def new_chat(messages: list[ChatMessage]) -> None:
    """The "New chat" button: an empty Playground and a new conversation; the old one stays in History."""
    ss = st.session_state
    messages.clear()
    for key in (CONVERSATION, DETACHED, RUN, keys.CLEARED, keys.SHARE_RESULT, keys.EDITING):
        ss.pop(key, None)
    if "c" in st.query_params:
        del st.query_params["c"]


def new_chat_button(messages: list[ChatMessage]) -> None:
    st.button("New chat", key="new-chat", icon=":material/add_comment:", disabled=not messages,
              on_click=new_chat, args=(messages,))  # fmt: skip


def _save_messages(s: Store, conversation_id: str, messages: list[ChatMessage]) -> str | None:
    """Store each message not stored yet (typed, imported, edited: an edit is a new branch of the
    tree), each after the one before it; the stored id of the last."""
    ids = _ids()
    parent: str | None = None
    for msg in messages:
        held = ids.get(msg.id)
        if held is not None and (held[1] is None or held[1] == msg.content):
            parent = held[0]
            continue
        if not (msg.content or msg.attachments or msg.role == "tool"):  # never sent ("Not sent: …")
            continue
        stored = s.add_message(owner(), conversation_id, msg.role, msg.content, parent_id=parent,
                               tool_call_id=msg.tool_call_id, name=msg.name, tool_calls=msg.tool_calls,
                               attachments=msg.attachments)  # fmt: skip
        ids[msg.id] = [stored.id, msg.content]
        parent = stored.id
    return parent


def start_run(messages: list[ChatMessage], request: ChatRequest, setup: Setup) -> RunWriter | None:
    """Before an answer streams into `messages[-1]`: the conversation (made at its first question,
    its id put in the URL), the messages before the answer, and the run itself, as sent and without
    the key. The writer saves the answer as it streams; None when history is off."""
    s = store()
    if s is None:
        return None
    ss = st.session_state
    try:
        conversation_id = ss.get(CONVERSATION)
        if conversation_id is None:
            conversation_id = s.create_conversation(owner(), setup=setup, page=PAGE).id
            ss[CONVERSATION] = conversation_id
            ss.pop(DETACHED, None)
            st.query_params["c"] = conversation_id
        parent = _save_messages(s, conversation_id, messages[:-1])
        writer = s.start_run(owner(), conversation_id, to_http(request), provider=setup.provider_id,
                             parent_id=parent, setup=setup, page=PAGE)  # fmt: skip
    except StoreError as exc:
        turn_off(exc)
        return None
    _ids()[messages[-1].id] = [writer.id, None]
    ss[RUN] = (messages[-1].id, writer.id)
    return writer


def _load_preset(s: Store, preset_id: str) -> None:
    try:
        preset = s.get_preset(owner(), preset_id)
    except StoreError as exc:
        st.session_state[PRESET_NOTE] = ("error", str(exc))
        return
    apply_setup(preset.setup)
    st.session_state[PRESET_NOTE] = ("ok", f"Loaded the preset “{preset.name}”.")
    st.rerun()


def presets(setup: Setup | None) -> None:
    """Save the current setup under a name, or load a saved one into the sidebar and the form."""
    s = store()
    if s is None:
        st.caption("Presets are kept in the history, which is off.")
        return
    ss = st.session_state
    try:
        saved = s.list_presets(owner())
    except StoreError as exc:
        turn_off(exc)
        st.caption(str(exc))
        return
    if saved:
        by_id = {p.id: p for p in saved}
        row = st.container(horizontal=True, vertical_alignment="bottom")
        chosen = row.selectbox("Preset", list(by_id), format_func=lambda i: by_id[i].name, key="preset-choice")
        if row.button("Load preset", key="preset-load", disabled=chosen is None):
            ss[LOAD_PRESET] = chosen
            st.rerun()  # the whole page: the sidebar's provider and model change too
    row = st.container(horizontal=True, vertical_alignment="bottom")
    name = row.text_input("Preset name", key="preset-name", placeholder="e.g. Terse JSON on gpt-oss")
    if row.button("Save preset", key="preset-save", disabled=setup is None or not name.strip()) and setup:
        try:
            made = s.save_preset(owner(), name, setup)
        except StoreError as exc:
            ss[PRESET_NOTE] = ("error", str(exc))
        else:
            ss[PRESET_NOTE] = ("ok", f"Saved the preset “{made.name}” (never a key).")
    said = ss.pop(PRESET_NOTE, None)
    if said:
        (st.success if said[0] == "ok" else st.error)(said[1])
