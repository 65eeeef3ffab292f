"""The history store: every conversation, message and run kept in SQLite or PostgreSQL (see
`store.py`); no Streamlit here. Start with `open_store()`."""

# Compare's votes table (lib/store/compare.py, migration 0003) on the shared metadata, whichever
# module opens the store first.
from lib.store import compare as compare
from lib.store.errors import ImportRefused, NotFound, StoreError, StoreUnavailable
from lib.store.messages import LATEST
from lib.store.records import (
    LOCAL_OWNER,
    Conversation,
    ConversationPage,
    ConversationQuery,
    Facets,
    Preset,
    Snapshot,
    StoredMessage,
)
from lib.store.runs import RunWriter
from lib.store.store import Store, open_store

__all__ = [
    "LATEST",
    "LOCAL_OWNER",
    "Conversation",
    "ConversationPage",
    "ConversationQuery",
    "Facets",
    "ImportRefused",
    "NotFound",
    "Preset",
    "RunWriter",
    "Snapshot",
    "Store",
    "StoreError",
    "StoreUnavailable",
    "StoredMessage",
    "open_store",
]
