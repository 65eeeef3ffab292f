"""Batch (lib/store/batch.py): the batch, its data set's rows, one result per (model, row, repeat).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

ID = sa.String(32)
WHEN = sa.DateTime(timezone=True)
JSON = sa.JSON(none_as_null=True)


def upgrade() -> None:
    op.create_table(
        "batches",
        sa.Column("id", ID, nullable=False),
        sa.Column("owner", sa.String(320), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("config", JSON, nullable=False),
        sa.Column("columns", JSON, nullable=False),
        sa.Column("row_count", sa.Integer, nullable=False),
        sa.Column("runner", sa.String(255)),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batches")),
    )
    op.create_index(op.f("ix_batches_owner_updated_at"), "batches", ["owner", "updated_at"])
    op.create_table(
        "batch_rows",
        sa.Column("batch_id", ID, nullable=False),
        sa.Column("row", sa.Integer, nullable=False),
        sa.Column("data", JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batches.id"], name=op.f("fk_batch_rows_batch_id_batches"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("batch_id", "row", name=op.f("pk_batch_rows")),
    )
    op.create_table(
        "batch_results",
        sa.Column("batch_id", ID, nullable=False),
        sa.Column("model", sa.Integer, nullable=False),
        sa.Column("row", sa.Integer, nullable=False),
        sa.Column("repeat", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("output", sa.Text, nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("finish_reason", sa.String(64)),
        sa.Column("prompt_tokens", sa.Integer),
        sa.Column("completion_tokens", sa.Integer),
        sa.Column("ttft", sa.Float),
        sa.Column("latency", sa.Float),
        sa.Column("cost", sa.Float),
        sa.Column("created_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batches.id"], name=op.f("fk_batch_results_batch_id_batches"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("batch_id", "model", "row", "repeat", name=op.f("pk_batch_results")),
    )
    op.create_index(op.f("ix_batch_results_batch_id_status"), "batch_results", ["batch_id", "status"])


def downgrade() -> None:
    op.drop_index(op.f("ix_batch_results_batch_id_status"), table_name="batch_results")
    op.drop_table("batch_results")
    op.drop_table("batch_rows")
    op.drop_index(op.f("ix_batches_owner_updated_at"), table_name="batches")
    op.drop_table("batches")
