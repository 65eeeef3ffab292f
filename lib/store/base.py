"""The store's engine and its two kinds of transaction; every public method is built on these."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from lib.store.database import WRITE, shown, unavailable
from lib.store.errors import StoreError


def new_id() -> str:
    """A random, unguessable id (128 bits, URL-safe): conversations, messages, snapshots."""
    return secrets.token_urlsafe(16)


def now() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """An aware time in UTC (a naive one is taken as UTC): what is written and compared."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def text(value: str | None) -> str:
    """Text as stored: PostgreSQL's text cannot hold NUL, so it becomes U+FFFD on both backends."""
    return (value or "").replace("\x00", "\ufffd")


class StoreBase:
    def __init__(self, engine: Engine, url: URL):
        self.engine = engine
        self.url = url
        self._writer = engine.execution_options(**{WRITE: True})

    @property
    def dialect(self) -> str:
        """'sqlite' or 'postgresql'."""
        return self.engine.dialect.name

    def describe(self) -> str:
        """Where the history is kept, without any password (for the History page's footer)."""
        if self.dialect == "sqlite":
            return f"SQLite at {self.url.database}"
        return f"PostgreSQL at {shown(self.url)}"

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        try:
            with self.engine.connect() as conn:
                yield conn
        except StoreError:
            raise
        except SQLAlchemyError as exc:
            raise unavailable(self.url, exc) from exc

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """One transaction that writes: committed at the end, rolled back on any error."""
        try:
            with self._writer.begin() as conn:
                yield conn
        except StoreError:
            raise
        except SQLAlchemyError as exc:
            raise unavailable(self.url, exc) from exc
