"""Conversations: made, listed (filters, search, sort, pages), renamed, starred, deleted with undo.
Every method takes the owner and touches only that owner's rows."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from lib.share import Setup
from lib.store.base import StoreBase, as_utc, new_id, now, text
from lib.store.errors import NotFound
from lib.store.records import Conversation, ConversationPage, ConversationQuery, Facets
from lib.store.redact import setup_json
from lib.store.search import conversation_filter
from lib.store.tables import conversations

MAX_PAGE = 500
COUNT_LIMIT = 200  # a search of a very common word counts this far ("200+")
TITLE_LENGTH = 80

_SORT: dict[str, Any] = {
    "updated": conversations.c.updated_at,
    "created": conversations.c.created_at,
    "title": sa.func.lower(conversations.c.title),
    "cost": conversations.c.cost,
    "messages": conversations.c.message_count,
    "model": conversations.c.model,
    "provider": conversations.c.provider,
}


def title_from(content: str) -> str:
    """A conversation's title from its first question: the first line, cut at a word."""
    line = " ".join(content.split())
    if len(line) <= TITLE_LENGTH:
        return line
    return line[:TITLE_LENGTH].rsplit(" ", 1)[0].rstrip(",.;:") + "…"


def missing(kind: str, ident: str) -> NotFound:
    return NotFound(f"There is no {kind} {ident} in your history; it may have been deleted.")


class Conversations(StoreBase):
    def create_conversation(
        self, owner: str, *, setup: Setup | None = None, title: str = "", page: str = "playground"
    ) -> Conversation:
        """A new, empty conversation (its title comes from the first question unless given)."""
        when = now()
        values = {
            "id": new_id(),
            "owner": owner,
            "title": text(title),
            "page": page,
            "provider": setup.provider_id if setup else "",
            "model": setup.model if setup else "",
            "setup": setup_json(setup) if setup else None,
            "starred": False,
            "forked_from": None,
            "message_count": 0,
            "cost": 0.0,
            "status": "",
            "created_at": when,
            "updated_at": when,
            "deleted_at": None,
        }
        with self._write() as conn:
            conn.execute(conversations.insert().values(values))
        return self.get_conversation(owner, str(values["id"]))

    def _conversation(self, conn: Connection, owner: str, conversation_id: str) -> Any:
        row = conn.execute(
            sa.select(conversations).where(conversations.c.id == conversation_id, conversations.c.owner == owner)
        ).first()
        if row is None:
            raise missing("conversation", conversation_id)
        return row

    def get_conversation(self, owner: str, conversation_id: str) -> Conversation:
        """One conversation of this owner (a deleted one too: its `deleted_at` says so); NotFound else."""
        with self._read() as conn:
            return Conversation.from_row(self._conversation(conn, owner, conversation_id))

    def _filters(self, owner: str, query: ConversationQuery) -> list[sa.ColumnElement[bool]]:
        """The query's conditions but its text (which needs a connection: `conversation_filter`)."""
        c = conversations.c
        # The owner first: list_conversations may restate it.
        where = [c.owner == owner, c.deleted_at.is_not(None) if query.deleted else c.deleted_at.is_(None)]
        for column, value in ((c.provider, query.provider), (c.model, query.model), (c.page, query.page),
                              (c.status, query.status), (c.starred, query.starred)):  # fmt: skip
            if value is not None:
                where.append(column == value)
        if query.since is not None:
            where.append(c.updated_at >= as_utc(query.since))
        if query.until is not None:
            where.append(c.updated_at < as_utc(query.until))
        return where

    def list_conversations(self, owner: str, query: ConversationQuery | None = None) -> ConversationPage:
        """One page of this owner's conversations matching the query, and how many match in all (for
        a search of a very common word, counted up to COUNT_LIMIT: `exact` is then False)."""
        query = query or ConversationQuery()
        where = self._filters(owner, query)
        key = _SORT[query.sort]
        order = [key.desc() if query.descending else key.asc(), conversations.c.id]
        limit = max(1, min(query.limit, MAX_PAGE))
        with self._read() as conn:
            search = conversation_filter(conn, owner, query.text)
            walked = search is not None and search.walked
            if search is not None:
                where.append(search.condition)
                if search.by_key:  # the same owner test, in a form no index serves: see Search.by_key
                    where[0] = sa.func.coalesce(conversations.c.owner, "") == owner
            rows = conn.execute(
                sa.select(conversations).where(*where).order_by(*order).limit(limit).offset(max(0, query.offset))
            ).all()
            matching = sa.select(conversations.c.id).where(*where)
            if walked:
                matching = matching.limit(COUNT_LIMIT)
            total = conn.execute(sa.select(sa.func.count()).select_from(matching.subquery())).scalar_one()
        exact = not walked or total < COUNT_LIMIT
        return ConversationPage([Conversation.from_row(r) for r in rows], int(total), exact)

    def facets(self, owner: str) -> Facets:
        """The providers, models, pages and statuses this owner's conversations have, for the filters."""
        c = conversations.c
        out: list[list[str]] = []
        with self._read() as conn:
            for column in (c.provider, c.model, c.page, c.status):
                values = conn.execute(
                    sa.select(column).where(c.owner == owner, c.deleted_at.is_(None)).distinct().order_by(column)
                ).scalars()
                out.append([v for v in values if v])
        return Facets(*out)

    def _update(self, owner: str, conversation_id: str, **values: Any) -> None:
        with self._write() as conn:
            done = conn.execute(
                conversations.update()
                .where(conversations.c.id == conversation_id, conversations.c.owner == owner)
                .values(**values)
            )
            if done.rowcount == 0:
                raise missing("conversation", conversation_id)

    def rename_conversation(self, owner: str, conversation_id: str, title: str) -> None:
        self._update(owner, conversation_id, title=text(title.strip()))

    def star_conversation(self, owner: str, conversation_id: str, starred: bool = True) -> None:
        self._update(owner, conversation_id, starred=starred)

    def update_setup(self, owner: str, conversation_id: str, setup: Setup) -> None:
        """Keep the form's setup with the conversation, so reopening it brings the form back."""
        self._update(owner, conversation_id, setup=setup_json(setup), provider=setup.provider_id, model=setup.model)

    def _mark_deleted(self, owner: str, ids: Iterable[str], when: datetime | None) -> int:
        wanted = list(ids)
        if not wanted:
            return 0
        c = conversations.c
        state = c.deleted_at.is_(None) if when is not None else c.deleted_at.is_not(None)
        with self._write() as conn:
            done = conn.execute(
                conversations.update().where(c.owner == owner, c.id.in_(wanted), state).values(deleted_at=when)
            )
        return int(done.rowcount)

    def delete_conversations(self, owner: str, ids: Sequence[str]) -> int:
        """Move conversations to the bin (undo with `undelete_conversations`); how many moved."""
        return self._mark_deleted(owner, ids, now())

    def undelete_conversations(self, owner: str, ids: Sequence[str]) -> int:
        """Bring deleted conversations back; how many came back."""
        return self._mark_deleted(owner, ids, None)

    def purge_deleted(self, owner: str, *, before: datetime | None = None) -> int:
        """Delete for good the conversations in the bin (deleted before `before`, if given)."""
        c = conversations.c
        where = [c.owner == owner, c.deleted_at.is_not(None)]
        if before is not None:
            where.append(c.deleted_at < as_utc(before))
        with self._write() as conn:
            return int(conn.execute(conversations.delete().where(*where)).rowcount)
