"""Which database, and an engine for it: SQLite at `$WORKBENCH_HOME/workbench.db` (WAL, foreign keys
on) unless `WORKBENCH_DATABASE_URL` names a PostgreSQL; every failure to open one is one sentence."""

from __future__ import annotations

import fcntl
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from lib import settings
from lib.store.errors import StoreUnavailable

URL_ENV = "WORKBENCH_DATABASE_URL"
WRITE = "workbench_write"  # execution option: a transaction that will write
BUSY_TIMEOUT_MS = 15_000  # how long a SQLite writer waits for another to finish


def database_url() -> str:
    """`WORKBENCH_DATABASE_URL`, or the SQLite file in the app's data folder."""
    raw = os.environ.get(URL_ENV, "").strip()
    if raw:
        return raw
    return f"sqlite:///{settings.workbench_home() / 'workbench.db'}"


def parse_url(raw: str) -> URL:
    """A SQLAlchemy URL for SQLite or PostgreSQL (psycopg 3, the driver installed); else a sentence."""
    try:
        url = sa.make_url(raw)
    except ArgumentError:
        raise StoreUnavailable(
            f"{URL_ENV} is not a database URL (expected postgresql+psycopg://user@host/db)."
        ) from None
    backend = url.get_backend_name()
    if backend in ("postgres", "postgresql"):
        # `postgresql://` would pick psycopg2, which is not installed; psycopg 3 is.
        return url.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        return url
    raise StoreUnavailable(f"History works with SQLite and PostgreSQL; {URL_ENV} names {backend}.")


def shown(url: URL) -> str:
    """The URL as a person may see it: never with its password."""
    return url.render_as_string(hide_password=True)


def _sqlite_connect(path: Path | None) -> Any:
    def connect(dbapi_connection: Any, _record: Any) -> None:
        # The driver's own transaction handling is switched off so that `_begin` decides how each
        # one starts; WAL lets readers go on while one writer writes; synchronous=NORMAL is safe in
        # WAL against a killed process (only a power cut can lose the last commits).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys = ON")
            if path is not None and cursor.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                # WAL is kept in the file, so only a new database switches. The switch needs the
                # file to itself and SQLite does not wait for it (two processes switching at once:
                # "database is locked" at once, busy_timeout or not), so switches take turns.
                with _turn(path):
                    cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()

    return connect


@contextmanager
def _turn(path: Path) -> Iterator[None]:
    """An exclusive lock on a file beside the database, held by one process (and thread) at a time."""
    with open(path.with_name(path.name + "-setup.lock"), "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _sqlite_begin(connection: Connection) -> None:
    # A writer takes the write lock when it begins (IMMEDIATE): a deferred transaction that reads
    # and then writes cannot wait for the lock (SQLite returns "database is locked" at once to avoid
    # a deadlock), whereas BEGIN IMMEDIATE waits up to busy_timeout for the other writer.
    immediate = connection.get_execution_options().get(WRITE)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def create_engine(url: URL) -> Engine:
    """An engine with the store's settings; SQLite's folder is made when missing."""
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        path = None
        if database and database != ":memory:" and not database.startswith("file:"):
            path = Path(database).expanduser()
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreUnavailable(
                    f"The history folder {Path(database).parent} cannot be made ({exc.strerror})."
                ) from None
        engine = sa.create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _sqlite_connect(path))
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    # pre_ping: a pooled connection the server dropped (a restart, an idle timeout) is replaced
    # rather than failing the next write.
    return sa.create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10, connect_args={"connect_timeout": 5})


_NOISE = re.compile(r"\(Background on this error at:.*?\)|\[SQL:.*", re.DOTALL)


def reason(exc: BaseException) -> str:
    """The driver's own first line, without SQL, parameters or links, and without any password."""
    inner = getattr(exc, "orig", None) or exc
    text = _NOISE.sub("", str(inner)).strip().splitlines()
    first = text[0].strip() if text else type(inner).__name__
    first = re.sub(r"(://[^:/@\s]*:)[^@\s]*@", r"\1***@", first)
    return first[:200].rstrip(". ")


def unavailable(url: URL, exc: BaseException) -> StoreUnavailable:
    """One sentence for a database that cannot be used: which one, and the driver's reason."""
    if isinstance(exc, NoSuchModuleError):
        return StoreUnavailable(f"The database driver for {shown(url)} is not installed.")
    if url.get_backend_name() == "sqlite":
        where = url.database or "the SQLite database"
        why = reason(exc)
        if "not a database" in why:
            return StoreUnavailable(f"{where} is not a SQLite database; move it aside or set {URL_ENV}.")
        return StoreUnavailable(f"The history database {where} cannot be used ({why}).")
    if isinstance(exc, SQLAlchemyError) and not isinstance(exc, sa.exc.DBAPIError):
        return StoreUnavailable(f"The history database at {shown(url)} cannot be used ({reason(exc)}).")
    return StoreUnavailable(f"The history database at {shown(url)} cannot be reached ({reason(exc)}).")
