"""Full-text search over every message's text, one signature on both backends: SQLite's FTS5 (an
external-content index kept by triggers) or PostgreSQL's `to_tsvector`/`plainto_tsquery` over a GIN
index over a stored column. Both match whole words, case-insensitively, every word of the query (AND), with
the `simple` configuration on PostgreSQL (no stemming, like FTS5's unicode61 tokenizer); SQLite also
folds accents.

The index is made by the migrations (0002_search), not by `tables.py`, so `managed_by_migrations` tells
Alembic's comparison to leave these objects out.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection

from lib.store.tables import conversations, messages

FTS = "messages_fts"  # the SQLite FTS5 table (and the prefix of its shadow tables and triggers)
PG_INDEX = "ix_messages_search"
MAX_WORDS = 16  # a longer query is cut: each word is one more index lookup
HIT_LIMIT = 15_000  # matching messages beyond which a search walks the conversations instead (see below)
_WORD = re.compile(r"\w+", re.UNICODE)

# PostgreSQL's words of each message: a stored column the database keeps, with a GIN index on it.
PG_DOCUMENT = "search_document"


def managed_by_migrations(name: str | None) -> bool:
    """The search index's objects, which the table definitions do not describe."""
    return bool(name) and (str(name).startswith(FTS) or name in (PG_INDEX, PG_DOCUMENT))


def words(text: str) -> list[str]:
    """The query's words, as both backends split text into words."""
    return _WORD.findall(text)[:MAX_WORDS]


def _match(dialect: str, found: list[str]) -> sa.ColumnElement[bool] | sa.TextClause:
    """True for the `messages` rows holding every word (on SQLite, with `FTS` joined to them)."""
    if dialect == "postgresql":
        query = sa.func.plainto_tsquery(sa.literal_column("'simple'::regconfig"), " ".join(found))
        return sa.literal_column(f"messages.{PG_DOCUMENT}").bool_op("@@")(query)
    # Each word quoted: FTS5 then reads it as a word, never as an operator (AND, NEAR, -, column:).
    match = " ".join('"' + w.replace('"', '""') + '"' for w in found)
    return sa.text(f"{FTS} MATCH :fts_query").bindparams(fts_query=match)


def message_hits(dialect: str, owner: str, found: list[str]) -> sa.Select[str | None]:
    """The conversation of every message of `owner` holding the words, driven by the index."""
    source: sa.FromClause = messages
    if dialect != "postgresql":
        source = _FTS_TABLE.join(messages, messages.c.seq == _FTS_TABLE.c.rowid)
    return sa.select(messages.c.conversation_id).select_from(source).where(_match(dialect, found),
                                                                           messages.c.owner == owner)  # fmt: skip


_FTS_TABLE = sa.table(FTS, sa.column("rowid"))


class Search(NamedTuple):
    condition: sa.ColumnElement[bool]  # on `conversations`
    walked: bool  # the plan for a very common word: count only as far as a page needs
    # The matching conversations are known by id: the owner's (owner, updated_at) index must not
    # be walked instead (SQLite's planner, its statistics sampled, would walk all 20,000 for 400).
    by_key: bool = False


def conversation_filter(conn: Connection, owner: str, text: str) -> Search | None:
    """A condition on `conversations`: it holds a message with every word of `text` (None: no words).

    Two plans, picked by how many messages hold the words (read up to HIT_LIMIT; PostgreSQL's
    estimate first, as reading them costs it more than FTS5): few, and the
    index's hits give the conversations (a rare word, a name: the usual search); very many (a word as
    common as "the"), and the conversations are walked in the page's order, each checked for a hit,
    which finds a page at once where collecting every hit would take seconds."""
    found = words(text)
    if not found:
        return None
    dialect = conn.dialect.name
    hits = message_hits(dialect, owner, found)
    found_in: Sequence[str | None] | None = None  # None: too many to read
    if _estimate(conn, dialect, found, hits) <= HIT_LIMIT:
        found_in = conn.execute(hits.limit(HIT_LIMIT + 1)).scalars().all()
    if found_in is not None and len(found_in) <= HIT_LIMIT:
        ids = sorted({c for c in found_in if c})
        if not ids:
            return Search(sa.false(), walked=False, by_key=True)
        # The conversations themselves, as one parameter (there may be more than SQLite takes one by
        # one), fetched by their key: see `by_key`.
        if dialect == "postgresql":
            listed = sa.bindparam("hit_ids", ids, type_=postgresql.ARRAY(sa.String))
            return Search(conversations.c.id == sa.any_(listed), walked=False, by_key=True)
        values = sa.func.json_each(sa.bindparam("hit_ids", json.dumps(ids))).table_valued("value")
        return Search(conversations.c.id.in_(sa.select(values.c.value)), walked=False, by_key=True)
    inside = message_hits(dialect, owner, found).where(messages.c.conversation_id == conversations.c.id)
    return Search(sa.exists(inside.correlate(conversations)), walked=True)


def _estimate(conn: Connection, dialect: str, found: list[str], hits: sa.Select[str | None]) -> float:
    """About how many messages hold the words, cheaply: PostgreSQL's planner estimate (its statistics
    know how common each word is), or FTS5's count of its index entries (every owner's; no row read).
    Reading the hits themselves to find out would cost a common word most of the time budget."""
    if dialect == "postgresql":
        compiled = hits.compile(dialect=conn.dialect)
        plan = conn.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {compiled}", dict(compiled.params)).scalar_one()
        document = json.loads(plan) if isinstance(plan, str) else plan
        return float(document[0]["Plan"]["Plan Rows"])
    entries = sa.select(sa.func.count()).select_from(_FTS_TABLE).where(_match(dialect, found))
    return float(conn.execute(entries).scalar_one())
