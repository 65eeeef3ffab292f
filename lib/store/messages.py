"""Messages of a conversation: appended, read in order or as one branch of the tree, and forked."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from lib.store.base import new_id, now, text
from lib.store.conversations import Conversations, missing, title_from
from lib.store.records import ROLES, Conversation, Shown, StoredMessage
from lib.store.tables import conversations, messages

LATEST: Final = "latest"  # parent_id: the conversation's newest message (None: a new root)

# What a message row holds when nothing says otherwise.
DEFAULTS: dict[str, Any] = {
    "name": None, "tool_call_id": None, "reasoning": "", "refusal": "", "tool_calls": None, "other_parts": None,
    "status": "", "finish_reason": None, "error": None, "error_action": None, "provider": None, "model": None,
    "request": None, "max_tokens": None, "ttft": None, "latency": None, "tokens_per_s": None, "cost": None,
    "prompt_tokens": None, "completion_tokens": None, "total_tokens": None, "usage_source": None,
    "compare_group": None, "compare_pane": None, "batch_id": None, "batch_row": None, "runner": None,
    "finished_at": None, "logprobs": None, "attachments": None,
}  # fmt: skip
_TEXT = ("content", "reasoning", "refusal", "error", "name")


def branch(rows: list[StoredMessage], leaf_id: str | None) -> list[StoredMessage]:
    """The messages from the root down to `leaf_id` (the newest message when None), in order."""
    if not rows:
        return []
    by_id = {m.id: m for m in rows}
    node: StoredMessage | None = by_id.get(leaf_id) if leaf_id else rows[-1]
    path: list[StoredMessage] = []
    while node is not None and len(path) <= len(rows):  # the bound guards against a cycle
        path.append(node)
        node = by_id.get(node.parent_id) if node.parent_id else None
    return path[::-1]


def on_screen(rows: list[StoredMessage], shown: Shown | None) -> list[StoredMessage]:
    """The messages the Playground shows: the newest branch, or what `shown` lists (a message deleted
    there stays deleted). A message stored after `shown` was written (a run that went on streaming,
    another tab's) continues it from the last listed message it descends from."""
    if shown is None:
        return branch(rows, None)
    by_id = {m.id: m for m in rows}
    listed = [by_id[i] for i in shown.ids if i in by_id]
    later = [m for m in rows if m.seq > shown.upto]
    if not later:
        return listed
    path = branch(rows, later[-1].id)
    place = {m.id: n for n, m in enumerate(path)}
    joined = max((k for k, m in enumerate(listed) if m.id in place), default=None)
    if joined is None:
        return path
    return listed[: joined + 1] + path[place[listed[joined].id] + 1 :]


class Messages(Conversations):
    def _insert_message(
        self,
        conn: Connection,
        owner: str,
        conversation: Any,
        values: Mapping[str, Any],
        parent_id: str | None,
        touch: Mapping[str, Any] | None = None,
    ) -> str:
        """Insert one message into `conversation` (a row this owner holds) and keep the conversation's
        count, last activity and title in step (with `touch`'s changes, in the same statement); the
        new message's id."""
        if parent_id == LATEST:
            parent_id = conn.execute(
                sa.select(messages.c.id)
                .where(messages.c.conversation_id == conversation.id)
                .order_by(messages.c.seq.desc())
                .limit(1)
            ).scalar()
        elif parent_id is not None:
            found = conn.execute(
                sa.select(messages.c.id).where(
                    messages.c.id == parent_id, messages.c.conversation_id == conversation.id
                )
            ).scalar()
            if found is None:
                raise missing("message", parent_id)
        when = values.get("created_at") or now()
        row = {**DEFAULTS, "page": conversation.page, **values}
        for key in _TEXT:
            if row.get(key) is not None:
                row[key] = text(row[key])
        if row["role"] not in ROLES:
            raise ValueError(f"{row['role']!r} is not a chat role")
        row.update(id=row.get("id") or new_id(), owner=owner, conversation_id=conversation.id, parent_id=parent_id,
                   created_at=when, updated_at=row.get("updated_at") or when)  # fmt: skip
        conn.execute(messages.insert(), row)  # parameters, not .values(): one cached statement
        changes: dict[str, Any] = {
            "message_count": conversations.c.message_count + 1,
            "updated_at": sa.func.greatest(conversations.c.updated_at, row["updated_at"])
            if self.dialect == "postgresql"
            else sa.func.max(conversations.c.updated_at, row["updated_at"]),
        }
        if not conversation.title and row["role"] == "user" and row["content"].strip():
            changes["title"] = title_from(row["content"])
        changes.update(touch or {})
        conn.execute(conversations.update().where(conversations.c.id == conversation.id).values(changes))
        return str(row["id"])

    def add_message(
        self,
        owner: str,
        conversation_id: str,
        role: str,
        content: str,
        *,
        parent_id: str | None = LATEST,
        name: str | None = None,
        tool_call_id: str | None = None,
        tool_calls: list[dict[str, Any]] | None = None,
        attachments: list[dict[str, Any]] | None = None,
    ) -> StoredMessage:
        """Append a typed (or tool) message; `parent_id` LATEST follows the newest message.
        `attachments`: its images' records (the files stay beside the store, lib/images.py)."""
        with self._write() as conn:
            conversation = self._conversation(conn, owner, conversation_id)
            values = {"role": role, "content": content, "name": name, "tool_call_id": tool_call_id,
                      "tool_calls": tool_calls or None, "attachments": attachments or None}  # fmt: skip
            message_id = self._insert_message(conn, owner, conversation, values, parent_id)
        return self.get_message(owner, message_id)

    def get_message(self, owner: str, message_id: str) -> StoredMessage:
        with self._read() as conn:
            row = conn.execute(
                sa.select(messages).where(messages.c.id == message_id, messages.c.owner == owner)
            ).first()
        if row is None:
            raise missing("message", message_id)
        return StoredMessage.from_row(row)

    def messages(self, owner: str, conversation_id: str) -> list[StoredMessage]:
        """Every message of the conversation (all branches), oldest first."""
        with self._read() as conn:
            self._conversation(conn, owner, conversation_id)
            rows = conn.execute(
                sa.select(messages).where(messages.c.conversation_id == conversation_id).order_by(messages.c.seq)
            ).all()
        return [StoredMessage.from_row(r) for r in rows]

    def thread(self, owner: str, conversation_id: str, leaf_id: str | None = None) -> list[StoredMessage]:
        """What the Playground shows when the conversation is reopened (see `on_screen`); with
        `leaf_id`, the branch from the root down to that message."""
        rows = self.messages(owner, conversation_id)
        if leaf_id is not None:
            return branch(rows, leaf_id)
        return on_screen(rows, self.get_conversation(owner, conversation_id).shown)

    def show(self, owner: str, conversation_id: str, ids: Sequence[str]) -> None:
        """Note the stored messages the Playground shows, in order (after a delete there, or any change)."""
        with self._write() as conn:
            upto = conn.execute(
                sa.select(sa.func.max(messages.c.seq)).where(messages.c.conversation_id == conversation_id)
            ).scalar()
            done = conn.execute(
                conversations.update()
                .where(conversations.c.id == conversation_id, conversations.c.owner == owner)
                .values(shown=Shown(tuple(ids), int(upto or 0)).to_json())
            )
            if done.rowcount == 0:
                raise missing("conversation", conversation_id)

    def fork(self, owner: str, message_id: str, *, title: str | None = None) -> Conversation:
        """A new conversation holding the branch up to and including `message_id`, with the same setup."""
        source = self.get_message(owner, message_id)
        if source.conversation_id is None:
            raise missing("conversation of message", message_id)
        # What the Playground shows down to the message (a message deleted there is not copied), or
        # for a message off it, its branch.
        shown = self.thread(owner, source.conversation_id)
        at = next((n for n, m in enumerate(shown) if m.id == message_id), None)
        path = shown[: at + 1] if at is not None else branch(self.messages(owner, source.conversation_id), message_id)
        with self._write() as conn:
            original = self._conversation(conn, owner, source.conversation_id)
            when = now()
            new = {
                "id": new_id(), "owner": owner, "title": text(f"{original.title} (fork)" if title is None else title),
                "page": original.page, "provider": original.provider, "model": original.model,
                "setup": original.setup, "starred": False, "forked_from": message_id, "message_count": 0,
                "cost": 0.0, "status": "", "created_at": when, "updated_at": when, "deleted_at": None,
            }  # fmt: skip
            conn.execute(conversations.insert().values(new))
            copy = conn.execute(sa.select(conversations).where(conversations.c.id == new["id"])).one()
            ids: dict[str, str] = {}
            for n, m in enumerate(path):
                row = conn.execute(sa.select(messages).where(messages.c.id == m.id)).one()._asdict()
                for key in ("seq", "id", "owner", "conversation_id", "parent_id", "created_at", "updated_at"):
                    row.pop(key)
                if row["status"] == "running":  # its stream is the original's; this copy will not grow
                    row["status"] = "interrupted"
                row["runner"] = None
                row.update(created_at=m.created_at, updated_at=m.updated_at)
                ids[m.id] = self._insert_message(conn, owner, copy, row, ids[path[n - 1].id] if n else None)
            last = next((m for m in reversed(path) if m.is_run), None)
            status = "" if last is None else ("interrupted" if last.status == "running" else last.status)
            total = sum(m.metrics.cost or 0.0 for m in path)
            conn.execute(
                conversations.update()
                .where(conversations.c.id == new["id"])
                .values(cost=total, status=status, updated_at=when)
            )
        return self.get_conversation(owner, str(new["id"]))
