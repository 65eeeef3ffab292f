"""Full-text search over every message: SQLite FTS5 or a PostgreSQL GIN index, filled from the
messages already stored. lib/store/search.py queries them (a test checks PostgreSQL's plan uses the
index).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SQLITE_UP = (
    "CREATE VIRTUAL TABLE messages_fts USING fts5(content, reasoning, content='messages', content_rowid='seq', "
    "tokenize='unicode61 remove_diacritics 2')",
    # External content: the index keeps only the words; triggers keep it in step with the rows.
    "CREATE TRIGGER messages_fts_ai AFTER INSERT ON messages BEGIN "
    "INSERT INTO messages_fts(rowid, content, reasoning) VALUES (new.seq, new.content, new.reasoning); END",
    "CREATE TRIGGER messages_fts_ad AFTER DELETE ON messages BEGIN "
    "INSERT INTO messages_fts(messages_fts, rowid, content, reasoning) "
    "VALUES ('delete', old.seq, old.content, old.reasoning); END",
    "CREATE TRIGGER messages_fts_au AFTER UPDATE OF content, reasoning ON messages BEGIN "
    "INSERT INTO messages_fts(messages_fts, rowid, content, reasoning) "
    "VALUES ('delete', old.seq, old.content, old.reasoning); "
    "INSERT INTO messages_fts(rowid, content, reasoning) VALUES (new.seq, new.content, new.reasoning); END",
    # The messages stored before this revision.
    "INSERT INTO messages_fts(messages_fts) VALUES ('rebuild')",
)
SQLITE_DOWN = (
    "DROP TRIGGER IF EXISTS messages_fts_ai",
    "DROP TRIGGER IF EXISTS messages_fts_ad",
    "DROP TRIGGER IF EXISTS messages_fts_au",
    "DROP TABLE IF EXISTS messages_fts",
)
# The words are kept in a stored column, not only in an expression index: a plan that reads many
# rows (a common word) would otherwise parse every message's text again on every search.
POSTGRES_UP = (
    "ALTER TABLE messages ADD COLUMN search_document tsvector GENERATED ALWAYS AS "
    "(to_tsvector('simple'::regconfig, coalesce(content, '') || ' ' || coalesce(reasoning, ''))) STORED",
    "CREATE INDEX ix_messages_search ON messages USING gin (search_document)",
)
POSTGRES_DOWN = (
    "DROP INDEX IF EXISTS ix_messages_search",
    "ALTER TABLE messages DROP COLUMN IF EXISTS search_document",
)


def _run(statements: tuple[str, ...]) -> None:
    for statement in statements:
        op.execute(statement)


def upgrade() -> None:
    _run(POSTGRES_UP if op.get_bind().dialect.name == "postgresql" else SQLITE_UP)


def downgrade() -> None:
    _run(POSTGRES_DOWN if op.get_bind().dialect.name == "postgresql" else SQLITE_DOWN)
