"""Compare's blind votes (lib/store/compare.py), from which the leaderboard is computed.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "compare_votes",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("owner", sa.String(320), nullable=False),
        sa.Column("compare_group", sa.String(32), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("panes", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compare_votes")),
    )
    op.create_index(op.f("ix_compare_votes_owner_created_at"), "compare_votes", ["owner", "created_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_compare_votes_owner_created_at"), table_name="compare_votes")
    op.drop_table("compare_votes")
