"""Batch's drawing: the data set and its preview, the template and its variables, the models, the
sample with its estimate, and the live view of a running batch (polling the store), with its controls,
results, histograms and downloads."""

from __future__ import annotations

import json
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from lib.batch import export, jobs
from lib.batch.assertions import KINDS, Graded, columns_of, differing, distinct_answers, grade_results, pass_rates
from lib.batch.dataset import Preview, sniff_pasted
from lib.batch.runner import registry
from lib.batch.template import Template
from lib.store import StoreError
from lib.store.batch import BatchRecord
from ui import batch_state as bs
from ui.history_state import owner, store
from ui.state import providers

POLL = 1.0  # seconds between two looks at the store while a batch runs
SHOWN_RESULTS = 200


def dataset_box() -> None:
    st.subheader("Dataset", anchor=False)
    upload = st.file_uploader("Dataset", type=["csv", "tsv", "txt", "jsonl", "ndjson", "xlsx", "parquet"],
                              key="batch_upload")  # fmt: skip
    if upload is not None and st.session_state.get("batch_upload_seen") != upload.file_id:
        st.session_state["batch_upload_seen"] = upload.file_id
        bs.set_data(upload.name, upload.getvalue())
    with st.expander("Paste CSV"):
        pasted = st.text_area("Paste CSV", key=bs.PASTE, height=120, placeholder="question,answer\nWhat is 2+2?,4")
        if st.button("Use pasted rows", disabled=not pasted.strip()):
            bs.set_data("pasted.csv", pasted.encode("utf-8"), sniff_pasted(pasted))
    p = bs.preview()
    if isinstance(p, str):
        st.error(p)
    elif isinstance(p, Preview):
        st.caption(f"{p.row_count:,} rows · columns: " + ", ".join(f"`{c}`" for c in p.columns))
        st.dataframe(pd.DataFrame(p.rows[:5], columns=p.columns), hide_index=True, key="batch_preview_table")


def template_box() -> Template:
    st.subheader("Template", anchor=False)
    st.text_area("System prompt", key=bs.SYSTEM, height=68, placeholder="Not sent")
    st.text_area("Prompt template", key=bs.TEMPLATE, height=110,
                 help="The message sent for each row; `{{column}}` is replaced by that row's value.")  # fmt: skip
    turns = bs.earlier_turns()
    if turns:
        st.toggle(f"Send the Playground's {len(turns)} earlier messages first", key=bs.HISTORY,
                  help="Each row's prompt then follows the conversation as it stands in the Playground.")  # fmt: skip
    t = bs.template()
    variables = t.variables()
    cols = bs.columns()
    if variables:
        st.caption("Variables")
        auto = bs.mapping(variables)
        grid = st.columns(min(3, len(variables)))
        for i, v in enumerate(variables):
            options = [None, *cols]
            key = bs.mapping_key(v)
            if key not in st.session_state or st.session_state[key] not in options:
                st.session_state[key] = auto[v]
            grid[i % len(grid)].selectbox(f"{{{{{v}}}}}", options, key=key,
                                          format_func=lambda c: "— no column —" if c is None else c)  # fmt: skip
    elif cols:
        st.caption("Write `{{column}}` in the template to put a column's value into each row's message.")
    return t


def models_box() -> None:
    st.subheader("Models", anchor=False)
    conn = st.session_state.get("connection")
    row = st.columns(4)
    row[0].number_input("Models", 1, bs.MAX_MODELS, 1, key=bs.MODELS,
                        help="The same rows run on each model, for side-by-side results.")  # fmt: skip
    row[1].number_input("Sample rows", 1, 100, 5, key=bs.SAMPLE_N)
    row[2].number_input("Repeat each row", 1, 20, 1, key=bs.REPEATS,
                        help="Run each row K times to see how stable the answers are.")  # fmt: skip
    with row[3].popover("Rate limits"):
        st.number_input("Requests per minute", 0, 100_000, 0, key=bs.RPM, help="0: no limit")
        st.number_input("Tokens per minute", 0, 100_000_000, 0, key=bs.TPM, help="0: no limit")
    table = providers()
    for i in range(int(st.session_state.get(bs.MODELS, 1))):
        cols = st.columns([2, 3, 1])
        if i == 0:
            name = f"{conn.model} ({conn.provider.label})" if conn else "the sidebar's connection"
            cols[0].text_input("Model 1", value=name, disabled=True, key="batch_model_0_shown")
            local = bool(conn and conn.provider.local)
        else:
            pid = cols[0].selectbox(f"Provider {i + 1}", list(table), format_func=lambda p: table[p].label,
                                    key=bs.provider_key(i),
                                    index=list(table).index(conn.provider.id) if conn else 0)  # fmt: skip
            cols[1].text_input(f"Model {i + 1}", key=bs.model_key(i), placeholder=conn.model if conn else "model id")
            local = table[pid].local
        default = 1 if local else 8
        cols[2].number_input(f"Concurrency {i + 1}", 1, 64, default, key=bs.concurrency_key(i))


