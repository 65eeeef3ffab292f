"""The store as one object, and `open_store()`, which the app calls once per process at start-up."""

from __future__ import annotations

from sqlalchemy.exc import SQLAlchemyError

from lib.store import migrate
from lib.store.batch import BatchStore
from lib.store.database import create_engine, database_url, parse_url, unavailable
from lib.store.errors import StoreError
from lib.store.presets import Presets
from lib.store.scenarios import Scenarios
from lib.store.transfer import Transfer


class Store(Transfer, Presets, BatchStore, Scenarios):
    """Conversations, messages and runs, presets, snapshots, export and import; every method that
    reads or writes a person's data takes their owner. Thread-safe (one engine, a pool of connections):
    make one per process and share it."""


def open_store(url: str | None = None, *, interrupt: bool = True) -> Store:
    """Open the history (`WORKBENCH_DATABASE_URL`, default SQLite in `$WORKBENCH_HOME`), migrate it
    to this version, and mark interrupted the runs a dead process left running. StoreUnavailable
    with one sentence when it cannot be used; the app then chats without history."""
    parsed = parse_url(url or database_url())
    engine = create_engine(parsed)
    store = Store(engine, parsed)
    try:
        with store._writer.begin() as conn:
            migrate.upgrade(conn)
            if store.dialect == "sqlite":
                # Fresh statistics (sampled: ~0.1 s on 100,000 runs), without which SQLite walks every
                # conversation to find the few a search hit; PostgreSQL's autovacuum keeps its own.
                conn.exec_driver_sql("PRAGMA analysis_limit = 1000")
                conn.exec_driver_sql("ANALYZE conversations")
                conn.exec_driver_sql("ANALYZE messages")
        if interrupt:
            store.interrupt_orphaned_runs()
    except StoreError:
        engine.dispose()
        raise
    except (SQLAlchemyError, OSError) as exc:
        engine.dispose()
        raise unavailable(parsed, exc) from exc
    return store
