"""Batch's tables on SQLite and PostgreSQL: a batch and its rows kept, one result per (model, row,
repeat) whatever writes it twice, failed results forgotten for a retry, counts per model."""

from __future__ import annotations

import pytest

from lib.store import NotFound, open_store
from lib.store.batch import Result


def test_a_batch_its_rows_and_its_results_round_trip(database_url: str) -> None:
    store = open_store(database_url)
    try:
        batch_id = store.create_batch("local", "cities", {"models": [{}, {}]}, ["city"])
        assert store.add_batch_rows(batch_id, 0, [{"city": "Paris"}, {"city": "Oslo"}]) == 2
        assert store.add_batch_rows(batch_id, 2, [{"city": "Lima"}]) == 3
        record = store.get_batch("local", batch_id)
        assert (record.status, record.row_count, record.columns) == ("draft", 3, ["city"])
        assert store.batch_rows_from(batch_id, 0, 10) == [(1, {"city": "Oslo"}), (2, {"city": "Lima"})]
        assert store.batch_rows_from(batch_id, -1, 10, below=1) == [(0, {"city": "Paris"})]
        with pytest.raises(NotFound):
            store.get_batch("someone-else", batch_id)

        first = Result(0, 1, 0, "complete", "Oslo!", prompt_tokens=5, completion_tokens=2, latency=0.5, cost=0.01)
        assert store.write_result(batch_id, first)
        # A second runner finishing the same (model, row, repeat) writes nothing: the first answer stays.
        assert not store.write_result(batch_id, Result(0, 1, 0, "complete", "Oslo again"))
        assert store.write_result(batch_id, Result(1, 1, 0, "complete", "Oslo, model 2", cost=0.02))
        assert store.write_result(batch_id, Result(0, 1, 1, "error", "", error="The server said no."))
        assert store.write_result(batch_id, Result(0, 2, 0, "complete", "Lima", cost=None))
        results = list(store.iter_batch_results(batch_id, page=2))
        assert [(r.row, r.model, r.repeat, r.output) for r in results] == [
            (1, 0, 0, "Oslo!"), (1, 0, 1, ""), (1, 1, 0, "Oslo, model 2"), (2, 0, 0, "Lima"),
        ]  # fmt: skip
        assert store.result_keys(batch_id, 0, (0, 2)) == {(1, 0), (1, 1), (2, 0)}
        counts = store.batch_counts(batch_id)
        assert (counts[0].done, counts[0].failed, counts[0].prompt_tokens, counts[0].cost_known) == (3, 1, 5, False)
        assert counts[1].done == 1 and counts[1].cost_known
        # Several at once, in one transaction: only the new ones are reported written.
        wrote = store.write_results(batch_id, [Result(0, 0, 0, "complete", "Paris"), Result(0, 2, 0, "complete", "x")])
        assert [(r.row, r.output) for r in wrote] == [(0, "Paris")]
        assert store.delete_failed_results(batch_id) == 1
        assert store.result_keys(batch_id, 0, (0, 2)) == {(0, 0), (1, 0), (2, 0)}
        store.set_batch_status(batch_id, "running", "host/1/x")
        assert store.get_batch("local", batch_id).runner == "host/1/x"
        assert [b.id for b in store.list_batches("local")] == [batch_id]
    finally:
        store.close()
