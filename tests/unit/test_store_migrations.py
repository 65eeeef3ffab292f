"""The store's migrations on SQLite and PostgreSQL: from an empty database, from the first revision
holding data, in agreement with the table definitions, safe when two processes start at once, and a
database from a newer version refused with one sentence, untouched."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from lib.store import ConversationQuery, Store, StoreUnavailable, migrate, open_store
from lib.store.database import create_engine, parse_url
from lib.store.search import managed_by_migrations
from lib.store.tables import conversations, messages, metadata


def engine_for(url: str) -> sa.Engine:
    return create_engine(parse_url(url))


def revision_of(url: str) -> tuple[str, ...]:
    engine = engine_for(url)
    try:
        with engine.connect() as conn:
            return migrate.current(conn)
    finally:
        engine.dispose()


def test_an_empty_database_is_brought_to_the_newest_revision(database_url: str) -> None:
    store = open_store(database_url)
    try:
        assert revision_of(database_url) == (migrate.head(),)
        names = set(sa.inspect(store.engine).get_table_names())
        assert {"conversations", "messages", "presets", "snapshots", "alembic_version"} <= names
    finally:
        store.close()
    again = open_store(database_url)  # a second start finds nothing to do
    again.close()
    assert revision_of(database_url) == (migrate.head(),)


def test_an_upgrade_from_the_first_revision_keeps_its_data_and_indexes_it(database_url: str) -> None:
    engine = engine_for(database_url)
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    with engine.begin() as conn:
        command.upgrade(migrate.config(conn), "0001")
        conn.execute(conversations.insert().values(
            id="c1", owner="local", title="Old times", page="playground", provider="oxen", model="gpt-x",
            setup={"provider_id": "oxen", "model": "gpt-x", "params": {"temperature": 0.2}}, starred=True,
            message_count=2, cost=0.5, status="complete", created_at=when, updated_at=when,
        ))  # fmt: skip
        for seq, (role, content) in enumerate((("user", "Tell me about aardvarks"), ("assistant", "They dig.")), 1):
            conn.execute(messages.insert().values(
                id=f"m{seq}", owner="local", conversation_id="c1", parent_id=f"m{seq - 1}" if seq > 1 else None,
                role=role, content=content, reasoning="", refusal="", status="complete" if seq == 2 else "",
                page="playground", created_at=when, updated_at=when,
            ))  # fmt: skip
    assert revision_of(database_url) == ("0001",)
    engine.dispose()

    store = open_store(database_url)
    try:
        assert revision_of(database_url) == (migrate.head(),)
        old = store.get_conversation("local", "c1")
        assert (old.title, old.starred, old.cost, old.created_at) == ("Old times", True, 0.5, when)
        assert old.setup.params == {"temperature": 0.2}
        assert [m.content for m in store.thread("local", "c1")] == ["Tell me about aardvarks", "They dig."]
        # Search, added by the second revision, finds what was stored before it.
        found = store.list_conversations("local", ConversationQuery(text="aardvarks"))
        assert [c.id for c in found.rows] == ["c1"]
        # And what is written after it.
        store.add_message("local", "c1", "user", "What about pangolins?")
        assert store.list_conversations("local", ConversationQuery(text="pangolins")).total == 1
    finally:
        store.close()


def test_the_table_definitions_and_the_migrations_agree(database_url: str) -> None:
    store = open_store(database_url)
    try:
        with store.engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"include_name": lambda name, kind, parent: not managed_by_migrations(name)}
            )
            assert compare_metadata(context, metadata) == []
        # The comparison sees a difference when there is one (so the empty list above means something).
        with store.engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE stray (id INTEGER PRIMARY KEY)")
            conn.exec_driver_sql("DROP INDEX ix_messages_status")
        with store.engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"include_name": lambda name, kind, parent: not managed_by_migrations(name)}
            )
            kinds = sorted(diff[0] for diff in compare_metadata(context, metadata))
            assert kinds == ["add_index", "remove_table"]
    finally:
        store.close()


def test_downgrade_to_nothing_and_up_again(database_url: str) -> None:
    open_store(database_url).close()
    engine = engine_for(database_url)
    try:
        with engine.begin() as conn:
            command.downgrade(migrate.config(conn), "base")
        assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()
    store = open_store(database_url)
    store.close()
    assert revision_of(database_url) == (migrate.head(),)


def test_a_database_from_a_newer_version_gives_one_sentence_and_is_left_alone(database_url: str) -> None:
    store = open_store(database_url)
    store.create_conversation("local", title="kept")
    with store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = 'f00d4ever'")
    store.close()
    with pytest.raises(StoreUnavailable) as refused:
        open_store(database_url)
    assert str(refused.value) == (
        "The history database was written by a newer version of Workbench (revision f00d4ever); "
        "update Workbench to use it."
    )
    assert revision_of(database_url) == ("f00d4ever",)  # not downgraded, not stamped
    engine = engine_for(database_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.select(conversations.c.title)).scalars().all() == ["kept"]
    finally:
        engine.dispose()


def test_processes_starting_at_once_on_a_new_database_all_open_it(database_url: str) -> None:
    """Four app processes (each its own engine) start together on one new database: the migration
    lock lets one create the tables and the others find them made."""
    opened: list[Store] = []
    failures: list[BaseException] = []
    gate = threading.Barrier(4)

    def start() -> None:
        gate.wait()
        try:
            opened.append(open_store(database_url))
        except BaseException as exc:  # reported below, with its sentence
            failures.append(exc)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    try:
        assert failures == [] and len(opened) == 4
        assert revision_of(database_url) == (migrate.head(),)
    finally:
        for store in opened:
            store.close()


def test_connections_to_a_new_sqlite_file_never_find_it_locked(tmp_path) -> None:
    """Switching a new SQLite file to WAL needs the file to itself, and SQLite answers "database is
    locked" at once (busy_timeout or not) when two connections switch together: app processes
    starting at once failed so, now and then, before switches took turns. 300 rounds of four
    engines connecting to one new file at once."""
    failures: list[BaseException] = []
    for round_ in range(300):
        url = f"sqlite:///{tmp_path / f'round{round_}.db'}"
        gate = threading.Barrier(4)

        def connect(url: str = url, gate: threading.Barrier = gate) -> None:
            engine = engine_for(url)
            gate.wait()
            try:
                with engine.connect() as conn:
                    assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            except BaseException as exc:  # reported below, with its sentence
                failures.append(exc)
            finally:
                engine.dispose()

        threads = [threading.Thread(target=connect) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    assert failures == []
