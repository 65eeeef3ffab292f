"""The API-call panel: the exact request, as runnable code in every language, to copy or download."""

from __future__ import annotations

import streamlit as st

from lib.request import ChatRequest, to_http
from lib.snippets import LANGUAGES, render


def api_call_panel(request: ChatRequest | None) -> None:
    """Tabs "cURL", "Python", ... each one st.code block with the whole runnable request."""
    with st.container(key="api-call", border=True):
        st.markdown("**API call**")
        if request is None:
            st.caption("Choose a provider and a model to see the request as code.")
            return
        wire = to_http(request)
        if wire.key_env:
            st.caption(f"Reads the key from ${wire.key_env}; the key itself is never shown.")
        tabs = st.tabs([lang.label for lang, _ in LANGUAGES.values()])
        for tab, (name, (lang, _)) in zip(tabs, LANGUAGES.items(), strict=True):
            with tab:
                code = render(wire, name)
                st.code(code, language=lang.code_language)
                st.download_button(
                    f"Download .{lang.extension}",
                    code,
                    file_name=f"chat_request.{lang.extension}",
                    mime="text/plain",
                    key=f"download-{name}",
                )
