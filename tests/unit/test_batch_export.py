"""Batch's exports: formula cells escaped in CSV, every format carrying the same results, the Batch API
file's bodies valid CreateChatCompletionRequests, and the Python script run for real against the stand-in
giving the outputs the app stored."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from jsonschema import Draft202012Validator

from lib.batch import export, jobs
from lib.batch.runner import ModelRun, Registry, RunOptions
from lib.batch.template import Template
from lib.providers import Provider
from lib.store import Store, open_store
from tests.support.stand_in import StandIn

ROWS = [{"q": "=1+2", "who": "Ann"}, {"q": "@SUM(A1)", "who": "+Bob"}, {"q": 'plain, with "quotes"', "who": "-Cy"}]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(f"sqlite:///{tmp_path / 'batch.db'}")
    yield s
    s.close()


def ran(store: Store, oxen: Provider, params: dict[str, object], repeats: int = 1) -> str:
    template = Template("Answer {{q}} for {{who}}", system="Be brief.", params=params)
    models = [ModelRun(oxen, "model-a", {}, 4, "test-key"), ModelRun(oxen, "model-b", {"temperature": 0.2}, 2, "k")]
    batch_id = jobs.new_batch(store, "local", "export test", [ROWS], ["q", "who"], template,
                              {"q": "q", "who": "who"}, models, RunOptions(repeats=repeats))  # fmt: skip
    record = store.get_batch("local", batch_id)
    run = Registry().start(jobs.run_for(store, record, ["test-key", "test-key"], providers={"oxen": oxen}))
    assert run.finished.wait(60) and run.status == "done", run.error
    return batch_id


def test_csv_escapes_formula_cells_and_each_format_holds_the_results(store: Store, stand_in: StandIn,
                                                                      oxen: Provider) -> None:  # fmt: skip
    record = store.get_batch("local", ran(store, oxen, {"max_tokens": 50}))
    df = export.frame(store, record)
    assert len(df) == 6 and list(df.columns[:5]) == ["row", "q", "who", "model", "repeat"]
    cells = list(csv.reader(io.StringIO(export.to_csv(df).decode())))
    assert cells[1][1:3] == ["'=1+2", "Ann"]
    assert cells[3][1:3] == ["'@SUM(A1)", "'+Bob"]
    assert cells[5][1:3] == ['plain, with "quotes"', "'-Cy"]
    assert cells[1][5] == "You said: Answer =1+2 for Ann"  # the output is escaped only where it starts so
    jsonl = [json.loads(line) for line in export.to_jsonl(df).decode().splitlines()]
    assert jsonl[0]["q"] == "=1+2" and jsonl[0]["output"] == "You said: Answer =1+2 for Ann"  # JSON is not a sheet
    back = pd.read_parquet(io.BytesIO(export.to_parquet(df)))
    assert back["output"].tolist() == df["output"].tolist()
    assert export.xlsx_available()
    sheet = pd.read_excel(io.BytesIO(export.to_xlsx(df)), dtype=str, keep_default_na=False)
    assert sheet["q"].tolist()[:4] == ["'=1+2", "'=1+2", "'@SUM(A1)", "'@SUM(A1)"]
    assert sheet["who"].tolist()[2:6] == ["'+Bob", "'+Bob", "'-Cy", "'-Cy"]


def test_the_batch_api_file_has_one_valid_request_per_row_and_model(
    store: Store, stand_in: StandIn, oxen: Provider, request_validator: Draft202012Validator
) -> None:
    record = store.get_batch("local", ran(store, oxen, {"stream": True, "max_tokens": 40}, repeats=2))
    lines = [json.loads(line) for line in export.batch_api_file(store, record).decode().splitlines()]
    assert len(lines) == 3 * 2 * 2
    assert [line["custom_id"] for line in lines[:4]] == [
        "row-0-model-0-repeat-0", "row-0-model-0-repeat-1", "row-0-model-1-repeat-0", "row-0-model-1-repeat-1",
    ]  # fmt: skip
    for line in lines:
        assert list(line) == ["custom_id", "method", "url", "body"]
        assert (line["method"], line["url"]) == ("POST", "/v1/chat/completions")
        errors = [e.message for e in request_validator.iter_errors(line["body"])]
        assert errors == [], errors
        assert "stream" not in line["body"]
    assert lines[2]["body"] == {
        "model": "model-b",
        "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Answer =1+2 for Ann"}],
        "temperature": 0.2,
        "max_tokens": 40,
    }


@pytest.mark.parametrize("streaming", [False, True])
def test_the_python_script_runs_against_the_stand_in_and_gives_the_same_outputs(
    store: Store, stand_in: StandIn, oxen: Provider, tmp_path: Path, streaming: bool
) -> None:
    record = store.get_batch("local", ran(store, oxen, {"stream": streaming, "max_tokens": 50}))
    app_bodies = sorted(json.dumps(r.json(), sort_keys=True) for r in stand_in.chat_requests())
    stored = {(r.row, r.model, r.repeat): r.output for r in store.iter_batch_results(record.id)}
    script = tmp_path / "batch.py"
    script.write_text(export.python_script(record))
    data = tmp_path / "data.csv"
    pd.DataFrame(ROWS).to_csv(data, index=False)
    stand_in.reset()
    env = {**os.environ, "OXEN_API_KEY": "key-from-env"}
    done = subprocess.run([sys.executable, str(script), str(data), str(tmp_path / "out.jsonl")], env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "6 results written" in done.stdout
    out = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert {(r["row"], r["model_index"], r["repeat"]): r["output"] for r in out} == stored
    # The same bodies the app sent, the key from the environment.
    assert sorted(json.dumps(r.json(), sort_keys=True) for r in stand_in.chat_requests()) == app_bodies
    assert {r.headers["authorization"] for r in stand_in.chat_requests()} == {"Bearer key-from-env"}
    assert "test-key" not in script.read_text()
