"""Alembic, run by the app itself: no alembic.ini, the scripts in `migrations/` at the repository's
root, the upgrade done in one transaction under a lock so that two processes starting at once on one
PostgreSQL (or one SQLite file) do not both create the tables."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy.engine import Connection

from lib.store.errors import StoreUnavailable

SCRIPTS = Path(__file__).resolve().parents[2] / "migrations"
LOCK_ID = 0x776F726B62656E63  # pg_advisory_xact_lock key: "workbenc" (any constant of ours)
VERSION_TABLE = "alembic_version"


def config(connection: Connection | None = None) -> Config:
    """An Alembic configuration with no file: the scripts' folder and, when given, the connection
    that `migrations/env.py` runs on."""
    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPTS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


@cache
def scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(config())


def head() -> str:
    """The newest revision this version of the app knows."""
    revision = scripts().get_current_head()
    assert revision is not None, "migrations/versions has no revision"
    return revision


def current(connection: Connection) -> tuple[str, ...]:
    """The revisions the database is at (empty for a new database)."""
    return tuple(MigrationContext.configure(connection).get_current_heads())


def check_known(connection: Connection) -> None:
    """StoreUnavailable when the database is at a revision this version does not have: a newer app
    wrote it, and this one must not touch (or downgrade) it."""
    for revision in current(connection):
        try:
            known = scripts().get_revision(revision)
        except CommandError:
            known = None
        if known is None:
            raise StoreUnavailable(
                f"The history database was written by a newer version of Workbench (revision {revision}); "
                "update Workbench to use it."
            )


def upgrade(connection: Connection, target: str = "heads") -> None:
    """Bring the database to `target` (the newest by default) inside the caller's transaction."""
    if connection.dialect.name == "postgresql":
        # Held to the end of the transaction: a second process waits, then finds the tables made.
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({LOCK_ID})")
    check_known(connection)
    command.upgrade(config(connection), target)
