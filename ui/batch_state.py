"""Batch's session state and actions: the data set read once per upload, the template and its mapping,
the models (the sidebar's connection first), Run sample / Run all, and the controls of a batch that runs
in the process-wide registry (lib/batch/runner.py), not in this session: a closed tab leaves it going,
and a new session finds it in the store."""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from typing import Any

import streamlit as st

from lib.batch import dataset, jobs
from lib.batch import template as tpl
from lib.batch.dataset import DatasetError, Preview
from lib.batch.runner import DEFAULT_CONCURRENCY, LOCAL_CONCURRENCY, BatchRun, ModelRun, RunOptions, registry
from lib.batch.template import Template, TemplateError
from lib.catalog import pricing_of
from lib.errors import InvalidBaseURL
from lib.params import specs_for
from lib.providers import Provider, ResolvedKey, resolve_key, with_base_url
from lib.store import NotFound, Store, StoreError
from lib.store.batch import BatchRecord
from lib.store.runs import _orphaned
from ui import form, keys
from ui.custom_setup import held_secrets
from ui.history_state import owner, problem, store
from ui.state import Connection, messages, meter_for, providers, secrets

DATA = "batch_data"  # (file name, format, bytes, SHA-256) of the data set, or None
PREVIEW = "batch_preview"  # Preview of DATA, or the DatasetError sentence
PASTE = "batch_paste"
TEMPLATE = "batch_template"
SYSTEM = "batch_system"
HISTORY = "batch_history"  # send the Playground's earlier turns before each row's prompt
MODELS = "batch_models"
SAMPLE_N = "batch_sample_n"
REPEATS = "batch_repeats"
RPM = "batch_rpm"
TPM = "batch_tpm"
SAMPLE = "batch_sample"  # (batch id, signature) of the sample shown
CURRENT = "batch_current"  # the batch this session watches
NOTICE = "batch_notice"  # ("error" | "info", sentence) for the next run of the page
MAX_MODELS = 4
SAMPLE_WAIT = 300.0  # seconds Run sample waits for its rows


def mapping_key(variable: str) -> str:
    return f"batch_map_{variable}"


def provider_key(i: int) -> str:
    return f"batch_provider_{i}"


def model_key(i: int) -> str:
    return f"batch_model_{i}"


def concurrency_key(i: int) -> str:
    return f"batch_concurrency_{i}"


def init() -> None:
    ss = st.session_state
    if TEMPLATE not in ss:
        last_user = next((m.content for m in reversed(messages()) if m.role == "user" and m.content), "")
        ss[TEMPLATE] = last_user
        ss[SYSTEM] = ss.get(keys.SYSTEM, "") or ""
    ss.setdefault(DATA, None)
    ss.setdefault(SAMPLE, None)
    if CURRENT not in ss:
        # A new session (a reopened tab) watches the owner's latest batch, wherever it was started.
        s = store()
        latest = s.list_batches(owner(), 1) if s is not None else []
        ss[CURRENT] = latest[0].id if latest and latest[0].status != "draft" else None


def notice(kind: str, sentence: str) -> None:
    st.session_state[NOTICE] = (kind, sentence)


# -- the data set -------------------------------------------------------------------------------------


def set_data(name: str, data: bytes, fmt: str | None = None) -> None:
    """Read a new data set through once (every line checked), keeping its bytes for the run."""
    ss = st.session_state
    try:
        fmt = fmt or dataset.format_of(name)
        ss[PREVIEW] = dataset.read_all(data, fmt)
        ss[DATA] = (name, fmt, data, hashlib.sha256(data).hexdigest())  # hashed once, not on every run
    except DatasetError as exc:
        ss[PREVIEW], ss[DATA] = str(exc), None
    ss[SAMPLE] = None


def preview() -> Preview | str | None:
    found: Preview | str | None = st.session_state.get(PREVIEW)
    return found


def columns() -> list[str]:
    p = preview()
    return p.columns if isinstance(p, Preview) else []


# -- template, mapping, models ------------------------------------------------------------------------


