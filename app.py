"""Workbench: the entry point. Page config, the shared sidebar connection, navigation."""

from __future__ import annotations

import streamlit as st

from ui import keys, sidebar, state

st.set_page_config(page_title="Workbench", page_icon=":material/science:", layout="wide")
state.init()

pages = [
    st.Page("app_pages/playground.py", title="Playground", icon=":material/chat:", default=True),
    st.Page("app_pages/compare.py", title="Compare", icon=":material/compare_arrows:"),
    st.Page("app_pages/batch.py", title="Batch", icon=":material/table_rows:"),
    st.Page("app_pages/models.py", title="Models", icon=":material/category:"),
    st.Page("app_pages/history.py", title="History", icon=":material/history:"),
]
page = st.navigation(pages)
st.session_state[keys.CONNECTION] = sidebar.connection()
page.run()