def actions() -> None:
    ready = bs.plan()
    found = bs.sample()
    row = st.container(horizontal=True)
    if row.button("Run sample", type="secondary", icon=":material/science:"):
        with st.spinner("Running the sample…"):
            bs.run_sample()
        st.rerun()
    fresh = found is not None and not isinstance(ready, str) and found[1] == ready.signature
    row.button("Run all", type="primary", icon=":material/play_arrow:", disabled=not fresh, on_click=bs.run_all,
               help="Runs every row in the background, after the sample's estimate.")  # fmt: skip
    if isinstance(ready, str) and bs.preview() is not None:
        st.caption(ready)
    if found is not None:
        sample_box(found[0], fresh)


def sample_box(record: BatchRecord, fresh: bool) -> None:
    s = store()
    if s is None:
        return
    n = int(st.session_state.get(bs.SAMPLE_N) or 5)
    results = s.batch_results_page(record.id, below_row=n, limit=n * 4 * 20)
    with st.container(key="batch-sample", border=True):
        st.markdown("**Sample**" + ("" if fresh else " (the settings changed since: run the sample again)"))
        df = export.frame(s, record).head(len(results))
        st.dataframe(df[["row", *record.columns, "model", "output", "status", "error", "prompt_tokens",
                         "completion_tokens", "latency", "cost"]], hide_index=True)  # fmt: skip
        repeats = int(record.config["options"].get("repeats") or 1)
        e = jobs.estimate(results, record.row_count, record.config["models"], repeats)
        cols = st.columns(4)
        cols[0].metric("Requests", f"{e.requests:,}")
        cols[1].metric("Tokens", "unknown" if e.tokens is None else f"{e.tokens:,}")
        cols[2].metric("Estimated cost", jobs.money(e.cost))
        cols[3].metric("Estimated time", jobs.duration(e.seconds))
        st.caption(f"Estimate for all {record.row_count:,} rows from the {n} sampled, at the chosen concurrency.")


STATE_LABEL = {
    "running": "Running", "paused": "Paused", "elsewhere": "Running in another app process",
    "interrupted": "Interrupted: the app stopped while it ran; Resume sends the rows without a result",
    "cancelled": "Cancelled", "done": "Done", "failed": "Stopped", "draft": "Sample only",
}  # fmt: skip


def live_box() -> None:
    record = bs.current()
    if record is None:
        return
    state = bs.state_of(record)
    active = state in ("running", "paused", "elsewhere")
    st.fragment(_live, run_every=POLL if active else None)(record.id, active)


