"""Sizes past which the app says no, in one sentence, instead of working on (or sending) something
that would exhaust the server, in every mode: a shared app must not be brought down by one
visitor's paste, and nobody means to send 50 MB to a chat model.

Each limit is far above what a person does on purpose (a long code file is ~100 kB; the longest
context windows hold ~4 MB of text)."""

from __future__ import annotations

MAX_BODY_BYTES = 8 * 1024 * 1024  # one request's JSON body
MAX_MESSAGES = 2_000  # messages in one conversation
MAX_CURL_CHARS = 1_000_000  # a pasted cURL command
MAX_LINK_SETUP_BYTES = 1_000_000  # a share link's packed setup or chat, once unpacked
MAX_UPLOAD_MB = 50  # Streamlit's server.maxUploadSize (.streamlit/config.toml): a Batch dataset


def body_too_large(size: int) -> str | None:
    if size <= MAX_BODY_BYTES:
        return None
    return (
        f"This request is {size / 1e6:,.1f} MB, over the {MAX_BODY_BYTES / 1e6:,.0f} MB a request may be; "
        "shorten the conversation or the system prompt and send again."
    )


def too_many_messages(count: int) -> str | None:
    if count <= MAX_MESSAGES:
        return None
    return (
        f"This conversation has {count:,} messages, over the {MAX_MESSAGES:,} one may hold; start a new "
        "chat (the old one stays in History), or delete earlier messages."
    )


def curl_too_long(length: int) -> str | None:
    if length <= MAX_CURL_CHARS:
        return None
    return (
        f"The pasted command is {length:,} characters, over the {MAX_CURL_CHARS:,} an import reads; paste "
        "a command with a shorter body."
    )
