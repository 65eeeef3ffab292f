"""The Batch page in AppTest against the recording stand-in: pasted rows previewed, a variable mapped,
a sample with its estimate before Run all, the full run in the background to its end with every
download offered; a bad data set or an unmapped variable is one sentence and nothing is sent; a new
session finds the running batch and can pause, resume and cancel it."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib.batch.runner import registry
from lib.store import open_store
from tests.support.apptest import button
from tests.support.stand_in import Behaviour, StandIn
from ui import batch_state as bs

BATCH = "app_pages/batch.py"
CITIES = "city,country\n" + "".join(f"City{i},Country{i}\n" for i in range(12))


@pytest.fixture(autouse=True)
def _own_database(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'batch.db'}"
    monkeypatch.setenv("WORKBENCH_DATABASE_URL", url)
    return url


def open_batch(oxen_app: Callable[..., AppTest]) -> AppTest:
    at: AppTest = oxen_app()
    at.switch_page(BATCH).run()
    assert not at.exception, at.exception
    return at


def paste(at: AppTest, text: str) -> AppTest:
    at.text_area(key=bs.PASTE).set_value(text).run()
    return button(at, "Use pasted rows").click().run()


def texts(at: AppTest) -> str:
    return "\n".join([*(c.value for c in at.caption), *(m.value for m in at.markdown), *(e.value for e in at.error)])


def wait_for(check: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_paste_map_sample_estimate_then_run_all_to_the_end(
    oxen_app: Callable[..., AppTest], stand_in: StandIn, _own_database: str
) -> None:
    at = open_batch(oxen_app)
    assert button(at, "Run all").disabled  # nothing before a sample
    paste(at, CITIES)
    assert "12 rows · columns: `city`, `country`" in texts(at)
    at.text_area(key=bs.TEMPLATE).set_value("Tell me about {{city}} in {{land}}").run()
    assert at.selectbox(key=bs.mapping_key("city")).value == "city"  # the same name maps itself
    assert at.selectbox(key=bs.mapping_key("land")).value is None
    button(at, "Run sample").click().run()
    assert at.error[0].value.startswith("The variable {{land}} has no column")
    assert stand_in.chat_requests() == []  # nothing was sent
    at.selectbox(key=bs.mapping_key("land")).set_value("country").run()
    button(at, "Run sample").click().run()
    assert not at.exception, at.exception
    sent = [r.json()["messages"][-1]["content"] for r in stand_in.chat_requests()]
    assert sorted(sent) == sorted(f"Tell me about City{i} in Country{i}" for i in range(5))
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Requests"] == "12" and metrics["Tokens"] != "unknown" and metrics["Estimated time"] != "unknown"
    assert not button(at, "Run all").disabled
    button(at, "Run all").click().run()
    store = open_store(_own_database)
    try:
        batch_id = store.list_batches("local")[0].id
        wait_for(lambda: store.get_batch("local", batch_id).status == "done")
        results = list(store.iter_batch_results(batch_id))
    finally:
        store.close()
    assert len(results) == 12 and len(stand_in.chat_requests()) == 12  # the sample's rows were not sent twice
    at.run()
    bars = [p.proto for p in at.get("progress")]
    assert [(b.value, b.text) for b in bars] == [(100, "12 / 12 done · 0 failed")]
    assert "· Done" in texts(at)
    labels = {d.proto.label for d in at.get("download_button")}
    assert {"Download CSV", "Download JSONL", "Download Parquet", "Download Python script",
            "Download Batch API file"} <= labels  # fmt: skip


def test_a_malformed_data_set_is_one_sentence_naming_the_line(oxen_app: Callable[..., AppTest],
                                                              stand_in: StandIn) -> None:  # fmt: skip
    at = open_batch(oxen_app)
    paste(at, "a,b\n1,2\n3,4,5\n")
    assert [e.value for e in at.error] == [
        "Line 3 has 3 fields but the header has 2; fix that line (quote a value that holds the delimiter) "
        "and upload again."
    ]
    button(at, "Run sample").click().run()
    assert stand_in.chat_requests() == []


def test_a_new_session_finds_the_running_batch_and_controls_it(
    oxen_app: Callable[..., AppTest], stand_in: StandIn, _own_database: str
) -> None:
    stand_in.default = Behaviour(first_token_delay=0.3)
    at = open_batch(oxen_app)
    paste(at, "city\n" + "".join(f"C{i}\n" for i in range(60)))
    at.text_area(key=bs.TEMPLATE).set_value("About {{city}}").run()
    at.number_input(key=bs.SAMPLE_N).set_value(1).run()
    at.number_input(key=bs.concurrency_key(0)).set_value(2).run()
    button(at, "Run sample").click().run()
    button(at, "Run all").click().run()

    other = open_batch(oxen_app)  # another tab: a new session
    assert "Running" in texts(other)
    batch_id = other.session_state[bs.CURRENT]
    run = registry().active(batch_id)
    assert run is not None
    button(other, "Pause").click().run()
    assert run.status == "paused" and "Paused" in texts(other)
    button(other, "Resume").click().run()
    assert run.status == "running"
    button(other, "Cancel").click().run()
    assert run.finished.is_set() and run.status == "cancelled"
    assert "Cancelled" in texts(other)
    store = open_store(_own_database)
    try:
        done = len(list(store.iter_batch_results(batch_id)))
    finally:
        store.close()
    assert done < 60
    button(other, "Resume").click().run()  # the rows without a result, in a new run
    store = open_store(_own_database)
    try:
        wait_for(lambda: store.get_batch("local", batch_id).status == "done", 120)
        rows = sorted(r.row for r in store.iter_batch_results(batch_id))
    finally:
        store.close()
    assert rows == list(range(60))


def finished_batch(url: str, oxen_url: str, rows: int = 4, repeats: int = 1) -> str:
    """A batch run to its end through the library (as the page would), on the stand-in as Oxen."""
    from lib.batch import jobs
    from lib.batch.runner import ModelRun, Registry, RunOptions
    from lib.batch.template import Template
    from lib.providers import builtin_providers, with_base_url

    oxen = with_base_url(builtin_providers()["oxen"], oxen_url)
    store = open_store(url)
    try:
        data = [{"city": f"City{i}", "expected": f"You said: About City{i}"} for i in range(rows)]
        batch_id = jobs.new_batch(store, "local", "graded", [data], ["city", "expected"], Template("About {{city}}"),
                                  {"city": "city"}, [ModelRun(oxen, "gpt-oss-120b", {}, 2, "k")],
                                  RunOptions(repeats=repeats))  # fmt: skip
        record = store.get_batch("local", batch_id)
        run = Registry().start(jobs.run_for(store, record, ["k"], providers={"oxen": oxen}))
        assert run.finished.wait(60) and run.status == "done"
    finally:
        store.close()
    return batch_id


def add_assertion(at: AppTest, name: str, kind: str, value: str) -> AppTest:
    next(w for w in at.text_input if w.label == "Assertion name").set_value(name)
    next(w for w in at.selectbox if w.label == "Kind").set_value(kind)
    next(w for w in at.text_input if w.label == "Value").set_value(value)
    return button(at, "Add assertion").click().run()


def test_assertions_pass_rates_failing_rows_and_the_judge(
    oxen_app: Callable[..., AppTest], stand_in: StandIn, _own_database: str
) -> None:
    batch_id = finished_batch(_own_database, stand_in.base_url)
    stand_in.reset()
    at = open_batch(oxen_app)
    assert at.session_state[bs.CURRENT] == batch_id  # the latest batch, shown to a new session
    add_assertion(at, "echoes", "contains", "You said")
    add_assertion(at, "first city", "regex", r"City0$")
    add_assertion(at, "expected", "equals_column", "expected")
    add_assertion(at, "bad", "regex", "(")
    assert at.error[0].value.startswith("The assertion 'bad' has a regex that does not compile")
    add_assertion(at, "judged", "judge", "The answer names a city.")
    assert not at.exception, at.exception
    stand_in.default = Behaviour(tokens=['{"pass": false, "reason": "no city named"}'])
    button(at, "Evaluate").click().run()
    assert not at.exception, at.exception
    frames = [d.value for d in at.dataframe]
    rates = next(f for f in frames if "assertion" in f.columns and "kind" in f.columns)
    got = dict(zip(rates["assertion"], rates["gpt-oss-120b"], strict=True))
    assert got == {"echoes": "4/4 (100%)", "first city": "1/4 (25%)", "expected": "4/4 (100%)",
                   "judged": "0/4 (0%)"}  # fmt: skip
    judge_bodies = [r.json() for r in stand_in.chat_requests()]
    assert len(judge_bodies) == 4 and all("Rubric:\nThe answer names a city." in b["messages"][1]["content"]
                                          for b in judge_bodies)  # fmt: skip
    assert any("The answer names a city." in c.value for c in at.code)  # the judge's request as code
    at.toggle(key="batch-failing").set_value(True).run()
    failing = next(d.value for d in at.dataframe if "reason" in d.value.columns)
    assert sorted(set(failing["assertion"])) == ["first city", "judged"] and len(failing) == 7

    # The judge's verdicts are kept with the results: a new session shows the same grades and its
    # request as code, and Evaluate again asks the judge nothing (its rubric is unchanged).
    stand_in.reset()
    again = open_batch(oxen_app)
    rates_again = next(d.value for d in again.dataframe if "assertion" in d.value.columns and "kind" in d.value.columns)
    assert dict(zip(rates_again["assertion"], rates_again["gpt-oss-120b"], strict=True)) == got
    assert any("The answer names a city." in c.value for c in again.code)
    button(again, "Evaluate").click().run()
    assert not again.exception, again.exception
    assert stand_in.chat_requests() == []


def test_a_batch_whose_process_died_shows_interrupted_and_resume_finishes_it(
    oxen_app: Callable[..., AppTest], stand_in: StandIn, _own_database: str
) -> None:
    from lib.batch import jobs
    from lib.batch.runner import ModelRun, RunOptions
    from lib.batch.template import Template
    from lib.providers import builtin_providers, with_base_url
    from lib.store.batch import Result
    from lib.store.runs import _HOST

    oxen = with_base_url(builtin_providers()["oxen"], stand_in.base_url)
    store = open_store(_own_database)
    try:
        data = [{"city": f"City{i}"} for i in range(10)]
        model = ModelRun(oxen, "gpt-oss-120b", {}, 2, None)
        batch_id = jobs.new_batch(store, "local", "died", [data], ["city"], Template("About {{city}}"),
                                  {"city": "city"}, [model], RunOptions())  # fmt: skip
        store.write_results(batch_id, [Result(0, r, 0, "complete", f"kept {r}") for r in range(4)])
        store.set_batch_status(batch_id, "running", f"{_HOST}/999999999/dead")  # a process that is gone
    finally:
        store.close()
    at = open_batch(oxen_app)
    assert "Interrupted: the app stopped while it ran" in texts(at)
    assert not button(at, "Resume").disabled and button(at, "Pause").disabled
    button(at, "Resume").click().run()  # the key comes from this session (the environment's), never the store
    store = open_store(_own_database)
    try:
        wait_for(lambda: store.get_batch("local", batch_id).status == "done")
        outputs = {r.row: r.output for r in store.iter_batch_results(batch_id)}
    finally:
        store.close()
    assert [outputs[r] for r in range(4)] == [f"kept {r}" for r in range(4)]  # not run again
    assert sorted(r.json()["messages"][-1]["content"] for r in stand_in.chat_requests()) == [
        f"About City{i}" for i in range(4, 10)
    ]
    assert {r.headers["authorization"] for r in stand_in.chat_requests()} == {"Bearer sk-env-key-777"}


def test_the_template_starts_from_the_playground_and_can_follow_its_conversation(
    oxen_app: Callable[..., AppTest], stand_in: StandIn
) -> None:
    from tests.support.apptest import send

    at: AppTest = oxen_app()
    send(at, "Hello there")
    send(at, "Describe the city")
    at.switch_page(BATCH).run()
    assert at.text_area(key=bs.TEMPLATE).value == "Describe the city"  # the Playground's last user message
    stand_in.reset()
    paste(at, "city\nOslo\nLima\n")
    at.text_area(key=bs.TEMPLATE).set_value("Describe {{city}}").run()
    at.toggle(key=bs.HISTORY).set_value(True).run()
    at.number_input(key=bs.SAMPLE_N).set_value(1).run()
    button(at, "Run sample").click().run()
    assert not at.exception, at.exception
    (sent,) = [r.json()["messages"] for r in stand_in.chat_requests()]
    # The turns before the Playground's last user message, then the row's prompt.
    assert [(m["role"], m["content"]) for m in sent] == [
        ("user", "Hello there"), ("assistant", "You said: Hello there"), ("user", "Describe Oslo"),
    ]  # fmt: skip