def _live(batch_id: str, was_active: bool) -> None:
    s = store()
    if s is None:
        return
    try:
        record = s.get_batch(owner(), batch_id)
        counts = s.batch_counts(record.id)
    except StoreError as exc:  # deleted meanwhile, or the database went away: said, not raised
        st.warning(str(exc))
        return
    state = bs.state_of(record)
    active = state in ("running", "paused", "elsewhere")
    if was_active and not active:
        st.rerun(scope="app")  # it ended: redraw the page once, without polling
    run = bs.live(record)
    p = jobs.progress(record, counts, run)
    with st.container(key="batch-live", border=True):
        st.markdown(f"**{record.title}** · {STATE_LABEL.get(state, state)}")
        last = registry().get(batch_id)
        if last is not None and last.error and not last.active:
            st.error(last.error)
        if run is not None and run.paused_for_429 > 0:
            st.caption(f"The server asked to slow down (429): every request waits {run.paused_for_429:.1f} s more.")
        st.progress(p.fraction, text=f"{p.done:,} / {p.total:,} done · {p.failed:,} failed")
        cols = st.columns(4)
        cols[0].metric("Rows/s", "–" if p.rows_per_s is None else f"{p.rows_per_s:.1f}")
        cols[1].metric("Tokens/s", "–" if p.tokens_per_s is None else f"{p.tokens_per_s:.0f}")
        cols[2].metric("ETA", "–" if not active else jobs.duration(p.eta_s))
        cols[3].metric("Cost so far", jobs.money(p.cost))
        row = st.container(horizontal=True)
        row.button("Pause", disabled=state != "running", on_click=bs.pause, args=(batch_id,), key="batch-pause")
        row.button("Resume", disabled=state not in ("paused", "interrupted", "cancelled", "failed")
                   or (state != "paused" and p.done >= p.total), on_click=bs.resume, args=(batch_id,),
                   key="batch-resume")  # fmt: skip
        row.button("Cancel", disabled=state not in ("running", "paused"), on_click=bs.cancel, args=(batch_id,),
                   key="batch-cancel")  # fmt: skip
        row.button("Retry failed rows", disabled=active or p.failed == 0, on_click=bs.retry_failed,
                   args=(batch_id,), key="batch-retry")  # fmt: skip
        _results(s, record)
        _histograms(s, record)


def _results(s: Any, record: BatchRecord) -> None:
    names = [m["model"] for m in record.config["models"]]
    only_failed = st.toggle("Failing rows only", key="batch-only-failed")
    page = s.batch_results_page(record.id, limit=SHOWN_RESULTS, status="error" if only_failed else None)
    rows = {r: d for r, d in s.batch_rows_from(record.id, page[0].row - 1, SHOWN_RESULTS)} if page else {}
    table = [{"row": r.row, **{c: rows.get(r.row, {}).get(c, "") for c in record.columns},
              "model": names[r.model] if r.model < len(names) else r.model, "repeat": r.repeat, "output": r.output,
              "status": r.status, "error": r.error or "", "completion_tokens": r.completion_tokens,
              "latency": r.latency, "cost": r.cost} for r in page]  # fmt: skip
    st.dataframe(pd.DataFrame(table), hide_index=True, key="batch-results")


def _histograms(s: Any, record: BatchRecord) -> None:
    points = s.latencies(record.id)
    if not points:
        return
    names = [m["model"] for m in record.config["models"]]
    df = pd.DataFrame([{"model": names[m] if m < len(names) else str(m), "latency (s)": lat, "output tokens": t}
                       for m, lat, t in points])  # fmt: skip
    cols = st.columns(2)
    for col, field in zip(cols, ("latency (s)", "output tokens"), strict=True):
        chart = (alt.Chart(df).mark_bar(opacity=0.7)
                 .encode(x=alt.X(f"{field}:Q", bin=alt.Bin(maxbins=30)), y=alt.Y("count():Q", title="results"),
                         color="model:N").properties(height=180, title=field.capitalize()))  # fmt: skip
        col.altair_chart(chart, use_container_width=True)


