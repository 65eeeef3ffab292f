"""The store's tables (SQLAlchemy Core), the one description the migrations must agree with.

One row of `messages` is one entry of a conversation: a message someone typed or imported, or a run
(the request exactly as sent, without any key, and its answer with its metrics). Messages form a tree
through `parent_id`, so a regenerated answer is a sibling and a fork keeps its ancestry. A run may also
belong to a Compare group (one pane each) or a Batch row. The full-text index over `content` and
`reasoning` is made by the migrations only (SQLite FTS5 or PostgreSQL's own), see `search.py`.
"""

from __future__ import annotations

import sqlalchemy as sa

# Named constraints, so migrations can alter them by name on every backend.
metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

ID = sa.String(32)  # secrets.token_urlsafe(16): 22 characters, 128 random bits
OWNER = sa.String(320)  # an email address at most
WHEN = sa.DateTime(timezone=True)
JSON = sa.JSON(none_as_null=True)  # Python None is SQL NULL, not the JSON text 'null'

conversations = sa.Table(
    "conversations",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("owner", OWNER, nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("page", sa.String(32), nullable=False),  # playground, compare, batch, import
    sa.Column("provider", sa.String(64), nullable=False),  # of the latest run (or the setup)
    sa.Column("model", sa.String(255), nullable=False),
    sa.Column("setup", JSON),  # provider id, base URL, model, params, system prompt, variables; never a key
    sa.Column("starred", sa.Boolean, nullable=False),
    sa.Column("forked_from", ID),  # the message this conversation was forked from
    # The stored ids of the messages the Playground shows, in order (NULL: the newest branch), so a
    # message deleted there stays deleted after a reload; the tree keeps every message.
    sa.Column("shown", JSON),
    # Kept up to date on every write, so the History table sorts and shows them without a GROUP BY.
    sa.Column("message_count", sa.Integer, nullable=False),
    sa.Column("cost", sa.Float, nullable=False),  # USD, the sum of the runs' known costs
    sa.Column("status", sa.String(16), nullable=False),  # the latest run's
    sa.Column("created_at", WHEN, nullable=False),
    sa.Column("updated_at", WHEN, nullable=False),  # last activity
    sa.Column("deleted_at", WHEN),  # soft delete: undo puts it back
    sa.Index(None, "owner", "updated_at"),
)

messages = sa.Table(
    "messages",
    metadata,
    # An integer key orders a conversation's messages and is the full-text index's rowid; `id` is
    # the public one.
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("id", ID, nullable=False, unique=True),
    sa.Column("owner", OWNER, nullable=False),
    sa.Column("conversation_id", ID, sa.ForeignKey("conversations.id", ondelete="CASCADE")),
    sa.Column("parent_id", ID, sa.ForeignKey("messages.id", ondelete="SET NULL")),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("content", sa.Text, nullable=False),  # the answer text, for a run
    sa.Column("name", sa.String(255)),
    sa.Column("tool_call_id", sa.String(255)),
    sa.Column("reasoning", sa.Text, nullable=False),
    sa.Column("refusal", sa.Text, nullable=False),
    sa.Column("tool_calls", JSON),  # [{"id", "type": "function", "function": {"name", "arguments"}}]
    sa.Column("other_parts", JSON),  # types of content parts that are not text
    sa.Column("logprobs", JSON),  # the answer's `logprobs.content`: each token and its top alternatives
    sa.Column("attachments", JSON),  # images as files beside the store: name, media type, sha256, size
    sa.Column("recording", JSON),  # the answer's chunks with the second each arrived, for Replay
    sa.Column("status", sa.String(16), nullable=False),  # '' typed, running, complete, stopped, ..., interrupted
    sa.Column("finish_reason", sa.String(64)),
    sa.Column("error", sa.Text),  # the sentence shown
    sa.Column("error_action", sa.String(32)),
    # The run: what was sent, by whom, and how it went.
    sa.Column("provider", sa.String(64)),
    sa.Column("model", sa.String(255)),
    sa.Column("request", JSON),  # method, url, headers (no credential), body, where the key goes (not the key)
    sa.Column("max_tokens", sa.Integer),
    sa.Column("ttft", sa.Float),
    sa.Column("latency", sa.Float),
    sa.Column("tokens_per_s", sa.Float),
    sa.Column("cost", sa.Float),
    sa.Column("prompt_tokens", sa.Integer),
    sa.Column("completion_tokens", sa.Integer),
    sa.Column("total_tokens", sa.Integer),
    sa.Column("usage_source", sa.String(16)),  # reported | counted
    sa.Column("page", sa.String(32), nullable=False),
    sa.Column("compare_group", ID),
    sa.Column("compare_pane", sa.Integer),
    sa.Column("batch_id", ID),
    sa.Column("batch_row", sa.Integer),
    sa.Column("runner", sa.String(255)),  # host/pid/token of the process streaming it
    sa.Column("created_at", WHEN, nullable=False),
    sa.Column("updated_at", WHEN, nullable=False),
    sa.Column("finished_at", WHEN),
    sa.Index(None, "conversation_id", "seq"),
    sa.Index(None, "parent_id"),
    sa.Index(None, "status"),
    sa.Index(None, "compare_group"),
    # A Batch that resumes after a crash cannot write a row twice (NULLs are distinct on both backends).
    sa.UniqueConstraint("batch_id", "batch_row"),
)

presets = sa.Table(
    "presets",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("owner", OWNER, nullable=False),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("setup", JSON, nullable=False),
    sa.Column("created_at", WHEN, nullable=False),
    sa.Column("updated_at", WHEN, nullable=False),
    sa.UniqueConstraint("owner", "name"),
)

snapshots = sa.Table(
    "snapshots",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("owner", OWNER, nullable=False),
    sa.Column("conversation_id", ID, sa.ForeignKey("conversations.id", ondelete="SET NULL")),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("data", JSON, nullable=False),  # the conversation as exported, frozen
    sa.Column("created_at", WHEN, nullable=False),
    sa.Index(None, "owner", "created_at"),
)

scenarios = sa.Table(
    "scenarios",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("owner", OWNER, nullable=False),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("data", JSON, nullable=False),  # the setup and the prompts with their recorded answers
    sa.Column("created_at", WHEN, nullable=False),
    sa.Column("updated_at", WHEN, nullable=False),
    sa.UniqueConstraint("owner", "name"),
)