def earlier_turns() -> tuple[tuple[str, str], ...]:
    """The Playground's conversation before its last user message: the turns a row's prompt follows."""
    chat = [m for m in messages() if m.role in ("user", "assistant") and m.content]
    last = max((i for i, m in enumerate(chat) if m.role == "user"), default=0)
    return tuple((m.role, m.content) for m in chat[:last])


def template() -> Template:
    history = earlier_turns() if st.session_state.get(HISTORY) else ()
    return Template(st.session_state.get(TEMPLATE, ""), st.session_state.get(SYSTEM, ""), history, {})


def mapping(variables: list[str]) -> dict[str, str | None]:
    auto = tpl.auto_mapping(variables, columns())
    out: dict[str, str | None] = {}
    for v in variables:
        chosen = st.session_state.get(mapping_key(v))
        out[v] = chosen if chosen in columns() else auto[v]
    return out


def _listed(provider: Provider, model: str) -> dict[str, Any] | None:
    listing = st.session_state.get(keys.MODELS_CACHE, {}).get((provider.id, provider.base_url))
    if isinstance(listing, list):
        return next((m for m in listing if m.get("id") == model), None)
    return None


def default_concurrency(provider: Provider) -> int:
    return LOCAL_CONCURRENCY if provider.local else DEFAULT_CONCURRENCY


@dataclass
class ModelChoice:
    run: ModelRun | None
    problem: str | None  # why it cannot be sent
    key: ResolvedKey | None = None


def model_choices() -> list[ModelChoice]:
    """The models of the batch: the sidebar's connection first (its form's parameters), then the others."""
    ss = st.session_state
    conn: Connection | None = ss.get(keys.CONNECTION)
    out: list[ModelChoice] = []
    params: dict[str, Any] = {}
    if conn is not None:
        params, _ = form.values(specs_for(conn.model_info, local=conn.provider.local))
    for i in range(int(ss.get(MODELS, 1))):
        if i == 0:
            if conn is None:
                out.append(ModelChoice(None, "Choose a provider and a model in the sidebar first."))
                continue
            provider, model, key, info = conn.provider, conn.model, conn.key, conn.model_info
        else:
            pid = ss.get(provider_key(i)) or (conn.provider.id if conn else "local")
            configured = providers().get(pid) or providers()["local"]
            try:
                same = conn is not None and conn.provider.id == pid
                provider = with_base_url(configured, conn.provider.base_url) if same and conn else configured
            except InvalidBaseURL as exc:
                out.append(ModelChoice(None, str(exc)))
                continue
            model = (ss.get(model_key(i)) or "").strip() or (conn.model if conn and same else "")
            if not model:
                out.append(ModelChoice(None, f"Model {i + 1} has no model name; type one."))
                continue
            typed = ss.get(keys.api_key(configured.id)) or None
            key = resolve_key(configured, provider.base_url, typed, secrets=secrets())
            info = _listed(provider, model)
        if provider.key_required and key.value is None:
            out.append(ModelChoice(None, key.note or f"Model {i + 1} ({provider.label}) needs an API key; type it "
                                   "in the sidebar's API key field for that provider."))  # fmt: skip
            continue
        concurrency = int(ss.get(concurrency_key(i)) or default_concurrency(provider))
        run = ModelRun(
            provider, model, dict(params), concurrency, key.value, pricing_of(provider, info), meter_for(key)
        )
        out.append(ModelChoice(run, None, key))
    return out


def options(below: int | None = None) -> RunOptions:
    ss = st.session_state
    rpm = float(ss.get(RPM) or 0) or None
    tpm = float(ss.get(TPM) or 0) or None
    return RunOptions(int(ss.get(REPEATS) or 1), below, rpm, tpm)


def signature(t: Template, m: dict[str, str | None], runs: list[ModelRun], o: RunOptions) -> str:
    """What makes a sample stand for the full run: the same data, template, mapping, models and options."""
    data = st.session_state.get(DATA)
    digest = data[3] if data else ""
    config = {"d": digest, "t": t.to_json(), "m": m, "r": [jobs.model_json(r) for r in runs],
              "o": jobs.options_json(o)}  # fmt: skip
    return hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()


