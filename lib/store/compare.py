"""Compare's part of the store: every round as a Compare group (one stored conversation per pane,
each round's run in it tagged with the group and the pane), and the blind votes the leaderboard is
computed from. Only additions: a `compare_votes` table (migration 0003) and functions over `Store`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from lib.request import HttpRequest
from lib.share import Setup
from lib.store.base import new_id, now
from lib.store.records import Conversation
from lib.store.runs import RunWriter
from lib.store.store import Store
from lib.store.tables import ID, JSON, OWNER, WHEN, metadata

PAGE = "compare"

compare_votes = sa.Table(
    "compare_votes",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("owner", OWNER, nullable=False),
    sa.Column("compare_group", ID, nullable=False),  # the round voted on (messages.compare_group)
    # The best pane's index in `panes`, or "tie" / "bothbad".
    sa.Column("outcome", sa.String(16), nullable=False),
    sa.Column("panes", JSON, nullable=False),  # each pane's name (model and provider), in pane order
    sa.Column("created_at", WHEN, nullable=False),
    sa.Index(None, "owner", "created_at"),
)


@dataclass(frozen=True)
class Vote:
    compare_group: str
    outcome: int | str  # the best pane's index, "tie" or "bothbad"
    panes: list[str]
    created_at: datetime


def new_group() -> str:
    """A Compare group's id: one per round."""
    return new_id()


def start_pane_conversation(store: Store, owner: str, setup: Setup) -> Conversation:
    """A pane's own conversation in History (page "compare"), with its setup."""
    return store.create_conversation(owner, setup=setup, page=PAGE)


def start_pane_run(
    store: Store, owner: str, conversation_id: str, question: str, wire: HttpRequest, setup: Setup,
    group: str, pane: int,
) -> RunWriter:  # fmt: skip
    """The round's question and the pane's run (as sent, without the key), tagged with the group."""
    store.add_message(owner, conversation_id, "user", question)
    return store.start_run(owner, conversation_id, wire, provider=setup.provider_id, setup=setup, page=PAGE,
                           compare_group=group, compare_pane=pane)  # fmt: skip


def record_vote(store: Store, owner: str, group: str, outcome: int | str, panes: Sequence[str]) -> Vote:
    """Store one vote on a round."""
    when = now()
    values = {"id": new_id(), "owner": owner, "compare_group": group, "outcome": str(outcome),
              "panes": list(panes), "created_at": when}  # fmt: skip
    with store._write() as conn:
        conn.execute(compare_votes.insert().values(values))
    return Vote(group, outcome, list(panes), when)


def _outcome(text: str) -> int | str:
    return int(text) if text.isdigit() else text


def votes(store: Store, owner: str) -> list[Vote]:
    """Every vote of this owner, oldest first (Elo is computed in the order votes were cast)."""
    query = (
        sa.select(compare_votes)
        .where(compare_votes.c.owner == owner)
        .order_by(compare_votes.c.created_at, compare_votes.c.id)
    )
    with store._read() as conn:
        rows = conn.execute(query).all()
    return [Vote(r.compare_group, _outcome(r.outcome), list(r.panes), r.created_at) for r in rows]


def group_runs(store: Store, owner: str, group: str) -> list[tuple[int, str, str]]:
    """A round's runs: (pane, model, answer text), by pane."""
    from lib.store.tables import messages

    query = (
        sa.select(messages.c.compare_pane, messages.c.model, messages.c.content)
        .where(messages.c.owner == owner, messages.c.compare_group == group)
        .order_by(messages.c.compare_pane)
    )
    with store._read() as conn:
        return [(int(r[0]), str(r[1]), str(r[2])) for r in conn.execute(query).all()]
