"""Who is using the app: with Streamlit's own authentication configured (an `[auth]` section in
`.streamlit/secrets.toml`), each person signs in and owns their history; without it, everyone is
`local` (one person on their own machine)."""

from __future__ import annotations

import streamlit as st

from lib.store import LOCAL_OWNER


def configured() -> bool:
    """An `[auth]` section in the secrets: sign-in is required."""
    try:
        return "auth" in st.secrets
    except FileNotFoundError:  # no secrets file at all
        return False


def owner() -> str:
    """The signed-in person's email when authentication is on, else `local`."""
    if st.user.get("is_logged_in"):
        email = st.user.get("email")
        if email:
            return str(email)
    return LOCAL_OWNER


def gate() -> None:
    """With authentication configured: a sign-in page until the person signs in (a team's history is
    per person, so no one uses it as `local`), then who they are and "Log out" in the sidebar."""
    if not configured():
        return
    if not st.user.get("is_logged_in"):
        st.title("Workbench")
        st.write("This Workbench is shared by a team: sign in to keep your own history.")
        st.button("Log in", key="log-in", type="primary", icon=":material/login:", on_click=st.login)
        st.stop()
    with st.sidebar:
        st.caption(f"Signed in as {owner()}")
        st.button("Log out", key="log-out", icon=":material/logout:", on_click=st.logout)
