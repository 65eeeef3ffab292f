"""The History page's parts: the list of conversations (search, filters, sort, pages, selection, bulk
delete and export, import), one conversation read-only (reopen, fork from any message, rename, star,
delete with undo, export, share a snapshot), and a snapshot's read-only view. The store does the work
(lib/store); this draws it and turns each store error into one sentence."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import Any

import streamlit as st

from lib.conversation import ChatMessage
from lib.events import Metrics, Usage
from lib.store import (
    Conversation,
    ConversationQuery,
    ImportRefused,
    NotFound,
    Store,
    StoredMessage,
    StoreError,
)
from lib.store.records import ROLES, SortKey
from ui import chat
from ui.auth import owner
from ui.history_state import turn_off

PLAYGROUND = "app_pages/playground.py"
PAGE_SIZE = 25
OPEN = "history_open"  # the conversation opened read-only, or None
UNDO = "history_undo"  # ids of the conversations just deleted, for Undo
NOTE = "history_note"  # ("ok" | "error", sentence) for the next run
SHARED = "history_shared"  # (conversation id, snapshot link)
PAGE_NO = "history_page_no"
SEARCH = "history_search"
ANY = "Any"
SINCE = {"Any time": None, "Today": timedelta(days=1), "Last 7 days": timedelta(days=7),
         "Last 30 days": timedelta(days=30), "Last year": timedelta(days=365)}  # fmt: skip
BETWEEN = "Between dates"
SORTS: dict[str, SortKey] = {"Last activity": "updated", "Started": "created", "Title": "title", "Cost": "cost",
         "Messages": "messages", "Model": "model", "Provider": "provider"}  # fmt: skip
COLUMNS = ("", "Title", "Model", "Provider", "Page", "Messages", "Last activity", "Cost", "Status")
WIDTHS = (0.4, 3.0, 2.0, 1.2, 1.5, 1.4, 1.9, 1.4, 1.3)


def _select_key(conversation_id: str) -> str:
    return f"history-select-{conversation_id}"


def note(kind: str, sentence: str) -> None:
    st.session_state[NOTE] = (kind, sentence)


def show_note() -> None:
    said = st.session_state.pop(NOTE, None)
    if said:
        (st.success if said[0] == "ok" else st.error)(said[1])


def _guarded(action: Callable[[], Any]) -> Any:
    """Run a store action; a store error becomes the page's one sentence (history off when the store
    itself failed), never a crash."""
    try:
        return action()
    except NotFound as exc:
        note("error", str(exc))
    except StoreError as exc:
        if exc.action == "history_off":
            turn_off(exc)
        note("error", str(exc))
    return None


def when(value: datetime) -> str:
    return f"{value.astimezone(UTC):%Y-%m-%d %H:%M}"


def cost_text(value: float) -> str:
    return "$0" if not value else f"${value:.6f}".rstrip("0")


# -- the list -----------------------------------------------------------------------------------


def _choice(label: str, options: list[str], key: str) -> str | None:
    picked = st.selectbox(label, [ANY, *options], key=key)
    return None if picked in (None, ANY) else str(picked)


def query_from_widgets(s: Store) -> ConversationQuery:
    """The search box, the filters and the sort, as the store's query for the current page."""
    ss = st.session_state
    text = st.text_input("Search history", key=SEARCH, placeholder="Words from any message, e.g. photosynthesis")
    facets = _guarded(lambda: s.facets(owner()))
    providers, models, pages, statuses = (
        (facets.providers, facets.models, facets.pages, facets.statuses) if facets else ([], [], [], [])
    )
    row = st.columns(4)
    with row[0]:
        provider = _choice("By provider", providers, "history_provider")
    with row[1]:
        model = _choice("By model", models, "history_model")
    with row[2]:
        page = _choice("By page", pages, "history_page")
    with row[3]:
        status = _choice("By status", statuses, "history_status")
    line = st.columns([2, 2, 1, 1], vertical_alignment="bottom")
    period = line[0].selectbox("Last activity", [*SINCE, BETWEEN], key="history_since")
    since, until = _dates(period)
    sort = line[1].selectbox("Sort by", list(SORTS), key="history_sort")
    ascending = line[2].toggle("Oldest first" if sort in ("Last activity", "Started") else "Ascending",
                              key="history_ascending")  # fmt: skip
    starred = line[3].toggle("Starred only", key="history_starred")
    filters = (text, provider, model, page, status, period, since if period == BETWEEN else None, until, sort,
               ascending, starred)  # fmt: skip
    if ss.get("history_filters") != filters:  # another search starts at its first page
        ss["history_filters"] = filters
        ss[PAGE_NO] = 0
    return ConversationQuery(
        text=text, provider=provider, model=model, page=page, status=status,
        since=since, until=until, starred=True if starred else None,
        sort=SORTS[sort], descending=not ascending, limit=PAGE_SIZE, offset=ss.get(PAGE_NO, 0) * PAGE_SIZE,
    )  # fmt: skip