@dataclass
class Plan:
    template: Template
    mapping: dict[str, str | None]
    runs: list[ModelRun]
    options: RunOptions
    signature: str


def plan() -> Plan | str:
    """Everything Run sample needs, or the one sentence that says why nothing can be sent."""
    p = preview()
    if not isinstance(p, Preview):
        return p or "Upload a data set (or paste CSV) first."
    t = template()
    m = mapping(t.variables())
    try:
        tpl.check(t, m, p.columns)
    except TemplateError as exc:
        return str(exc)
    choices = model_choices()
    for c in choices:
        if c.problem:
            return c.problem
    runs = [c.run for c in choices if c.run is not None]
    o = options()
    return Plan(t, m, runs, o, signature(t, m, runs, o))


# -- running ------------------------------------------------------------------------------------------


def _local_ready(models: list[dict[str, Any]] | list[ModelRun]) -> bool:
    """Start the embedded model when a model of the batch is it; False (said once) when it cannot."""
    from ui.sidebar import ensure_local

    local = any((m.provider.local if isinstance(m, ModelRun) else m.get("provider_id") == "local") for m in models)
    problem_ = ensure_local() if local else None
    if problem_:
        notice("error", problem_)
    return problem_ is None


def _store() -> Store | None:
    s = store()
    if s is None:
        notice("error", f"{problem() or 'History is off'}; Batch keeps its rows and results there, so it cannot run.")
    return s


def run_sample() -> None:
    """Store a new batch with the data set, run its first N rows, wait for them (the estimate needs them)."""
    ss = st.session_state
    made = plan()
    if isinstance(made, str):
        notice("error", made)
        return
    s = _store()
    data = ss.get(DATA)
    if s is None or data is None or not _local_ready(made.runs):
        return
    name, fmt, raw, _ = data
    title = f"{name} · {jobs.stamp()}"
    try:
        columns_ = preview().columns  # type: ignore[union-attr]
        batch_id = jobs.new_batch(s, owner(), title, dataset.chunks(raw, fmt), columns_, made.template, made.mapping,
                                  made.runs, made.options)  # fmt: skip
        record = s.get_batch(owner(), batch_id)
    except (DatasetError, StoreError) as exc:
        notice("error", str(exc))
        return
    n = max(1, int(ss.get(SAMPLE_N) or 5))
    run = jobs.run_for(s, record, [r.key for r in made.runs], below=n)
    for model, chosen in zip(run.models, made.runs, strict=True):
        model.meter = chosen.meter
    registry().start(run)
    deadline = time.monotonic() + SAMPLE_WAIT
    while not run.finished.wait(0.1):
        if time.monotonic() > deadline:
            run.cancel()
            notice("error", f"The sample took longer than {SAMPLE_WAIT:.0f} s and was cancelled; try fewer rows.")
            return
    if run.error:
        notice("error", run.error)
    ss[SAMPLE] = (batch_id, made.signature)


def sample() -> tuple[BatchRecord, str] | None:
    ss = st.session_state
    if not ss.get(SAMPLE):
        return None
    s = store()
    if s is None:
        return None
    try:
        return s.get_batch(owner(), ss[SAMPLE][0]), ss[SAMPLE][1]
    except (NotFound, StoreError):
        return None


def run_all() -> None:
    ss = st.session_state
    made = plan()
    found = sample()
    if isinstance(made, str):
        notice("error", made)
        return
    if found is None or found[1] != made.signature:
        notice("error", "Run a sample with these settings first: the full run starts after its estimate is shown.")
        return
    record = found[0]
    s = _store()
    if s is None:
        return
    _start(s, record, [r.key for r in made.runs])
    ss[CURRENT] = record.id
    ss[SAMPLE] = None


