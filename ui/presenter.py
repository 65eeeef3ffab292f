"""Presenter mode: a page safe to put on a projector. Larger type, a wide chat, the parameter form
and the API-call panel folded behind one button, and nothing that says where requests go or with
what key (no key field, key source, base URL, host or port); the model's name and the provider's
stay. On with the sidebar's "Presenter mode" toggle or `?present=1`; the address keeps `present=1`
while it is on, so a reload and a share link keep it."""

from __future__ import annotations

import streamlit as st

from ui import keys

TOGGLE = "presenter_mode"  # the sidebar toggle's key (and the mode's state)
SHOW_SETUP = "presenter_show_setup"  # the one button that unfolds the form and the API-call panel
PARAM = "present"

# Larger type for a room; the chat takes the whole width (the side panel is not drawn).
STYLE = """
<style>
.stApp { font-size: 1.2rem; }
.stMainBlockContainer [data-testid="stChatMessage"] p,
.stMainBlockContainer [data-testid="stChatMessage"] li { font-size: 1.25rem; line-height: 1.55; }
.stMainBlockContainer [data-testid="stChatInput"] textarea { font-size: 1.2rem; }
.stMainBlockContainer h1 { font-size: 2.4rem !important; }
/* The larger title and type take room: the chat box gives it back, so the page still fits the window. */
[data-testid="stLayoutWrapper"]:has(> .st-key-chat-box) { --box: max(14rem, calc(100dvh - 18rem)) !important; }
</style>
"""


def sync() -> bool:
    """Read the mode (the toggle's state, first from the address) and keep the address saying it;
    True when it is on. Call before anything is drawn."""
    ss = st.session_state
    if TOGGLE not in ss:
        ss[TOGGLE] = st.query_params.get(PARAM) == "1"
    else:
        ss[TOGGLE] = bool(ss[TOGGLE])  # keeps the widget's value across pages that switch without it
    on = bool(ss[TOGGLE])
    if on:
        if st.query_params.get(PARAM) != "1":
            st.query_params[PARAM] = "1"
        # A link's base URL has been read into the sidebar by now: the address must not show it.
        if "base_url" in st.query_params:
            del st.query_params["base_url"]
    elif PARAM in st.query_params:
        del st.query_params[PARAM]
    return on


def active() -> bool:
    return bool(st.session_state.get(TOGGLE))


def toggle() -> None:
    """The sidebar's "Presenter mode" toggle, and the larger type while it is on."""
    st.sidebar.toggle(
        "Presenter mode",
        key=TOGGLE,
        help="For a demo: larger type, a wide chat, the setup folded away, no key, base URL or host shown.",
    )
    if active():
        st.html(STYLE)


def url_part() -> dict[str, str]:
    """What a share link adds so it opens in presenter mode too."""
    return {PARAM: "1"} if active() else {}


def setup_shown() -> bool:
    """Whether the Playground draws its side panel (form and API-call panel): always outside
    presenter mode; in it, only after the one "Show setup" button."""
    if not active():
        return True
    shown = bool(st.session_state.get(SHOW_SETUP))
    if not shown:  # the form sets its defaults as it is drawn; folded, the Playground still streams
        st.session_state.setdefault(keys.param("stream"), True)
    return shown


def setup_button() -> None:
    """The one button that unfolds (and folds again) the form and the API-call panel."""
    if not active():
        return
    shown = bool(st.session_state.get(SHOW_SETUP))
    label = "Hide setup" if shown else "Show setup"
    if st.button(label, key="presenter-setup", icon=":material/tune:"):
        st.session_state[SHOW_SETUP] = not shown
        st.rerun()
