"""What tools, images, token probabilities, recordings, scenarios and judges need kept.

- messages.logprobs: the answer's tokens with their top alternatives (`logprobs.content` as sent).
- messages.attachments: the images of a message, as files beside the store (name, media type,
  sha256, size); never their bytes in the database, an export of a share link.
- messages.recording: the answer's chunks with the time each arrived, for Replay.
- scenarios: a named list of prompts with their recorded answers and the setup (presenter mode).
- batch_results.verdicts: each assertion's verdict on a result (the LLM judge's included), so a
  reopened batch shows its grades without asking the judge again.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

JSON = sa.JSON(none_as_null=True)


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("logprobs", JSON))
        batch.add_column(sa.Column("attachments", JSON))
        batch.add_column(sa.Column("recording", JSON))
    with op.batch_alter_table("batch_results") as batch:
        batch.add_column(sa.Column("verdicts", JSON))
    op.create_table(
        "scenarios",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("owner", sa.String(320), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("data", JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scenarios")),
        sa.UniqueConstraint("owner", "name", name=op.f("uq_scenarios_owner_name")),
    )


def downgrade() -> None:
    op.drop_table("scenarios")
    with op.batch_alter_table("batch_results") as batch:
        batch.drop_column("verdicts")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("recording")
        batch.drop_column("attachments")
        batch.drop_column("logprobs")
