"""Playground: chat with the chosen model, streamed, with metrics under each answer; beside it the
parameter form and the exact request as code. The form and the code are one fragment, so tuning a
parameter redraws them and never the conversation."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import streamlit as st

from lib import conversation
from lib.catalog import pricing_of
from lib.curl_import import CurlImportError, import_curl
from lib.params import ParamSpec, specs_for
from lib.request import ChatRequest
from lib.share import Setup, to_query
from ui import chat, custom_setup, form, keys, state
from ui.api_panel import api_call_panel
from ui.sidebar import ensure_local
from ui.state import Connection, new_message, providers, set_later

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


def share_link(conn: Connection, params: dict[str, Any]) -> None:
    setup = Setup(
        conn.provider.id, conn.model, None if conn.provider.local else conn.provider.base_url, params,
        ss.get(keys.SYSTEM, ""), variable_values(), conversation.shareable(messages),
        custom_setup.shareable(conn.provider),
    )  # fmt: skip
    page = (st.context.url or "http://127.0.0.1:8501/").split("?", 1)[0]
    query, note = to_query(setup, page)
    st.query_params.from_dict(query)
    ss[keys.SHARE_RESULT] = (page + "?" + urlencode(query), note)


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
    with st.expander("Parameters", expanded=True):
        params = parameters()
    shared = ss.get(keys.SHARE_RESULT)
    if shared:
        st.caption("Share link (no key is ever in it):")
        st.code(shared[0], language=None, wrap_lines=True)
        if shared[1]:
            st.warning(shared[1])
    api_call_panel(next_request(params), specs)


def conversation_column(conn: Connection | None) -> None:
    """The conversation, the action that fixes a failed or cut answer, Regenerate and Clear."""
    if conn is None:
        st.info("Choose a provider and a model in the sidebar to start.")
    elif not messages:
        st.caption(f"Chatting with **{conn.model}** on {conn.provider.label}. Type below; Shift+Enter adds a line.")
    chat.history(messages)
    if conn is not None and messages and messages[-1].role == "assistant":
        chat.offer_fixes(messages[-1], conn.provider, next((s for s in specs if s.name == "max_tokens"), None))
    if messages:
        chat.chat_actions(messages, can_send=conn is not None)


def send(conn: Connection, retry: bool) -> None:
    """Answer the last question, streamed below the conversation (a retry first drops the answer it
    replaces), or say in its place why it was not sent."""
    if retry:
        conversation.drop_failed_answer(messages)
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
    elif messages and messages[-1].role == "user":
        request = next_request(params)
        assert request is not None
        answer = new_message("assistant")
        messages.append(answer)
        with chat_col:
            st.button("Stop", key=keys.STOP)
            chat.stream_into(answer, request, conn.key.value, pricing_of(conn.provider, conn.model_info))
        st.rerun()


conversation.mark_cut(messages, stopped=ss.pop(keys.STOP, False))
# A message goes into the conversation at once; the answer streams below it in this same run.
prompt = st.chat_input("Send a message…", key=keys.CHAT_INPUT, submit_mode="stop", disabled=conn is None)
if prompt:
    messages.append(new_message("user", prompt))
retry = ss.pop(keys.RETRY, False)

st.title("Playground")
if ss.get(keys.NOTICE):
    st.warning(ss.pop(keys.NOTICE))
chat_col, side_col = st.columns([5, 4], gap="large")
with side_col:
    side_panel()
with chat_col:
    conversation_column(conn)
if conn is not None and (prompt or retry) and messages:
    send(conn, retry)
