"""Playground: chat with the chosen model, streamed, with metrics under each answer; beside it the
parameter form and the exact request as code. The form and the code are one fragment, so tuning a
parameter redraws them and never the conversation."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from lib import conversation
from lib.catalog import pricing_of
from lib.curl_import import CurlImportError, import_curl
from lib.params import ParamSpec, specs_for
from lib.request import ChatRequest
from lib.share import SHARE_KEYS, Setup, stale_keys, to_query
from ui import attachments, chat, custom_setup, form, history_state, keys, presenter, replay, state, tools_view
from ui.api_panel import api_call_panel
from ui.handout_view import downloads as handout_downloads
from ui.scenarios_view import next_prompt as scenario_next_prompt
from ui.sidebar import ensure_local
from ui.state import Connection, meter_for, new_message, providers, set_later

ss = st.session_state
messages = state.messages()
conn = state.connection()
specs: list[ParamSpec] = specs_for(conn.model_info if conn else None, local=conn.provider.local if conn else True)


def variable_values() -> dict[str, str]:
    names = conversation.variable_names(ss.get(keys.SYSTEM, ""), messages)
    return {name: ss.get(keys.variable(name), "") for name in names}


def next_request(params: dict[str, Any]) -> ChatRequest | None:
    """What Send sends now: the system prompt and the conversation, with {{variables}} filled."""
    if conn is None:
        return None
    sent = conversation.request_messages(messages, ss.get(keys.SYSTEM, ""), variable_values())
    return ChatRequest(conn.provider, conn.model, sent, params)


def apply_import(text: str) -> None:
    """A pasted cURL command into the connection, the form and the conversation (next run)."""
    try:
        got = import_curl(text, providers())
    except CurlImportError as exc:
        ss[keys.IMPORT_RESULT] = ("error", str(exc), [])
        return
    pid = got.provider_id
    pending: dict[str, Any] = {keys.PROVIDER: pid, keys.model(pid): got.model, keys.CURL_TEXT: got.shown}
    if not providers()[pid].local:
        pending[keys.base_url(pid)] = got.base_url
    if got.key:
        pending[keys.api_key(pid)] = got.key
    pending |= custom_setup.from_import(pid, got.extras)  # its headers, credential headers, Azure setup
    system = [m.content for m in got.messages if m.role == "system"]
    pending[keys.SYSTEM] = "\n\n".join(system)
    set_later(pending)
    messages[:] = [new_message(m.role, m.content) for m in got.messages if m.role != "system"]
    form.load(specs_for(None), got.params)  # the standard set: the new model's form keeps what applies
    moved = " The key was moved to the API key field and removed from the command." if got.key else ""
    held = [h.name for h in got.extras.secret_headers if h.value]
    moved += f" {', '.join(held)} kept for this session only and removed from the command." if held else ""
    ss[keys.IMPORT_RESULT] = ("ok", f"Imported {got.model} with {len(got.messages)} message(s).{moved}", got.problems)
    st.rerun()


def share_query(conn: Connection, params: dict[str, Any]) -> tuple[str, dict[str, str], str | None]:
    """The page URL, and the query and note of a share link of the page as it is now."""
    setup = Setup(
        # In presenter mode no address is on screen, the link and the address bar included.
        conn.provider.id, conn.model, None if conn.provider.local or presenter.active() else conn.provider.base_url,
        params,
        ss.get(keys.SYSTEM, ""), variable_values(), conversation.shareable(messages),
        custom_setup.shareable(conn.provider),
    )  # fmt: skip
    page = (st.context.url or "http://127.0.0.1:8501/").split("?", 1)[0]
    return page, *to_query(setup, page)


def share_link(conn: Connection, params: dict[str, Any]) -> None:
    page, query, note = share_query(conn, params)
    query |= presenter.url_part()  # a link made in presenter mode opens in it
    st.query_params.from_dict(query | history_state.url_part())  # the address keeps its ?c=
    if presenter.active() and not conn.provider.local:
        left_out = "Made in presenter mode, the link leaves out the base URL: whoever opens it uses their own."
        note = f"{note} {left_out}" if note else left_out
    ss[keys.SHARE_RESULT] = (page + "?" + urlencode(query), note)


def keep_address_bar_current(conn: Connection | None, params: dict[str, Any]) -> None:
    """The address bar never holds an outdated state: once the page differs from the link in it (a
    shared one, or the one it was opened with), the parts that differ leave it, so a reload cannot
    bring older values back; the share link shown goes too (Share link makes a current one)."""
    in_url = st.query_params.to_dict()
    if conn is None or not any(k in in_url for k in SHARE_KEYS):
        return
    stale = stale_keys(in_url, share_query(conn, params)[1])
    for key in stale:
        del st.query_params[key]
    if stale:
        ss.pop(keys.SHARE_RESULT, None)


def import_box() -> None:
    ss.setdefault(keys.CURL_TEXT, "")
    st.text_area("Paste a curl command", key=keys.CURL_TEXT, height=120,
                 placeholder="curl https://…/chat/completions -H … -d '{…}'")  # fmt: skip
    if st.button("Import", key="import_curl"):
        apply_import(ss[keys.CURL_TEXT])
    result = ss.get(keys.IMPORT_RESULT)
    if result:
        (st.success if result[0] == "ok" else st.error)(result[1])
        for problem in result[2]:
            st.warning(problem)


def variable_fields() -> None:
    """One input per {{name}} in the system prompt or the conversation."""
    values = variable_values()
    if not values:
        return
    st.markdown("**Variables**")
    for name in values:
        ss.setdefault(keys.variable(name), "")
        st.text_input(name, key=keys.variable(name), placeholder=f"Fills {{{{{name}}}}}")
    empty = [n for n in values if not ss.get(keys.variable(n))]
    if empty:
        st.caption("Sent as written until filled: " + ", ".join(f"{{{{{n}}}}}" for n in empty))


def parameters() -> dict[str, Any]:
    """The form, the system prompt and the variables; the parameters to send."""
    form.draw(specs)
    st.text_area("System prompt", key=keys.SYSTEM, height=80, placeholder="Not sent · e.g. You are concise.")
    variable_fields()
    params, _ = form.values(specs)  # each problem is said under its own field (form.draw)
    st.caption(form.summary(specs, params))
    row = st.container(horizontal=True)
    row.button("Reset to defaults", on_click=form.reset, args=(specs,))
    if conn and row.button("Share link", key="share"):
        share_link(conn, params)
    return params


@st.fragment
def side_panel() -> None:
    """Import, parameters, variables and the API call: redrawn alone when one of them changes."""
    with st.expander("Import cURL"):
        import_box()
    with st.expander("Tools, images and token probabilities", expanded=False):
        tools_view.draw()
        attachments.toggle(conn.model_info if conn else None)
    with st.expander("Parameters", expanded=True):
        params = parameters()
    keep_address_bar_current(conn, params)
    setup = None
    if conn is not None:  # a reload brings the form back as it was left, not as it was last sent
        system, values = ss.get(keys.SYSTEM, ""), variable_values()
        setup = history_state.current_setup(conn.provider, conn.model, params, system, values)
        history_state.keep_setup(setup)
    with st.expander("Presets"):
        history_state.presets(setup)
    shared = ss.get(keys.SHARE_RESULT)
    if shared:
        st.caption("Share link (no key is ever in it):")
        st.code(shared[0], language=None, wrap_lines=True)
        if shared[1]:
            st.warning(shared[1])
    if presenter.active():  # the code names the server: not on a presenter's screen, even unfolded
        st.caption("The request as code is not shown in presenter mode (it names the server); leave "
                   "presenter mode to see and copy it.")  # fmt: skip
    else:
        api_call_panel(next_request(params), specs)


SAMPLES = ("In two sentences, why do ships float?", "Write a haiku about the sea.", "Name three uses of JSON.")


def welcome(conn: Connection | None) -> None:
    """The empty Playground: what the app is and what to do first. One element, so the first message
    replaces it at once (a second one would linger under the streaming answer until the run ends)."""
    with st.container(key="welcome"):
        st.markdown("#### :material/science: Workbench")
        st.markdown("Try a chat model, tune the request, and copy it as code that runs as it is.")
        if conn is None:
            st.info("Choose a provider and a model in the sidebar to start.")
            return
        st.caption("Type a message below (Shift+Enter adds a line), or try one of these:")
        row = st.container(horizontal=True)
        for i, sample in enumerate(SAMPLES):
            row.button(sample, key=f"sample-{i}", on_click=ask_sample, args=(sample,))
        st.caption("The API call panel shows the exact request as code that runs as it is.")


def ask_sample(text: str) -> None:
    """A sample question, sent as if typed (the run that follows streams its answer)."""
    messages.append(new_message("user", text))
    ss[keys.RETRY] = True


def conversation_column(conn: Connection | None, streaming: bool) -> None:
    """The conversation and, under a failed or cut answer, the action that fixes it."""
    if not messages:
        welcome(conn)
    chat.history(messages)
    if conn is not None and messages and messages[-1].role == "assistant" and not streaming:
        chat.offer_fixes(messages[-1], conn.provider, next((s for s in specs if s.name == "max_tokens"), None))


def send(conn: Connection, flag: DeltaGenerator) -> None:
    """Answer the last question, streamed at the end of the conversation, or say in its place why it
    was not sent."""
    params, problems = form.values(specs)
    problem = problems[0] if problems else (ensure_local() if conn.provider.local else None)
    # A stored key withheld from this base URL: say why (the key is set) and offer the key field,
    # rather than the engine's "needs an API key … or set OXEN_API_KEY".
    withheld = conn.key.note if not problem and conn.key.value is None and conn.provider.key_required else ""
    if problem or withheld:
        failed = new_message("assistant", error=f"Not sent: {problem or withheld}", status="error")
        failed.error_action = "key" if withheld else None
        messages.append(failed)
        st.rerun()
    request = next_request(params)
    assert request is not None
    answer = new_message("assistant")
    messages.append(answer)
    setup = history_state.current_setup(conn.provider, conn.model, params, ss.get(keys.SYSTEM, ""), variable_values())
    writer = history_state.start_run(messages, request, setup)  # None when history is off
    with chat_box:
        chat.stream_into(
            answer, request, conn.key.value, pricing_of(conn.provider, conn.model_info), flag, writer, meter_for(conn)
        )
    tools_view.auto_answer(messages)  # Mock tools: the canned results go back at once (the next run asks)
    st.rerun()


# A click that cut a streaming answer: let it settle, and mark it (the Stop button, or the page's
# own click after the chat input's stop button, count as a Stop).
chat.settle(messages, stopped=bool(ss.get(keys.STOP) or ss.get(keys.AFTER_STOP)))
history_state.follow(messages)  # the conversation in the URL (?c=), kept in the history store
with st.container(horizontal=True, vertical_alignment="bottom", key="playground-title"):
    st.title("Playground", anchor=False, width="content")
    if conn is not None:  # what the audience of a demo is looking at, always in view
        st.caption(f"**{conn.model}** · {conn.provider.label}", width="content")
    history_state.new_chat_button(messages)
    presenter.setup_button()
history_state.banner()
if ss.get(keys.NOTICE):
    st.warning(ss.pop(keys.NOTICE))
# The page never grows taller than the window (app.py's CSS sizes both boxes to it): the chat scrolls
# in its own box, kept at its newest line, and the side panel scrolls on its own.
# Presenter mode: the chat alone at full width until "Show setup" unfolds the form and the code.
show_setup = presenter.setup_shown()
playground = st.container(key="playground")
chat_col, side_col = playground.columns([5, 4], gap="medium") if show_setup else (playground, None)
with chat_col:
    # The page's script (ui/chat.py) keeps it at its newest line unless the reader scrolls up:
    # Streamlit's autoscroll lets go when the browser is busy and ignores a reader's wheel while text
    # streams in.
    chat_box = st.container(height=480, key=chat.CHAT_BOX, border=True, autoscroll=False)
    actions = st.container()
    # A message goes into the conversation at once; the answer streams below it in this same run.
    prompt = st.chat_input("Send a message…", key=keys.CHAT_INPUT, submit_mode="stop", disabled=conn is None,
                           **attachments.chat_input_args(conn.model_info if conn else None))  # fmt: skip
ask = bool(prompt)
if prompt:
    text, images = attachments.received(prompt)  # the chat input's text and its images, kept as files
    messages.append(new_message("user", text))
    messages[-1].attachments = images
    ss.pop(keys.CLEARED, None)
if ss.pop(keys.RETRY, False):
    conversation.drop_failed_answer(messages)  # a retry replaces the answer it retries
    ask = True
streaming = conn is not None and ask and bool(messages) and messages[-1].role in ("user", "tool")
replaying = None if streaming else replay.take_pending(messages)  # Replay: no network, no model
with chat_box:
    conversation_column(conn, streaming)
with actions:
    chat.chat_actions(messages, can_send=conn is not None, streaming=streaming or replaying is not None)
    scenario_next_prompt(messages, busy=streaming or replaying is not None)
if conn is not None:  # the hand-out, in the sidebar (under the chat it moved the actions): with its last request
    asked = messages[:-1] if messages and messages[-1].role == "assistant" else messages
    sent = conversation.request_messages(asked, ss.get(keys.SYSTEM, ""), variable_values())
    with st.sidebar:
        handout_downloads(messages, ChatRequest(conn.provider, conn.model, sent, form.values(specs)[0]),
                          conn.model, conn.provider.label, disabled=streaming)  # fmt: skip
if side_col is not None:
    with side_col, st.container(height=640, key="side-panel", border=False):
        side_panel()
live_flag = chat.page_helpers()
if conn is not None and streaming:
    send(conn, live_flag)
elif replaying is not None:
    replay.run(replaying, messages, chat_box, new_message)
