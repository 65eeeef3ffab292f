"""Alembic's environment for the store: always online, on the connection the app hands over
(lib/store/migrate.py), inside the app's own transaction."""

from __future__ import annotations

from alembic import context

from lib.store.search import managed_by_migrations
from lib.store.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("The store's migrations run from the app (lib/store/migrate.py), on its connection.")

context.configure(
    connection=connection,
    target_metadata=metadata,
    # SQLite alters a table by copying it; batch mode does that for later migrations.
    render_as_batch=connection.dialect.name == "sqlite",
    include_name=lambda name, kind, parent: not managed_by_migrations(name),
)
with context.begin_transaction():
    context.run_migrations()
