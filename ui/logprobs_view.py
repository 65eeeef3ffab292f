"""An answer drawn with its token probabilities: each token shaded, alternatives on hover, and a table."""

from __future__ import annotations

import streamlit as st

from lib import logprobs
from lib.conversation import ChatMessage

NOT_RETURNED = (
    "Token probabilities were asked for, but the server returned none for this answer; "
    "it may not support `logprobs` on chat completions."
)


def draw(msg: ChatMessage) -> None:
    toks = logprobs.tokens(msg.logprobs)
    with st.container(key=f"logprobs-{msg.id}"):
        # st.html keeps the escaped spans and their style (no script); the text is escaped by lib.
        st.html(logprobs.to_html(toks))
        joined = "".join(t.text for t in toks)
        if joined != msg.content:  # e.g. a cut stream: the text that has no probabilities is still shown
            st.caption("The text as received (some tokens came without probabilities):")
            st.text(msg.content)
        with st.expander("Token probabilities table"):
            st.dataframe(logprobs.table(toks), hide_index=True, width="stretch")
