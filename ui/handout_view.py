"""The Playground's hand-out downloads: "Download HTML" (one self-contained file, lib/handout.py)
and "Download Markdown", of the conversation as it is, with the request of its last answer."""

from __future__ import annotations

import streamlit as st

from lib.conversation import ChatMessage
from lib.handout import handout_html, handout_markdown
from lib.request import ChatRequest, to_http


def downloads(
    messages: list[ChatMessage], request: ChatRequest | None, model: str, provider: str, disabled: bool = False
) -> None:
    """Two download buttons, when there is an answer to hand out (`disabled` while one streams: they
    stay in place so nothing moves)."""
    if not any(m.role == "assistant" and m.content for m in messages):
        return
    wire = to_http(request) if request is not None else None
    title, subtitle = "Workbench conversation", f"{model} · {provider}"
    row = st.container(key="handout")
    row.markdown("### Hand-out")
    row.download_button("Download HTML", handout_html(title, subtitle, messages, wire), file_name="conversation.html",
                        mime="text/html", icon=":material/download:", on_click="ignore", disabled=disabled)  # fmt: skip
    row.download_button("Download Markdown", handout_markdown(title, subtitle, messages, wire),
                        file_name="conversation.md", mime="text/markdown", icon=":material/download:",
                        on_click="ignore", disabled=disabled)  # fmt: skip