def downloads() -> None:
    record = bs.current()
    s = store()
    if record is None or s is None:
        return
    row = st.container(horizontal=True, key="batch-downloads")

    specs = bs.assertions_of(record)
    graded = bs.graded_of(record)
    judged = {(g.model, g.row, g.repeat): g.verdicts for g in graded[0]} if graded else {}
    plain = [spec for spec in specs if spec["kind"] != "judge"]

    def grade(inputs: Any, result: Any) -> dict[str, Any]:
        """The assertion columns: checked now, the judge's verdicts as last evaluated (blank if not judged)."""
        verdicts = grade_results([(inputs, result)], plain)[0].verdicts
        for spec in specs:
            if spec["kind"] == "judge":
                found = judged.get((result.model, result.row, result.repeat), {}).get(spec["name"])
                if found is not None:
                    verdicts[spec["name"]] = found
        return columns_of(Graded(result.model, result.row, result.repeat, verdicts))

    def made(fn: Any) -> Any:
        return lambda: fn(export.frame(s, record, grade if specs else None))

    row.download_button("Download CSV", made(export.to_csv), file_name="batch.csv", mime="text/csv",
                        on_click="ignore", key="batch-dl-csv")  # fmt: skip
    row.download_button("Download JSONL", made(export.to_jsonl), file_name="batch.jsonl", mime="application/jsonl",
                        on_click="ignore", key="batch-dl-jsonl")  # fmt: skip
    row.download_button("Download Parquet", made(export.to_parquet), file_name="batch.parquet",
                        mime="application/vnd.apache.parquet", on_click="ignore", key="batch-dl-parquet")  # fmt: skip
    if export.xlsx_available():
        row.download_button("Download XLSX", made(export.to_xlsx), file_name="batch.xlsx", on_click="ignore",
                            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                            key="batch-dl-xlsx")  # fmt: skip
    row.download_button("Download Python script", lambda: export.python_script(record), file_name="batch.py",
                        mime="text/x-python", on_click="ignore", key="batch-dl-py")  # fmt: skip
    row.download_button("Download Batch API file", lambda: export.batch_api_file(s, record),
                        file_name="batch_api.jsonl", mime="application/jsonl", on_click="ignore",
                        key="batch-dl-api")  # fmt: skip


def notice() -> None:
    found = st.session_state.pop(bs.NOTICE, None)
    if found:
        (st.error if found[0] == "error" else st.info)(found[1])


# -- evaluation ------------------------------------------------------------------------------------------

VALUE_HELP = {
    "contains": "The text the output must contain.",
    "not_contains": "The text the output must not contain.",
    "regex": "A Python regular expression the output must match.",
    "equals_column": "The column holding the expected output.",
    "valid_json": "Nothing: the output must be JSON.",
    "json_schema": "A JSON schema (an object) the output must match.",
    "length": "Characters as min-max, e.g. 10-200, -200 or 10-.",
    "judge": "The rubric the judge model grades the output against.",
}


def _spec(name: str, kind: str, value: str) -> dict[str, Any] | str:
    """An assertion from the form's fields, or the sentence that says what is wrong."""
    spec: dict[str, Any] = {"name": name.strip(), "kind": kind}
    if kind in ("contains", "not_contains"):
        spec["value"] = value
    elif kind == "regex":
        spec["pattern"] = value
    elif kind == "equals_column":
        spec["column"] = value.strip()
    elif kind == "json_schema":
        try:
            spec["schema"] = json.loads(value)
        except ValueError as exc:
            return f"The schema is not JSON ({exc.args[0]}); paste a JSON schema object."
    elif kind == "length":
        low, _, high = value.partition("-")
        try:
            spec["min"] = int(low) if low.strip() else None
            spec["max"] = int(high) if high.strip() else None
        except ValueError:
            return "Write the length as min-max in characters, e.g. 10-200."
    elif kind == "judge":
        spec["rubric"] = value
    return spec


def evaluation_box() -> None:
    record = bs.current()
    s = store()
    if record is None or s is None:
        return
    specs = bs.assertions_of(record)
    with st.expander("Evaluation", expanded=bool(specs), icon=":material/rule:"):
        for spec in specs:
            row = st.container(horizontal=True, vertical_alignment="center")
            detail = {k: v for k, v in spec.items() if k not in ("name", "kind")}
            row.markdown(f"**{spec['name']}** · {KINDS[spec['kind']]} `{json.dumps(detail)[:120]}`")
            row.button("Remove", key=f"batch-remove-{spec['name']}", on_click=bs.remove_assertion,
                       args=(record, spec["name"]))  # fmt: skip
        with st.form("batch-add-assertion", clear_on_submit=True, border=False):
            cols = st.columns([2, 2, 4])
            name = cols[0].text_input("Assertion name")
            kind = cols[1].selectbox("Kind", list(KINDS), format_func=lambda k: KINDS[k])
            value = cols[2].text_input("Value", help=" ".join(f"{KINDS[k]}: {h}" for k, h in VALUE_HELP.items()))
            if st.form_submit_button("Add assertion"):
                made = _spec(name, kind, value)
                if isinstance(made, str):
                    bs.notice("error", made)
                else:
                    bs.add_assertion(record, made)
                st.rerun()
        if not specs:
            return
        cols = st.columns([3, 1, 1])
        conn = st.session_state.get("connection")
        cols[0].text_input("Judge model", key=bs.JUDGE_MODEL, placeholder=conn.model if conn else "model id",
                           help="The sidebar's provider; the judge grades the first N results.")  # fmt: skip
        cols[1].number_input("Judge up to", 1, 1000, 20, key=bs.JUDGE_LIMIT)
        if cols[2].button("Evaluate", type="primary"):
            with st.spinner("Grading…"):
                bs.evaluate(record)
        graded = bs.graded_of(record)
        if graded is None:
            return
        _summary(s, record, graded[0], graded[1])