def _dates(period: str) -> tuple[datetime | None, datetime | None]:
    """(since, until) in UTC for the "Last activity" choice; "Between dates" asks for the days (UTC),
    both included."""
    if period != BETWEEN:
        span = SINCE[period]
        return (datetime.now(UTC) - span if span else None), None
    today = datetime.now(UTC).date()
    picked = st.date_input("Dates", value=(today - timedelta(days=7), today), max_value=today,
                           key="history_dates", format="YYYY-MM-DD")  # fmt: skip
    days = [d for d in (picked if isinstance(picked, tuple) else (picked,)) if d is not None]
    if not days:
        return None, None
    first, last = min(days), max(days)  # one day picked (the range half chosen): that day
    return (datetime.combine(first, time.min, UTC), datetime.combine(last + timedelta(days=1), time.min, UTC))


def _row(c: Conversation) -> None:
    cells = st.columns(WIDTHS, vertical_alignment="center")
    cells[0].checkbox("Select", key=_select_key(c.id), label_visibility="collapsed")
    title = (":material/star: " if c.starred else "") + (c.title or "Untitled conversation")
    if cells[1].button(title, key=f"history-open-{c.id}", type="tertiary"):
        st.session_state[OPEN] = c.id
        st.rerun()
    values = (c.model or "–", c.provider or "–", c.page, str(c.message_count), when(c.updated_at),
              cost_text(c.cost), c.status or "–")  # fmt: skip
    for cell, value in zip(cells[2:], values, strict=True):
        cell.text(value)


def _delete(s: Store, ids: list[str]) -> None:
    done = _guarded(lambda: s.delete_conversations(owner(), ids))
    if done:
        st.session_state[UNDO] = ids
        note("ok", f"Deleted {done} conversation{'s' if done != 1 else ''}.")
    for i in ids:
        st.session_state.pop(_select_key(i), None)


def undo_bar(s: Store) -> None:
    """After a delete, while the page is open: Undo brings the conversations back."""
    ids = st.session_state.get(UNDO)
    if ids and st.button("Undo delete", key="history-undo", icon=":material/undo:"):
        back = _guarded(lambda: s.undelete_conversations(owner(), ids))
        st.session_state.pop(UNDO, None)
        if back is not None:
            note("ok", f"Brought back {back} conversation{'s' if back != 1 else ''}.")
        st.rerun()


