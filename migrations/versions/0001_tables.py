"""The store's tables: conversations, messages (and runs), presets, snapshots.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ID = sa.String(length=32)
OWNER = sa.String(length=320)
WHEN = sa.DateTime(timezone=True)
JSON = sa.JSON(none_as_null=True)


def upgrade() -> None:
    op.create_table(
        "conversations",
        sa.Column("id", ID, nullable=False),
        sa.Column("owner", OWNER, nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("page", sa.String(length=32), nullable=False),
        sa.Column("provider", sa.String(length=64), nullable=False),
        sa.Column("model", sa.String(length=255), nullable=False),
        sa.Column("setup", JSON, nullable=True),
        sa.Column("starred", sa.Boolean(), nullable=False),
        sa.Column("forked_from", ID, nullable=True),
        sa.Column("message_count", sa.Integer(), nullable=False),
        sa.Column("cost", sa.Float(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.Column("deleted_at", WHEN, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversations")),
    )
    op.create_index(op.f("ix_conversations_owner_updated_at"), "conversations", ["owner", "updated_at"])
    op.create_table(
        "presets",
        sa.Column("id", ID, nullable=False),
        sa.Column("owner", OWNER, nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("setup", JSON, nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_presets")),
        sa.UniqueConstraint("owner", "name", name=op.f("uq_presets_owner_name")),
    )
    op.create_table(
        "messages",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", ID, nullable=False),
        sa.Column("owner", OWNER, nullable=False),
        sa.Column("conversation_id", ID, nullable=True),
        sa.Column("parent_id", ID, nullable=True),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("tool_call_id", sa.String(length=255), nullable=True),
        sa.Column("reasoning", sa.Text(), nullable=False),
        sa.Column("refusal", sa.Text(), nullable=False),
        sa.Column("tool_calls", JSON, nullable=True),
        sa.Column("other_parts", JSON, nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("finish_reason", sa.String(length=64), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("error_action", sa.String(length=32), nullable=True),
        sa.Column("provider", sa.String(length=64), nullable=True),
        sa.Column("model", sa.String(length=255), nullable=True),
        sa.Column("request", JSON, nullable=True),
        sa.Column("max_tokens", sa.Integer(), nullable=True),
        sa.Column("ttft", sa.Float(), nullable=True),
        sa.Column("latency", sa.Float(), nullable=True),
        sa.Column("tokens_per_s", sa.Float(), nullable=True),
        sa.Column("cost", sa.Float(), nullable=True),
        sa.Column("prompt_tokens", sa.Integer(), nullable=True),
        sa.Column("completion_tokens", sa.Integer(), nullable=True),
        sa.Column("total_tokens", sa.Integer(), nullable=True),
        sa.Column("usage_source", sa.String(length=16), nullable=True),
        sa.Column("page", sa.String(length=32), nullable=False),
        sa.Column("compare_group", ID, nullable=True),
        sa.Column("compare_pane", sa.Integer(), nullable=True),
        sa.Column("batch_id", ID, nullable=True),
        sa.Column("batch_row", sa.Integer(), nullable=True),
        sa.Column("runner", sa.String(length=255), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.Column("finished_at", WHEN, nullable=True),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_messages_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["messages.id"], name=op.f("fk_messages_parent_id_messages"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_messages")),
        sa.UniqueConstraint("batch_id", "batch_row", name=op.f("uq_messages_batch_id_batch_row")),
        sa.UniqueConstraint("id", name=op.f("uq_messages_id")),
    )
    op.create_index(op.f("ix_messages_compare_group"), "messages", ["compare_group"])
    op.create_index(op.f("ix_messages_conversation_id_seq"), "messages", ["conversation_id", "seq"])
    op.create_index(op.f("ix_messages_parent_id"), "messages", ["parent_id"])
    op.create_index(op.f("ix_messages_status"), "messages", ["status"])
    op.create_table(
        "snapshots",
        sa.Column("id", ID, nullable=False),
        sa.Column("owner", OWNER, nullable=False),
        sa.Column("conversation_id", ID, nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("data", JSON, nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_snapshots_conversation_id_conversations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_snapshots")),
    )
    op.create_index(op.f("ix_snapshots_owner_created_at"), "snapshots", ["owner", "created_at"])


def downgrade() -> None:
    op.drop_table("snapshots")
    op.drop_table("messages")
    op.drop_table("presets")
    op.drop_table("conversations")
