"""Session-state and widget keys, named in one place so a page, a helper and a test cannot spell the
same key two ways. Per-provider, per-parameter and per-message keys are built by the functions here."""

from __future__ import annotations

# The connection in the sidebar: one set of widgets per provider, so switching keeps each one's values.
PROVIDER = "provider_id"
_BASE_URL = "base_url_"
_MODEL = "model_"
_API_KEY = "api_key_"


def base_url(provider_id: str) -> str:
    return _BASE_URL + provider_id


def model(provider_id: str) -> str:
    return _MODEL + provider_id


def api_key(provider_id: str) -> str:
    return _API_KEY + provider_id


# A provider's own setup (ui/custom_setup.py): the "Custom headers" text area, and in session state
# the credential headers' values, the Azure-style key placement and query, and whether headers came
# in a share link and were not reviewed yet.
_CUSTOM_HEADERS = "custom_headers_"


def custom_headers(provider_id: str) -> str:
    return _CUSTOM_HEADERS + provider_id


def custom_headers_problems(provider_id: str) -> str:
    return f"header_problems_{provider_id}"


def secret_headers(provider_id: str) -> str:
    return f"secret_headers_{provider_id}"


def provider_setup(provider_id: str) -> str:
    return f"provider_setup_{provider_id}"


def headers_from_link(provider_id: str) -> str:
    return f"headers_from_link_{provider_id}"


# The parameter form: `param_<name>` (and `param_<name>_<part>` for a widget's sub-fields).
_PARAM = "param_"
PARAM_EXTRA = "param__extra"  # other parameters as a JSON object (imports, fields the form does not know)
SYSTEM = "system_prompt"
_VARIABLE = "var_"


def param(name: str, part: str = "") -> str:
    return f"{_PARAM}{name}_{part}" if part else _PARAM + name


def variable(name: str) -> str:
    """The text input filling `{{name}}`."""
    return _VARIABLE + name


# Streamlit drops a widget's state on a run that does not draw it, so keys with these prefixes are
# re-assigned on every run to survive page switches and provider switches.
PERSISTENT_PREFIXES = (PROVIDER, _BASE_URL, _MODEL, _API_KEY, _CUSTOM_HEADERS, _PARAM, _VARIABLE, SYSTEM)
CLIENT = "chat_client"  # the session's ChatClient (ui/state.client)
PENDING = "pending_widgets"  # widget values to set at the start of the next run, before any is drawn


# Each chat message's own widgets, by its stable id.
def edit_text(message_id: int) -> str:
    return f"edit_text_{message_id}"


def edit_save(message_id: int) -> str:
    return f"edit_save_{message_id}"


def edit_regenerate(message_id: int) -> str:
    return f"edit_regenerate_{message_id}"


def edit_cancel(message_id: int) -> str:
    return f"edit_cancel_{message_id}"


def edit(message_id: int) -> str:
    return f"edit_{message_id}"


def delete(message_id: int) -> str:
    return f"delete_{message_id}"


def message_actions(message_id: int) -> str:
    """The container of a message's Edit and Delete buttons (CSS class `st-key-msg-actions-<id>`)."""
    return f"msg-actions-{message_id}"


# Session state that is not one widget.
MODELS_CACHE = "models_cache"  # (provider id, base URL) -> list of model objects, or an error sentence
MODEL_DETAILS = "model_details"  # (provider id, base URL, model) -> model object, or an error sentence
CONNECTION = "connection"  # the sidebar's Connection for this run, or None
CONNECTION_TEST = "connection_test"  # ("ok" | "error", sentence) from Test connection, shown once
NOTICE = "notice"  # a sentence for the next page drawn (a damaged share link)
MESSAGES = "playground_messages"  # the Playground's conversation: list[ChatMessage]
MESSAGE_SEQ = "message_seq"  # the last message id given out
EDITING = "editing"  # the id of the message being edited, or None

# The Playground's own widgets and flags.
CHAT_INPUT = "playground_input"
STOP = "playground_stop"  # the Stop button while an answer streams
AFTER_STOP = "playground_after_stop"  # hidden button the page's script clicks once a stopped run is idle
LIVE = "playground_live"  # the answer streaming in the running script (ui/chat.py LiveRun), if any
CLEARED = "playground_cleared"  # the conversation "Clear" removed, until Undo or the next message
RETRY = "playground_retry"  # send again on the next run (Regenerate, retry after a fix)
INLINE_KEY = "inline_key"  # "Paste an API key for this session" under a rejected-key error
CURL_TEXT = "curl_text"
IMPORT_RESULT = "import_result"
SHARE_RESULT = "share_result"
CHAT_WINDOW = "chat_window"  # how many of the latest messages are drawn
TEST_CONNECTION = "test_connection"
