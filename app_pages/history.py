"""History: every conversation kept in the store, searchable and filterable; one opened read-only
to reopen, fork, rename, star, delete, export or share; a shared snapshot (`?snapshot=<id>`)."""

from __future__ import annotations

import streamlit as st

from ui import history_state, history_view

ss = st.session_state
st.title("History", anchor=False)
history_state.banner()
store = history_state.store()
if store is not None:
    snapshot_id = st.query_params.get("snapshot")
    opened = ss.get(history_view.OPEN)
    if snapshot_id:
        history_view.snapshot(store, snapshot_id)
    elif opened:
        history_view.conversation(store, opened)
    else:
        history_view.show_note()
        history_view.undo_bar(store)
        history_view.listing(store)
        history_view.import_box(store)
        st.caption(f"Kept in {store.describe()}.")
