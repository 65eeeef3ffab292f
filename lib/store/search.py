"""Full-text search over every message's text, one signature on both backends: SQLite's FTS5 (an
external-content index kept by triggers) or PostgreSQL's `to_tsvector`/`plainto_tsquery` over a GIN
expression index. Both match whole words, case-insensitively, every word of the query (AND), with
the `simple` configuration on PostgreSQL (no stemming, like FTS5's unicode61 tokenizer); SQLite also
folds accents.

The index is made by the migrations (0002_search), not by `tables.py`, so `managed_by_migrations` tells
Alembic's comparison to leave these objects out.
"""

from __future__ import annotations

import re

import sqlalchemy as sa

from lib.store.tables import messages

FTS = "messages_fts"  # the SQLite FTS5 table (and the prefix of its shadow tables and triggers)
PG_INDEX = "ix_messages_search"
MAX_WORDS = 16  # a longer query is cut: each word is one more index lookup
_WORD = re.compile(r"\w+", re.UNICODE)

# The expression the PostgreSQL index is built on; a query must use the very same one to use it.
PG_DOCUMENT = "to_tsvector('simple'::regconfig, coalesce(content, '') || ' ' || coalesce(reasoning, ''))"


def managed_by_migrations(name: str | None) -> bool:
    """The search index's objects, which the table definitions do not describe."""
    return bool(name) and (str(name).startswith(FTS) or name == PG_INDEX)


def words(text: str) -> list[str]:
    """The query's words, as both backends split text into words."""
    return _WORD.findall(text)[:MAX_WORDS]


def matching_messages(dialect: str, text: str) -> sa.ColumnElement[bool] | None:
    """A condition on `messages` true for the rows holding every word of `text`; None for no words."""
    found = words(text)
    if not found:
        return None
    if dialect == "postgresql":
        query = sa.func.plainto_tsquery(sa.literal_column("'simple'::regconfig"), " ".join(found))
        return sa.literal_column(PG_DOCUMENT).bool_op("@@")(query)
    # Each word quoted: FTS5 then reads it as a word, never as an operator (AND, NEAR, -, column:).
    match = " ".join('"' + w.replace('"', '""') + '"' for w in found)
    condition = sa.text(f"{FTS} MATCH :fts_query").bindparams(fts_query=match)
    return messages.c.seq.in_(sa.select(sa.literal_column("rowid")).select_from(sa.table(FTS)).where(condition))