def _summary(s: Any, record: BatchRecord, graded: list[Graded], judge_code: str | None) -> None:
    names = [m["model"] for m in record.config["models"]]
    rates = pass_rates(graded)
    table = []
    for spec in bs.assertions_of(record):
        line: dict[str, Any] = {"assertion": spec["name"], "kind": KINDS[spec["kind"]]}
        for i, model in enumerate(names):
            passed, checked = rates.get((spec["name"], i), (0, 0))
            line[model] = f"{passed}/{checked} ({passed / checked:.0%})" if checked else "–"
        table.append(line)
    with st.container(key="batch-evaluation"):
        st.markdown("**Pass rate per assertion and model**")
        st.dataframe(pd.DataFrame(table), hide_index=True)
        failing = [(g, n, v) for g in graded for n, v in g.verdicts.items() if not v.passed]
        if st.toggle(f"Failing rows only ({len(failing)})", key="batch-failing"):
            rows = [{"row": g.row, "model": names[g.model], "repeat": g.repeat, "assertion": n, "reason": v.reason}
                    for g, n, v in failing[:1000]]  # fmt: skip
            st.dataframe(pd.DataFrame(rows), hide_index=True)
        if judge_code:
            with st.expander("Judge request"):
                st.code(judge_code, language="bash")
    repeats = int((record.config.get("options") or {}).get("repeats") or 1)
    outputs = [(r.model, r.row, r.output) for r in s.iter_batch_results(record.id) if r.status == "complete"]
    if repeats > 1:
        stable = distinct_answers(outputs)
        st.markdown("**Stability: distinct answers per row**")
        st.dataframe(pd.DataFrame([{"row": row, "model": names[m], "distinct answers": n}
                                   for (m, row), n in sorted(stable.items())][:1000]), hide_index=True)  # fmt: skip
    _compare(s, record, names)


def _compare(s: Any, record: BatchRecord, names: list[str]) -> None:
    others = [b for b in s.list_batches(owner(), 20) if b.id != record.id and b.columns == record.columns]
    choices: list[tuple[str, str, int]] = [("this", n, i) for i, n in enumerate(names)]
    choices += [(b.id, f"{b.title}: {b.config['models'][0]['model']}", 0) for b in others]
    if len(choices) < 2:
        return
    st.markdown("**Compare two models or runs**")
    cols = st.columns(2)
    a = cols[0].selectbox("Side A", range(len(choices)), format_func=lambda i: choices[i][1], key="batch-cmp-a")
    b = cols[1].selectbox("Side B", range(len(choices)), index=1, format_func=lambda i: choices[i][1],
                          key="batch-cmp-b")  # fmt: skip

    def outputs(choice: tuple[str, str, int]) -> dict[int, str]:
        batch_id = record.id if choice[0] == "this" else choice[0]
        return {r.row: r.output for r in s.iter_batch_results(batch_id) if r.model == choice[2] and r.repeat == 0}

    left, right = outputs(choices[a]), outputs(choices[b])
    rows = differing(left, right)
    st.caption(f"{len(rows)} of {len(left.keys() & right.keys())} rows differ.")
    st.dataframe(pd.DataFrame([{"row": r, "A": left[r], "B": right[r]} for r in rows[:500]]), hide_index=True,
                 key="batch-diff")  # fmt: skip
