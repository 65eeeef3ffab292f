"""Recordings and scenarios in the store: an answer's recording (lib/recording.py's JSON) in
`messages.recording`, and scenarios (lib/scenarios.py's JSON: a setup and prompts with recorded
answers) under a name per owner; saving under a name that exists replaces it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from lib.store.base import StoreBase, new_id, now, text
from lib.store.conversations import missing
from lib.store.errors import StoreError
from lib.store.tables import messages, scenarios

NAME_LENGTH = 255


@dataclass(frozen=True)
class StoredScenario:
    id: str
    name: str
    data: dict[str, Any]
    updated_at: datetime


def _name(name: str) -> str:
    clean = " ".join(text(name).split())
    if not clean:
        raise StoreError("A scenario needs a name.")
    if len(clean) > NAME_LENGTH:
        raise StoreError(f"A scenario's name holds at most {NAME_LENGTH} characters.")
    return clean


class Scenarios(StoreBase):
    def save_recording(self, owner: str, message_id: str, recording: dict[str, Any]) -> None:
        """Keep an answer's recording with it (a message of another owner is left alone)."""
        with self._write() as conn:
            done = conn.execute(
                messages.update()
                .where(messages.c.id == message_id, messages.c.owner == owner)
                .values(recording=recording)
            )
        if done.rowcount == 0:
            raise missing("message", message_id)

    def recording(self, owner: str, message_id: str) -> dict[str, Any] | None:
        with self._read() as conn:
            value = conn.execute(
                sa.select(messages.c.recording).where(messages.c.id == message_id, messages.c.owner == owner)
            ).scalar()
        return value if isinstance(value, dict) else None

    def save_scenario(self, owner: str, name: str, data: dict[str, Any]) -> StoredScenario:
        """Save `data` under `name` (replacing a scenario of that name)."""
        name, when = _name(name), now()
        with self._write() as conn:
            found = conn.execute(
                sa.select(scenarios.c.id).where(scenarios.c.owner == owner, scenarios.c.name == name)
            ).scalar()
            if found is None:
                found = new_id()
                conn.execute(scenarios.insert().values(id=found, owner=owner, name=name, data=data,
                                                       created_at=when, updated_at=when))  # fmt: skip
            else:
                conn.execute(scenarios.update().where(scenarios.c.id == found).values(data=data, updated_at=when))
        return self.get_scenario(owner, found)

    def list_scenarios(self, owner: str) -> list[StoredScenario]:
        with self._read() as conn:
            rows = conn.execute(
                sa.select(scenarios).where(scenarios.c.owner == owner).order_by(sa.func.lower(scenarios.c.name))
            ).all()
        return [StoredScenario(r.id, r.name, r.data, r.updated_at) for r in rows]

    def get_scenario(self, owner: str, scenario_id: str) -> StoredScenario:
        with self._read() as conn:
            r = conn.execute(
                sa.select(scenarios).where(scenarios.c.id == scenario_id, scenarios.c.owner == owner)
            ).first()
        if r is None:
            raise missing("scenario", scenario_id)
        return StoredScenario(r.id, r.name, r.data, r.updated_at)

    def delete_scenario(self, owner: str, scenario_id: str) -> None:
        with self._write() as conn:
            conn.execute(scenarios.delete().where(scenarios.c.id == scenario_id, scenarios.c.owner == owner))
