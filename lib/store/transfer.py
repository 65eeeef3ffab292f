"""Export, import and snapshots, on top of the records: a conversation out as JSON, Markdown, Python
or JSONL; files in, all or nothing; a conversation frozen for a read-only link."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from lib.store import export
from lib.store.base import new_id, now, text
from lib.store.conversations import missing
from lib.store.importer import MAX_IMPORT_BYTES, read_import
from lib.store.records import Conversation, ConversationQuery, Shown, Snapshot
from lib.store.runs import Runs
from lib.store.tables import conversations, messages, snapshots


class Transfer(Runs):
    def export_json(self, owner: str, conversation_id: str) -> dict[str, Any]:
        """The conversation as JSON: OpenAI `messages`, the setup, and every detail (see export.py)."""
        return export.conversation_json(
            self.get_conversation(owner, conversation_id), self.messages(owner, conversation_id)
        )

    def export_markdown(self, owner: str, conversation_id: str) -> str:
        return export.markdown(self.get_conversation(owner, conversation_id), self.messages(owner, conversation_id))

    def export_python(self, owner: str, conversation_id: str) -> str:
        """Runnable Python that replays the conversation's last request (the key read from its variable)."""
        return export.python(self.get_conversation(owner, conversation_id), self.messages(owner, conversation_id))

    def export_jsonl(self, owner: str, ids: Sequence[str] | ConversationQuery) -> str:
        """Many conversations, one JSON export per line: the ones named, or every one matching a
        query (all of its pages)."""
        if isinstance(ids, ConversationQuery):
            found: list[str] = []
            query = ids
            while True:
                page = self.list_conversations(owner, query)
                found += [c.id for c in page.rows]
                if len(page.rows) < query.limit or not page.rows:
                    break
                query = ConversationQuery(**{**vars(query), "offset": query.offset + len(page.rows)})
            ids = found
        return export.jsonl(self.export_json(owner, i) for i in ids)

    def import_text(self, owner: str, data: str | bytes, *, max_bytes: int = MAX_IMPORT_BYTES) -> list[Conversation]:
        """Import a file (see importer.py) as new conversations of this owner, in one transaction: a
        malformed or oversized file is refused (ImportRefused, one sentence) and nothing is written."""
        incoming = read_import(data, max_bytes=max_bytes)
        made: list[str] = []
        with self._write() as conn:
            for item in incoming:
                when = now()
                values = {
                    "page": "import", "provider": "", "model": "", "setup": None, "starred": False,
                    "forked_from": None, "status": "", "created_at": when, "updated_at": when,
                    **item.values,
                    "id": new_id(), "owner": owner, "message_count": 0, "cost": 0.0, "deleted_at": None,
                }  # fmt: skip
                values["title"] = text(values.get("title") or "")
                conn.execute(conversations.insert().values(values))
                row = conn.execute(sa.select(conversations).where(conversations.c.id == values["id"])).one()
                ids: dict[str, str] = {}
                thread: list[str] = []
                for m in item.messages:
                    parent = ids.get(m.old_parent) if m.old_parent else None
                    new = self._insert_message(conn, owner, row, m.values, parent)
                    if m.on_thread:
                        thread.append(new)
                    if m.old_id:
                        ids[m.old_id] = new
                    if not values["title"] and not row.title:  # the first question titled it
                        row = conn.execute(sa.select(conversations).where(conversations.c.id == values["id"])).one()
                changes: dict[str, Any] = {"cost": sum(m.values.get("cost") or 0.0 for m in item.messages)}
                if len(thread) < len(item.messages):  # branches too: the file says which thread was on screen
                    upto = conn.execute(sa.select(sa.func.max(messages.c.seq))).scalar()
                    changes["shown"] = Shown(tuple(thread), int(upto or 0)).to_json()
                if item.titled:  # the file's title stands, even an empty one
                    changes["title"] = values["title"]
                conn.execute(conversations.update().where(conversations.c.id == values["id"]).values(changes))
                made.append(str(values["id"]))
        return [self.get_conversation(owner, i) for i in made]

    def create_snapshot(self, owner: str, conversation_id: str) -> Snapshot:
        """Freeze the conversation as it is now (its JSON export, which holds no key) under a new,
        unguessable id for a read-only link (`?snapshot=<id>`)."""
        data = self.export_json(owner, conversation_id)
        values = {"id": new_id(), "owner": owner, "conversation_id": conversation_id, "title": text(data["title"]),
                  "data": data, "created_at": now()}  # fmt: skip
        with self._write() as conn:
            conn.execute(snapshots.insert().values(values))
        return self.get_snapshot(str(values["id"]))

    def get_snapshot(self, snapshot_id: str) -> Snapshot:
        """A snapshot by its id, whoever made it: the unguessable id is the permission to read it (a
        link is made to be shared); NotFound when there is none."""
        with self._read() as conn:
            row = conn.execute(sa.select(snapshots).where(snapshots.c.id == snapshot_id)).first()
        if row is None:
            raise missing("snapshot", snapshot_id)
        return Snapshot.from_row(row)

    def list_snapshots(self, owner: str, conversation_id: str | None = None) -> list[Snapshot]:
        """This owner's snapshots, newest first (of one conversation, if given)."""
        where = [snapshots.c.owner == owner]
        if conversation_id is not None:
            where.append(snapshots.c.conversation_id == conversation_id)
        with self._read() as conn:
            rows = conn.execute(sa.select(snapshots).where(*where).order_by(snapshots.c.created_at.desc())).all()
        return [Snapshot.from_row(r) for r in rows]

    def delete_snapshot(self, owner: str, snapshot_id: str) -> None:
        """Withdraw a snapshot: its link stops working."""
        with self._write() as conn:
            done = conn.execute(snapshots.delete().where(snapshots.c.id == snapshot_id, snapshots.c.owner == owner))
            if done.rowcount == 0:
                raise missing("snapshot", snapshot_id)
