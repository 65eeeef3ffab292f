"""Workbench: the entry point. Page config, the shared sidebar connection, navigation."""

from __future__ import annotations

import streamlit as st

from ui import startup

startup.wait()  # `make run` may still be importing the modules below in a thread (ui/startup.py)

from ui import auth, compare_state, history_state, keys, presenter, scenarios_view, sidebar, state  # noqa: E402

# The Playground fits the window: its chat and its side panel are boxes that scroll on their own, so
# the page itself never scrolls (a long page scrolled to its bottom hid the title and the answer).
# Below 1200 px the side panel goes under the chat at full width, so fields and code keep their lines.
STYLE = """
<style>
.stMainBlockContainer:has(.st-key-playground) { padding: 2.75rem 2.5rem 0.75rem; }
.stMainBlockContainer:has(.st-key-playground) h1 { font-size: 2rem; padding: 0 0 0.25rem 0; }
/* A fixed-height container is a wrapper (a flex item of that height) around the scrolling block. */
[data-testid="stLayoutWrapper"]:has(> .st-key-chat-box) { --box: max(16rem, calc(100dvh - 16.5rem)); }
[data-testid="stLayoutWrapper"]:has(> .st-key-side-panel) { --box: max(20rem, calc(100dvh - 8.5rem)); }
[data-testid="stLayoutWrapper"]:has(> .st-key-chat-box, > .st-key-side-panel) {
  flex: 0 0 var(--box) !important; height: var(--box) !important; min-height: 0;
}
.st-key-chat-box, .st-key-side-panel { height: 100% !important; }
.st-key-after-stop { display: none; }
/* Captions in the text colour, a little faded: the theme's grey is below WCAG AA contrast on white and
   on the sidebar (3.8:1; axe-core, tests/e2e/test_a11y.py), as is inline code's green in a caption. */
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] :is(p, code, li) {
  color: inherit !important; }
[data-testid="stCaptionContainer"] { opacity: 0.82; }
/* A message's Edit and Delete: small and quiet until the message is pointed at. */
[class*="st-key-msg-actions-"] button { min-height: 1.6rem; padding: 0 0.35rem; font-size: 0.85rem; opacity: 0.6; }
[data-testid="stChatMessage"]:hover [class*="st-key-msg-actions-"] button { opacity: 1; }
@media (max-width: 1200px) {
  .st-key-playground [data-testid="stHorizontalBlock"]:has(> [data-testid="stColumn"]) { flex-direction: column; }
  .st-key-playground [data-testid="stColumn"] { width: 100% !important; flex: 1 1 auto !important; }
  /* The side panel's first line shows under the chat input: there is more below. */
  [data-testid="stLayoutWrapper"]:has(> .st-key-chat-box) { --box: max(16rem, calc(100dvh - 20rem)); }
  [data-testid="stLayoutWrapper"]:has(> .st-key-side-panel) { flex: 0 0 auto !important; }
  [data-testid="stLayoutWrapper"]:has(> .st-key-side-panel), .st-key-side-panel {
    height: auto !important; overflow: visible !important;
  }
}
</style>
"""

st.set_page_config(page_title="Workbench", page_icon=":material/science:", layout="wide")
st.html(STYLE)
auth.gate()
state.init()
presenter.sync()  # ?present=1 and the toggle: read before the sidebar hides what it must

pages = [
    st.Page("app_pages/playground.py", title="Playground", icon=":material/chat:", default=True),
    st.Page("app_pages/compare.py", title="Compare", icon=":material/compare_arrows:"),
    st.Page("app_pages/batch.py", title="Batch", icon=":material/table_rows:"),
    st.Page("app_pages/models.py", title="Models", icon=":material/category:"),
    st.Page("app_pages/history.py", title="History", icon=":material/history:"),
]
page = st.navigation(pages)
presenter.toggle()
if page.title == "Playground":  # a conversation's link (?c=<id>): its setup before the sidebar is drawn
    history_state.open_from_url(state.messages())
if page.title == "Compare" and compare_state.hidden():  # blind mode: no provider or model in the sidebar
    st.session_state[keys.CONNECTION] = None
    st.sidebar.caption("Blind mode: the connection is hidden until you vote.")
else:
    st.session_state[keys.CONNECTION] = sidebar.connection()
if page.title == "Playground":  # presenter mode's Scenarios list: a click loads one and sends its prompt
    scenarios_view.sidebar(state.messages(), st.session_state[keys.CONNECTION])
page.run()
