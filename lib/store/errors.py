"""What can go wrong with the history store, each as one sentence the app can show."""

from __future__ import annotations

from lib.errors import WorkbenchError


class StoreError(WorkbenchError):
    """Base class of the store's errors; `str(error)` is the sentence."""


class StoreUnavailable(StoreError):
    """The store cannot be used (cannot be opened, written by a newer version, gone mid-session):
    the app shows "History is off: <sentence>" and keeps chatting."""

    action = "history_off"


class NotFound(StoreError):
    """No such conversation, message, preset or snapshot for this owner."""


class ImportRefused(StoreError):
    """An import that was malformed or too large; nothing was written."""
