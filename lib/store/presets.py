"""Presets: a setup (provider, base URL, model, parameters, system prompt, variables) saved under a
name, per owner; saving under a name that exists replaces that preset's setup."""

from __future__ import annotations

import sqlalchemy as sa

from lib.share import Setup
from lib.store.base import StoreBase, new_id, now, text
from lib.store.conversations import missing
from lib.store.errors import StoreError
from lib.store.records import Preset
from lib.store.redact import setup_json
from lib.store.tables import presets

NAME_LENGTH = 255


def _name(name: str) -> str:
    clean = " ".join(text(name).split())
    if not clean:
        raise StoreError("A preset needs a name.")
    if len(clean) > NAME_LENGTH:
        raise StoreError(f"A preset's name holds at most {NAME_LENGTH} characters.")
    return clean


class Presets(StoreBase):
    def save_preset(self, owner: str, name: str, setup: Setup) -> Preset:
        """Save the setup under `name` (replacing the setup of a preset of that name)."""
        name, when = _name(name), now()
        with self._write() as conn:
            found = conn.execute(
                sa.select(presets.c.id).where(presets.c.owner == owner, presets.c.name == name)
            ).scalar()
            if found is None:
                found = new_id()
                conn.execute(presets.insert().values(id=found, owner=owner, name=name, setup=setup_json(setup),
                                                     created_at=when, updated_at=when))  # fmt: skip
            else:
                conn.execute(presets.update().where(presets.c.id == found).values(setup=setup_json(setup),
                                                                                  updated_at=when))  # fmt: skip
        return self.get_preset(owner, found)

    def list_presets(self, owner: str) -> list[Preset]:
        """This owner's presets by name."""
        with self._read() as conn:
            rows = conn.execute(
                sa.select(presets).where(presets.c.owner == owner).order_by(sa.func.lower(presets.c.name))
            ).all()
        return [Preset.from_row(r) for r in rows]

    def get_preset(self, owner: str, preset_id: str) -> Preset:
        with self._read() as conn:
            row = conn.execute(sa.select(presets).where(presets.c.id == preset_id, presets.c.owner == owner)).first()
        if row is None:
            raise missing("preset", preset_id)
        return Preset.from_row(row)

    def rename_preset(self, owner: str, preset_id: str, name: str) -> Preset:
        name = _name(name)
        with self._write() as conn:
            taken = conn.execute(
                sa.select(presets.c.id).where(
                    presets.c.owner == owner, presets.c.name == name, presets.c.id != preset_id
                )
            ).scalar()
            if taken is not None:
                raise StoreError(f"A preset named “{name}” exists already; choose another name.")
            done = conn.execute(
                presets.update()
                .where(presets.c.id == preset_id, presets.c.owner == owner)
                .values(name=name, updated_at=now())
            )
            if done.rowcount == 0:
                raise missing("preset", preset_id)
        return self.get_preset(owner, preset_id)

    def delete_preset(self, owner: str, preset_id: str) -> None:
        with self._write() as conn:
            done = conn.execute(presets.delete().where(presets.c.id == preset_id, presets.c.owner == owner))
            if done.rowcount == 0:
                raise missing("preset", preset_id)
