"""Batch's part of the store (migration 0005): the batch itself, its data set's rows, and one result per
(model, row, repeat).

Results have their own table rather than being `messages` rows with `batch_id`/`batch_row`: a batch
writes up to a million results, and as messages each would feed the full-text index (its triggers),
History's counts and the conversation columns a result does not have; the request of a row is the
batch's template filled with that row, so it is not stored a million times. The key
(batch, model, row, repeat) is the primary key: a run that resumes after a crash cannot write a row
twice, and the insert is "do nothing" when another runner wrote it first.

The data set's rows are kept in the store too (`batch_rows`, JSON per row), so Resume after a restart
has them whichever machine or process picks the batch up; only one chunk is in memory at a time."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from lib.store.base import StoreBase, new_id, now, text
from lib.store.errors import NotFound
from lib.store.tables import ID, JSON, OWNER, WHEN, metadata

batches = sa.Table(
    "batches",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("owner", OWNER, nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    # draft, running, paused, cancelled, done, interrupted (a process died while it ran)
    sa.Column("status", sa.String(16), nullable=False),
    # template, mapping, models (provider, base URL, model, params, concurrency; never a key),
    # limits (rpm, tpm), repeats, assertions: everything needed to run or resume it
    sa.Column("config", JSON, nullable=False),
    sa.Column("columns", JSON, nullable=False),
    sa.Column("row_count", sa.Integer, nullable=False),
    sa.Column("runner", sa.String(255)),  # host/pid/token of the process running it
    sa.Column("created_at", WHEN, nullable=False),
    sa.Column("updated_at", WHEN, nullable=False),
    sa.Index(None, "owner", "updated_at"),
)

batch_rows = sa.Table(
    "batch_rows",
    metadata,
    sa.Column("batch_id", ID, sa.ForeignKey("batches.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("row", sa.Integer, primary_key=True),
    sa.Column("data", JSON, nullable=False),
)

batch_results = sa.Table(
    "batch_results",
    metadata,
    sa.Column("batch_id", ID, sa.ForeignKey("batches.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("model", sa.Integer, primary_key=True),  # index in the batch's models
    sa.Column("row", sa.Integer, primary_key=True),
    sa.Column("repeat", sa.Integer, primary_key=True),
    sa.Column("status", sa.String(16), nullable=False),  # complete, error
    sa.Column("output", sa.Text, nullable=False),
    sa.Column("error", sa.Text),
    sa.Column("finish_reason", sa.String(64)),
    sa.Column("prompt_tokens", sa.Integer),
    sa.Column("completion_tokens", sa.Integer),
    sa.Column("ttft", sa.Float),
    sa.Column("latency", sa.Float),
    sa.Column("cost", sa.Float),
    sa.Column("created_at", WHEN, nullable=False),
    sa.Column("verdicts", JSON),  # {assertion name: {"passed", "reason"}}, the judge's included (0006)
    sa.Index(None, "batch_id", "status"),
)


@dataclass(frozen=True)
class BatchRecord:
    id: str
    owner: str
    title: str
    status: str
    config: dict[str, Any]
    columns: list[str]
    row_count: int
    runner: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Result:
    model: int
    row: int
    repeat: int
    status: str
    output: str
    error: str | None = None
    finish_reason: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    ttft: float | None = None
    latency: float | None = None
    cost: float | None = None
    # The judge's verdicts on it, {assertion: {"passed", "reason", "rubric"}} (see lib/batch/assertions).
    verdicts: dict[str, Any] | None = None


@dataclass
class Counts:
    done: int = 0  # results written (complete or error)
    failed: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0
    cost_known: bool = True  # False when any complete result's cost is unknown
    latency_sum: float = 0.0
    first_at: datetime | None = None
    last_at: datetime | None = None


def _record(r: Any) -> BatchRecord:
    return BatchRecord(r.id, r.owner, r.title, r.status, dict(r.config), list(r.columns), r.row_count, r.runner,
                       r.created_at, r.updated_at)  # fmt: skip


def _result(r: Any) -> Result:
    return Result(r.model, r.row, r.repeat, r.status, r.output, r.error, r.finish_reason, r.prompt_tokens,
                  r.completion_tokens, r.ttft, r.latency, r.cost, r.verdicts)  # fmt: skip


class BatchStore(StoreBase):
    """The batch tables' reads and writes; every batch belongs to an owner."""

    def create_batch(self, owner: str, title: str, config: dict[str, Any], columns: Sequence[str]) -> str:
        when = now()
        batch_id = new_id()
        with self._write() as conn:
            conn.execute(batches.insert().values(
                id=batch_id, owner=owner, title=text(title)[:500], status="draft", config=config, columns=list(columns),
                row_count=0, runner=None, created_at=when, updated_at=when,
            ))  # fmt: skip
        return batch_id

    def add_batch_rows(self, batch_id: str, start: int, rows: Sequence[dict[str, str]]) -> int:
        """Append a chunk of the data set (rows numbered from `start`); the new row count."""
        if not rows:
            return start
        values = [{"batch_id": batch_id, "row": start + i, "data": dict(r)} for i, r in enumerate(rows)]
        with self._write() as conn:
            conn.execute(batch_rows.insert(), values)
            conn.execute(batches.update().where(batches.c.id == batch_id)
                         .values(row_count=start + len(rows), updated_at=now()))  # fmt: skip
        return start + len(rows)

    def get_batch(self, owner: str, batch_id: str) -> BatchRecord:
        with self._read() as conn:
            r = conn.execute(sa.select(batches).where(batches.c.id == batch_id, batches.c.owner == owner)).first()
        if r is None:
            raise NotFound("That batch is not in the history (it may have been deleted); start a new one.")
        return _record(r)

    def list_batches(self, owner: str, limit: int = 50) -> list[BatchRecord]:
        query = sa.select(batches).where(batches.c.owner == owner).order_by(batches.c.updated_at.desc()).limit(limit)
        with self._read() as conn:
            return [_record(r) for r in conn.execute(query).all()]

    def set_batch_status(self, batch_id: str, status: str, runner: str | None = None) -> None:
        with self._write() as conn:
            conn.execute(batches.update().where(batches.c.id == batch_id)
                         .values(status=status, runner=runner, updated_at=now()))  # fmt: skip

    def update_batch_config(self, batch_id: str, config: dict[str, Any]) -> None:
        with self._write() as conn:
            conn.execute(batches.update().where(batches.c.id == batch_id).values(config=config, updated_at=now()))

    def batch_rows_from(
        self, batch_id: str, after: int, limit: int, below: int | None = None
    ) -> list[tuple[int, dict[str, str]]]:
        """Up to `limit` rows numbered above `after` (and below `below`), in order: (row, data)."""
        query = sa.select(batch_rows.c.row, batch_rows.c.data).where(batch_rows.c.batch_id == batch_id,
                                                                    batch_rows.c.row > after)  # fmt: skip
        if below is not None:
            query = query.where(batch_rows.c.row < below)
        with self._read() as conn:
            return [(r.row, dict(r.data)) for r in conn.execute(query.order_by(batch_rows.c.row).limit(limit)).all()]

    def result_keys(self, batch_id: str, model: int, rows: tuple[int, int]) -> set[tuple[int, int]]:
        """(row, repeat) of the results written for this model with rows in [first, last]."""
        query = sa.select(batch_results.c.row, batch_results.c.repeat).where(
            batch_results.c.batch_id == batch_id, batch_results.c.model == model,
            batch_results.c.row >= rows[0], batch_results.c.row <= rows[1],
        )  # fmt: skip
        with self._read() as conn:
            return {(r.row, r.repeat) for r in conn.execute(query).all()}

    def write_result(self, batch_id: str, result: Result) -> bool:
        """Write one finished (model, row, repeat); False when it was already written (a second runner,
        or a resumed one, finished it first): the first answer stays."""
        values = {"batch_id": batch_id, **result.__dict__, "output": text(result.output),
                  "error": text(result.error) if result.error else None, "created_at": now()}  # fmt: skip
        insert = (postgresql.insert if self.dialect == "postgresql" else sqlite.insert)(batch_results)
        with self._write() as conn:
            # RETURNING says whether this insert wrote the row (rowcount is not reliable for a skipped one).
            written = conn.execute(
                insert.values(values).on_conflict_do_nothing().returning(batch_results.c.row)
            ).first()
        return written is not None

    def write_results(self, batch_id: str, results: Sequence[Result]) -> list[Result]:
        """Write finished results in one transaction; the ones this call wrote (not those already there)."""
        if not results:
            return []
        when = now()
        values = [{"batch_id": batch_id, **r.__dict__, "output": text(r.output),
                   "error": text(r.error) if r.error else None, "created_at": when} for r in results]  # fmt: skip
        insert = (postgresql.insert if self.dialect == "postgresql" else sqlite.insert)(batch_results)
        c = batch_results.c
        # One statement for any number of rows (executemany, compiled once and cached), not a VALUES
        # list compiled anew for each size.
        with self._write() as conn:
            written = conn.execute(insert.on_conflict_do_nothing().returning(c.model, c.row, c.repeat), values).all()
        keys = {(m, r, k) for m, r, k in written}
        return [r for r in results if (r.model, r.row, r.repeat) in keys]

    def write_verdicts(self, batch_id: str, verdicts: Sequence[tuple[int, int, int, dict[str, Any]]]) -> None:
        """Keep the judge's verdicts with their results ((model, row, repeat, verdicts) each), in one
        transaction, so a reopened batch shows them without asking the judge again."""
        if not verdicts:
            return
        c = batch_results.c
        update = (batch_results.update()
                  .where(c.batch_id == batch_id, c.model == sa.bindparam("m"), c.row == sa.bindparam("r"),
                         c.repeat == sa.bindparam("k"))
                  .values(verdicts=sa.bindparam("v")))  # fmt: skip
        with self._write() as conn:
            conn.execute(update, [{"m": m, "r": r, "k": k, "v": v} for m, r, k, v in verdicts])

    def has_verdicts(self, batch_id: str) -> bool:
        c = batch_results.c
        query = sa.select(c.row).where(c.batch_id == batch_id, c.verdicts.is_not(None)).limit(1)
        with self._read() as conn:
            return conn.execute(query).first() is not None

    def batch_counts(self, batch_id: str) -> dict[int, Counts]:
        """Per model: results written, failed, tokens, cost and time span."""
        c = batch_results.c
        query = sa.select(
            c.model, c.status, sa.func.count(), sa.func.sum(c.prompt_tokens), sa.func.sum(c.completion_tokens),
            sa.func.sum(c.cost), sa.func.count(c.cost), sa.func.sum(c.latency), sa.func.min(c.created_at),
            sa.func.max(c.created_at),
        ).where(c.batch_id == batch_id).group_by(c.model, c.status)  # fmt: skip
        out: dict[int, Counts] = {}
        with self._read() as conn:
            for model, status, n, pt, ct, cost, costed, lat, first, last in conn.execute(query).all():
                counts = out.setdefault(int(model), Counts())
                counts.done += n
                if status != "complete":
                    counts.failed += n
                else:
                    counts.cost_known = counts.cost_known and costed == n
                counts.prompt_tokens += int(pt or 0)
                counts.completion_tokens += int(ct or 0)
                counts.cost += float(cost or 0)
                counts.latency_sum += float(lat or 0)
                counts.first_at = min(filter(None, (counts.first_at, first)), default=None)
                counts.last_at = max(filter(None, (counts.last_at, last)), default=None)
        return out

    def batch_results_page(
        self, batch_id: str, *, after: tuple[int, int, int] = (-1, -1, -1), limit: int = 1000,
        status: str | None = None, below_row: int | None = None,
    ) -> list[Result]:  # fmt: skip
        """Results in (row, model, repeat) order after `after`, a page at a time."""
        c = batch_results.c
        query = sa.select(batch_results).where(
            c.batch_id == batch_id, sa.tuple_(c.row, c.model, c.repeat) > sa.tuple_(*after)
        )
        if status is not None:
            query = query.where(c.status == status)
        if below_row is not None:
            query = query.where(c.row < below_row)
        with self._read() as conn:
            rows = conn.execute(query.order_by(c.row, c.model, c.repeat).limit(limit)).all()
        return [_result(r) for r in rows]

    def iter_batch_results(self, batch_id: str, page: int = 2000) -> Iterator[Result]:
        after = (-1, -1, -1)
        while True:
            chunk = self.batch_results_page(batch_id, after=after, limit=page)
            yield from chunk
            if len(chunk) < page:
                return
            last = chunk[-1]
            after = (last.row, last.model, last.repeat)

    def delete_failed_results(self, batch_id: str) -> int:
        """Forget the failed results, so the next run sends those rows again ("Retry failed rows")."""
        c = batch_results.c
        with self._write() as conn:
            gone = conn.execute(batch_results.delete().where(c.batch_id == batch_id, c.status != "complete"))
        return int(gone.rowcount)

    def latencies(self, batch_id: str, limit: int = 5000) -> list[tuple[int, float, int]]:
        """(model, latency, output tokens) of the latest complete results, for the histograms."""
        c = batch_results.c
        query = (sa.select(c.model, c.latency, c.completion_tokens)
                 .where(c.batch_id == batch_id, c.status == "complete")
                 .order_by(c.created_at.desc()).limit(limit))  # fmt: skip
        with self._read() as conn:
            return [(int(m), float(lat or 0), int(t or 0)) for m, lat, t in conn.execute(query).all()]