def _start(s: Store, record: BatchRecord, keys_: list[str | None]) -> None:
    if not _local_ready(record.config["models"]):
        return
    run = jobs.run_for(s, record, keys_, providers=providers())
    for model in run.models:
        # The store keeps credential headers by name only: their values come from this session.
        model.provider = jobs.with_secret_values(model.provider, held_secrets(model.provider.id))
        # Each request with the app's own key counts against a shared app's budget.
        if model.key is not None:
            model.meter = meter_for(_resolved(model.provider))
    try:
        registry().start(run)
    except ValueError as exc:
        notice("error", str(exc))


def current() -> BatchRecord | None:
    ss = st.session_state
    s = store()
    if s is None or not ss.get(CURRENT):
        return None
    try:
        return s.get_batch(owner(), ss[CURRENT])
    except (NotFound, StoreError):
        ss[CURRENT] = None
        return None


def live(record: BatchRecord) -> BatchRun | None:
    return registry().active(record.id)


def state_of(record: BatchRecord) -> str:
    """running, paused, elsewhere (another app process runs it), interrupted (its process died),
    cancelled, done or failed."""
    run = live(record)
    if run is not None:
        return "paused" if run.status == "paused" else "running"
    if record.status in ("running", "paused"):
        return "interrupted" if _orphaned(record.runner) else "elsewhere"
    return record.status


def _resolved(provider: Provider) -> ResolvedKey:
    """The key for this provider and base URL, by the sidebar's rules (the store never holds one)."""
    conn: Connection | None = st.session_state.get(keys.CONNECTION)
    if conn is not None and conn.provider.id == provider.id and conn.provider.base_url == provider.base_url:
        return conn.key
    typed = st.session_state.get(keys.api_key(provider.id)) or None
    return resolve_key(providers().get(provider.id, provider), provider.base_url, typed, secrets=secrets())


def _keys_for(record: BatchRecord) -> list[str | None]:
    """Each stored model's key, resolved now."""
    return [_resolved(jobs.provider_for(m, providers())).value for m in record.config["models"]]


def pause(batch_id: str) -> None:
    run = registry().active(batch_id)
    if run is not None:
        run.pause()
        _wait(lambda: run.status == "paused")


def cancel(batch_id: str) -> None:
    run = registry().active(batch_id)
    if run is not None:
        run.cancel()
        run.finished.wait(2.0)


def resume(batch_id: str) -> None:
    """Go on: a paused run here resumes; a cancelled, interrupted or finished batch runs its rows that
    have no result (after a restart too)."""
    run = registry().active(batch_id)
    if run is not None:
        run.resume()
        _wait(lambda: run.status == "running")
        return
    s = _store()
    if s is None:
        return
    try:
        record = s.get_batch(owner(), batch_id)
    except StoreError as exc:
        notice("error", str(exc))
        return
    _start(s, record, _keys_for(record))


def retry_failed(batch_id: str) -> None:
    s = _store()
    if s is None or registry().active(batch_id) is not None:
        return
    try:
        s.delete_failed_results(batch_id)
    except StoreError as exc:
        notice("error", str(exc))
        return
    resume(batch_id)


def _wait(done: Any, timeout: float = 2.0) -> None:
    """Until the runner's loop took the request (a control acts on the loop's thread)."""
    deadline = time.monotonic() + timeout
    while not done() and time.monotonic() < deadline:
        time.sleep(0.01)


# -- evaluation -----------------------------------------------------------------------------------------

ASSERTIONS = "batch_assertions"  # (batch id, list of assertion dicts)
GRADED = "batch_graded"  # (batch id, list[Graded], the judge's first request as cURL or None)
JUDGE_MODEL = "batch_judge_model"
JUDGE_LIMIT = "batch_judge_limit"


def assertions_of(record: BatchRecord) -> list[dict[str, Any]]:
    """The batch's assertions (kept in its config, so a reopened tab and the exports have them)."""
    ss = st.session_state
    held = ss.get(ASSERTIONS)
    if held is None or held[0] != record.id:
        ss[ASSERTIONS] = (record.id, list(record.config.get("assertions") or []))
    found: list[dict[str, Any]] = ss[ASSERTIONS][1]
    return found