def listing(s: Store) -> None:
    """The table of conversations, newest activity first, with its search, filters and bulk actions."""
    query = query_from_widgets(s)
    found = _guarded(lambda: s.list_conversations(owner(), query))
    if found is None:
        show_note()
        return
    total = f"{found.total:,}" + ("" if found.exact else "+")
    st.caption(f"{total} conversation{'s' if found.total != 1 else ''}" + (" found" if query.text else ""))
    if not found.rows:
        st.info("No conversation matches." if query.text or found.total else
                "No conversations yet: chat in the Playground and they appear here.")  # fmt: skip
    else:
        with st.container(key="history-table"):
            head = st.columns(WIDTHS)
            for cell, name in zip(head, COLUMNS, strict=True):
                cell.markdown(f"**{name}**" if name else "")
            for c in found.rows:
                _row(c)
    pages = max(1, -(-found.total // PAGE_SIZE))
    number = st.session_state.get(PAGE_NO, 0)
    if pages > 1:
        nav = st.container(horizontal=True, vertical_alignment="center")
        if nav.button("Previous", disabled=number == 0, key="history-prev"):
            st.session_state[PAGE_NO] = number - 1
            st.rerun()
        nav.caption(f"Page {number + 1} of {pages}{'' if found.exact else '+'}")
        if nav.button("Next", disabled=number + 1 >= pages and found.exact, key="history-next"):
            st.session_state[PAGE_NO] = number + 1
            st.rerun()
    selected = [c.id for c in found.rows if st.session_state.get(_select_key(c.id))]
    bar = st.container(horizontal=True, key="history-bulk")
    if bar.button(f"Delete selected ({len(selected)})", disabled=not selected, key="history-delete-selected"):
        _delete(s, selected)
        st.rerun()
    who = owner()
    bar.download_button("Export selected (JSONL)", lambda: s.export_jsonl(who, selected),
                        disabled=not selected, file_name="conversations.jsonl", mime="application/jsonl",
                        key="history-export-selected", on_click="ignore")  # fmt: skip
    everything = ConversationQuery(**{**vars(query), "offset": 0, "limit": 500})
    bar.download_button("Export all matching (JSONL)", lambda: s.export_jsonl(who, everything),
                        disabled=not found.rows, file_name="conversations.jsonl", mime="application/jsonl",
                        key="history-export-all", on_click="ignore")  # fmt: skip


def import_box(s: Store) -> None:
    """A file, or pasted text: all of it imported, or nothing with one sentence naming the line."""
    with st.expander("Import"):
        st.caption("The app's own JSON or JSONL export, or a plain OpenAI `messages` array.")
        upload = st.file_uploader("Import conversations", type=["json", "jsonl"], key="history-import-file")
        pasted = st.text_area("Or paste JSON or JSONL", key="history-import-text", height=100)
        if st.button("Import", key="history-import", disabled=upload is None and not pasted.strip()):
            try:
                made = s.import_text(owner(), upload.getvalue() if upload is not None else pasted)
            except ImportRefused as exc:
                note("error", f"Nothing was imported: {exc}")
            except StoreError as exc:
                note("error", str(exc))
            else:
                note("ok", f"Imported {len(made)} conversation{'s' if len(made) != 1 else ''}.")
                st.session_state.pop("history-import-text", None)
            st.rerun()


# -- one conversation ---------------------------------------------------------------------------


def _facts(c: Conversation) -> str:
    return (f"**{c.model or 'unknown model'}** · {c.provider or 'no provider'} · {c.page} · "
            f"{c.message_count} message{'s' if c.message_count != 1 else ''} · started {when(c.created_at)} · "
            f"last activity {when(c.updated_at)} · cost {cost_text(c.cost)}"
            + (f" · {c.status}" if c.status else ""))  # fmt: skip


def _snapshot_link(snapshot_id: str) -> str:
    page = (st.context.url or "http://127.0.0.1:8501/history").split("?", 1)[0]
    return f"{page}?snapshot={snapshot_id}"


def _actions(s: Store, c: Conversation) -> None:
    ss = st.session_state
    row = st.container(horizontal=True, key="history-actions")
    if row.button("Reopen in Playground", type="primary", key="history-reopen", icon=":material/chat:"):
        st.switch_page(PLAYGROUND, query_params={"c": c.id})
    if row.button("Unstar" if c.starred else "Star", key="history-star",
                  icon=":material/star:" if not c.starred else ":material/star_border:"):  # fmt: skip
        _guarded(lambda: s.star_conversation(owner(), c.id, not c.starred))
        st.rerun()
    if row.button("Share snapshot", key="history-share", icon=":material/share:"):
        snap = _guarded(lambda: s.create_snapshot(owner(), c.id))
        if snap is not None:
            ss[SHARED] = (c.id, _snapshot_link(snap.id))
    if row.button("Delete", key="history-delete", icon=":material/delete:"):
        _delete(s, [c.id])
        ss[OPEN] = None
        st.rerun()
    who = owner()
    exports = st.container(horizontal=True, key="history-exports")
    # One conversation's files are small: made with the page, so a click downloads at once (a file
    # made on click is gone if the page reruns in between), and a download does not rerun the page.
    exports.download_button("Export Markdown", _file(lambda: s.export_markdown(who, c.id)), file_name="conversation.md",
                            mime="text/markdown", key="history-export-md", on_click="ignore")  # fmt: skip
    exports.download_button("Export JSON", _file(lambda: _json(s, who, c.id)), file_name="conversation.json",
                            mime="application/json", key="history-export-json", on_click="ignore")  # fmt: skip
    exports.download_button("Export Python", _python(s, who, c.id), file_name="replay.py",
                            mime="text/x-python", key="history-export-py", on_click="ignore")  # fmt: skip
    with st.expander("Rename"):
        title = st.text_input("Title", value=c.title, key=f"history-title-{c.id}")
        if st.button("Rename", key="history-rename"):
            _guarded(lambda: s.rename_conversation(owner(), c.id, title))
            st.rerun()
    shared = ss.get(SHARED)
    if shared and shared[0] == c.id:
        st.caption("Snapshot link: a read-only copy of the conversation as it is now (never a key):")
        st.code(shared[1], language=None, wrap_lines=True)


def _file(make: Callable[[], str]) -> str:
    try:
        return make()
    except StoreError as exc:  # the file says what went wrong rather than the page failing
        return f"{exc}\n"


def _json(s: Store, who: str, conversation_id: str) -> str:
    from lib.store.export import dumps

    return dumps(s.export_json(who, conversation_id))


def _python(s: Store, who: str, conversation_id: str) -> str:
    try:
        return s.export_python(who, conversation_id)
    except StoreError as exc:  # nothing to replay: the file says so rather than failing the download
        return f"# {exc}\n"


def _message(s: Store, m: StoredMessage, index: int) -> None:
    with st.container(key=f"history-msg-{index}"):
        chat.render_message(m.to_chat_message(index))
        if st.button("Fork from here", key=f"history-fork-{m.id}", icon=":material/call_split:", type="tertiary"):
            forked = _guarded(lambda: s.fork(owner(), m.id))
            if forked is not None:
                st.switch_page(PLAYGROUND, query_params={"c": forked.id})
            st.rerun()


def conversation(s: Store, conversation_id: str) -> None:
    """One conversation, read-only: every message of its latest branch, reasoning and metrics."""
    if st.button("Back to the list", key="history-back", icon=":material/arrow_back:"):
        st.session_state[OPEN] = None
        st.rerun()
    found = _guarded(lambda: (s.get_conversation(owner(), conversation_id), s.thread(owner(), conversation_id)))
    if found is None:
        st.session_state[OPEN] = None
        show_note()
        return
    c, thread = found
    st.subheader(c.title or "Untitled conversation", anchor=False)
    st.caption(_facts(c))
    if c.setup.system:
        st.caption("System prompt: " + c.setup.system)
    _actions(s, c)
    show_note()
    for index, m in enumerate(thread):
        _message(s, m, index)


# -- a snapshot ---------------------------------------------------------------------------------


def snapshot_messages(data: dict[str, Any]) -> list[ChatMessage]:
    """A snapshot's messages (its JSON export) as the chat view draws them, metrics included."""
    out: list[ChatMessage] = []
    raw, details = data.get("messages") or [], data.get("details") or []
    for index, item in enumerate(raw):
        if not isinstance(item, dict) or item.get("role") not in ROLES:
            continue
        d = details[index] if index < len(details) and isinstance(details[index], dict) else {}
        msg = ChatMessage(index, item["role"], str(item.get("content") or ""), reasoning=str(d.get("reasoning") or ""),
                          refusal=str(d.get("refusal") or ""), status=d.get("status") or "",
                          finish_reason=d.get("finish_reason"), error=d.get("error"))  # fmt: skip
        if "request" in d:  # a run: its metrics strip
            metrics = d.get("metrics") or {}
            msg.metrics = Metrics(**{k: metrics.get(k) for k in ("ttft", "latency", "tokens_per_s", "cost")})
            usage = d.get("usage")
            if isinstance(usage, dict):
                msg.usage = Usage(usage.get("prompt_tokens"), usage.get("completion_tokens"),
                                  usage.get("total_tokens"), usage.get("source") or "reported")  # fmt: skip
        out.append(msg)
    return out


def snapshot(s: Store, snapshot_id: str) -> None:
    """`?snapshot=<id>`: a frozen conversation, read-only, for whoever has the link."""
    found = _guarded(lambda: s.get_snapshot(snapshot_id))
    if found is None:
        show_note()
        return
    st.subheader(found.title or "Untitled conversation", anchor=False)
    data = found.data
    st.caption(f"A read-only snapshot taken {when(found.created_at)} UTC · **{data.get('model') or 'unknown model'}**"
               f" · {data.get('provider') or 'no provider'}")  # fmt: skip
    system = (data.get("setup") or {}).get("system")
    if system:
        st.caption("System prompt: " + str(system))
    with st.container(key="history-snapshot"):
        for msg in snapshot_messages(data):
            chat.render_message(msg)