def _save_assertions(record: BatchRecord, specs: list[dict[str, Any]]) -> None:
    st.session_state[ASSERTIONS] = (record.id, specs)
    st.session_state[GRADED] = None
    s = store()
    if s is not None:
        try:
            s.update_batch_config(record.id, {**record.config, "assertions": specs})
        except StoreError as exc:
            notice("error", str(exc))


def add_assertion(record: BatchRecord, spec: dict[str, Any]) -> None:
    from lib.batch.assertions import AssertionProblem, validate

    specs = assertions_of(record)
    if any(s["name"] == spec.get("name") for s in specs):
        notice("error", f"An assertion named {spec.get('name')!r} exists already; give this one another name.")
        return
    try:
        validate(spec, record.columns)
    except AssertionProblem as exc:
        notice("error", str(exc))
        return
    _save_assertions(record, [*specs, spec])


def remove_assertion(record: BatchRecord, name: str) -> None:
    _save_assertions(record, [s for s in assertions_of(record) if s["name"] != name])


def evaluate(record: BatchRecord) -> None:
    """Grade every result; the judge (the sidebar's connection, or the model typed for it) on the first N."""
    from lib.batch import assertions as a
    from lib.batch import export
    from lib.client import ChatClient
    from lib.request import to_http
    from lib.snippets import curl

    ss = st.session_state
    s = _store()
    conn: Connection | None = ss.get(keys.CONNECTION)
    if s is None:
        return
    specs = assertions_of(record)
    shown: list[str] = []
    client = ChatClient()
    judge_fn = None
    if conn is not None and any(sp["kind"] == "judge" for sp in specs):
        model = (ss.get(JUDGE_MODEL) or "").strip() or conn.model

        def judge_fn(spec: Any, output: str, inputs: Any) -> a.Verdict:
            request = a.judge_request(conn.provider, model, str(spec["rubric"]), output, inputs)
            if not shown:
                shown.append(curl(to_http(request)))
            return a.judge(client, request, conn.key.value)

    stored: dict[tuple[int, int, int], Any] = {}

    def remembered() -> Any:
        """The results, noting the judge's verdicts each already has (only those: a million rows stay cheap)."""
        for inputs, result in export.with_inputs(s, record):
            if result.verdicts:
                stored[(result.model, result.row, result.repeat)] = result.verdicts
            yield inputs, result

    try:
        graded = a.grade_results(remembered(), specs, judge_fn, int(ss.get(JUDGE_LIMIT) or 20))
        fresh = []
        for g in graded:
            kept = a.judge_verdicts_json(g, specs)
            if kept and kept != stored.get((g.model, g.row, g.repeat)):
                fresh.append((g.model, g.row, g.repeat, kept))
        s.write_verdicts(record.id, fresh)  # a reopened batch shows them without asking the judge again
        if shown:
            s.update_batch_config(record.id, {**record.config, "judge_code": shown[0]})
    except StoreError as exc:
        notice("error", str(exc))
        return
    finally:
        client.close()
    ss[GRADED] = (record.id, graded, shown[0] if shown else record.config.get("judge_code"))


def graded_of(record: BatchRecord) -> tuple[list[Any], str | None] | None:
    """This session's grades, or (in a new session) the grades with the judge's stored verdicts."""
    from lib.batch import assertions as a
    from lib.batch import export

    held = st.session_state.get(GRADED)
    if held is not None and held[0] == record.id:
        return held[1], held[2]
    s = store()
    specs = assertions_of(record)
    if s is None or not specs:
        return None
    try:
        if not s.has_verdicts(record.id):
            return None
        graded = a.grade_results(export.with_inputs(s, record), specs)  # no judge_fn: nothing is asked
    except StoreError:
        return None
    st.session_state[GRADED] = (record.id, graded, record.config.get("judge_code"))
    return graded, record.config.get("judge_code")
