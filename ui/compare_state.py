"""Compare's session state: the panes (each a setup and its own conversation), the round streaming
now, the rounds' measures, blind mode; starting a round (requests, keys, store) and the store's
votes. Drawing is in ui/compare_view.py."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from lib import compare
from lib.catalog import pricing_of
from lib.compare import CompareRun, PaneJob, PaneSetup, RoundRow
from lib.conversation import ChatMessage, variable_names
from lib.errors import InvalidBaseURL
from lib.local_model import MODEL_ID
from lib.params import specs_for
from lib.providers import Provider, ResolvedKey, resolve_key, with_base_url
from lib.request import ChatRequest, to_http
from lib.share import Setup
from lib.store import RunWriter, Store, StoreError, StoreUnavailable, open_store
from lib.store import compare as store_compare
from lib.store.database import database_url
from ui import form, keys
from ui.auth import owner
from ui.state import client, meter_for, new_message, providers, secrets

PANES = "compare_panes"  # list[Pane]
RUN = "compare_run"  # the round streaming now (Round), or None
ROUNDS = "compare_rounds"  # list[RoundRow]: every finished round's measures, by pane index
BLIND = "compare_blind"  # the "Blind mode" toggle
ORDER = "compare_order"  # blind mode: position i shows pane ORDER[i]
REVEALED = "compare_revealed"  # blind mode: the last round was voted on, names shown
LAST = "compare_last"  # the last round (Round), finished: for the vote, the diff and What differs
SYSTEM = "compare_system"
NOTICE = "compare_notice"
STORE_PROBLEM = "compare_store_problem"
PANE_SEQ = "compare_pane_seq"
INITIALISED = "compare_initialised"
LINKED = "compare_linked"  # the deep link (provider, base_url, models) the panes were last set from
DRAWER = "compare_drawer"  # the token of the newest run of this page, the only one that may stream
PAGE = "compare"


@dataclass
class Pane:
    id: int  # stable, for widget keys
    setup: PaneSetup
    messages: list[ChatMessage] = field(default_factory=list)
    conversation_id: str | None = None  # its conversation in History
    # A Setup field's problem, kept until a draw of the form has none: while it stands the pane is not
    # sent (as the Playground sends nothing while a field is invalid), rather than sent as it was before.
    form_problem: str | None = None


@dataclass
class Round:
    number: int
    group: str | None  # the Compare group in the store
    requests: dict[int, ChatRequest]  # pane index -> what was sent
    answers: dict[int, ChatMessage]
    names: dict[int, str]  # pane index -> name (model and provider) when it was sent
    run: CompareRun | None = None
    store_problems: list[str] = field(default_factory=list)  # from the workers' writes
    recorded: bool = False
    voted: bool = False


def _new_pane(setup: PaneSetup) -> Pane:
    ss = st.session_state
    ss[PANE_SEQ] = ss.get(PANE_SEQ, 0) + 1
    return Pane(ss[PANE_SEQ], setup)


def panes() -> list[Pane]:
    found: list[Pane] = st.session_state[PANES]
    return found


def provider_of(setup: PaneSetup) -> Provider | InvalidBaseURL:
    """The pane's provider pointed at its base URL, or why the base URL is not one."""
    configured = providers().get(setup.provider_id) or providers()["local"]
    if configured.local:
        return configured
    try:
        return with_base_url(configured, setup.base_url)
    except InvalidBaseURL as exc:
        return exc


def name_of(setup: PaneSetup) -> str:
    configured = providers().get(setup.provider_id) or providers()["local"]
    return compare.pane_name(setup, configured.label)


def key_of(setup: PaneSetup) -> ResolvedKey:
    """The key by the sidebar's rules: a key typed for that provider in the sidebar, else a stored one,
    which goes only to the provider's configured base URL (never to one from a link)."""
    configured = providers().get(setup.provider_id) or providers()["local"]
    typed = st.session_state.get(keys.api_key(configured.id)) or None
    return resolve_key(configured, setup.base_url or configured.base_url, typed, secrets=secrets())


def _from_connection() -> PaneSetup:
    """A pane as the Playground is set up: its connection and its form's parameters."""
    conn = st.session_state.get(keys.CONNECTION)
    if conn is None:
        local = providers()["local"]
        return PaneSetup("local", local.base_url, MODEL_ID, {"stream": True})
    params, _ = form.values(specs_for(conn.model_info, local=conn.provider.local))
    return PaneSetup(conn.provider.id, conn.provider.base_url, conn.model, {**params, "stream": True})


def init() -> None:
    """The page's state once per session: panes from the deep link (`?provider=&base_url=&models=`)
    or two copies of the Playground's setup."""
    ss = st.session_state
    link = tuple(st.query_params.get(name, "") for name in ("provider", "base_url", "models"))
    # A new link (the Models page's "Compare their answers", say) sets the panes again, unless a
    # round is streaming; otherwise the page keeps its panes for the session.
    if ss.get(INITIALISED) and (not link[2] or ss.get(LINKED) == link or running() is not None):
        return
    ss[LINKED] = link
    ss[INITIALISED] = True
    ss[ROUNDS], ss[RUN], ss[LAST], ss[REVEALED] = [], None, None, False  # a new comparison
    base = _from_connection()
    models = [m.strip() for m in st.query_params.get("models", "").split(",") if m.strip()]
    if models:
        pid = st.query_params.get("provider", base.provider_id)
        pid = pid if pid in providers() else "local"
        url = st.query_params.get("base_url") or providers()[pid].base_url
        if len(models) > compare.MAX_PANES:
            ss[NOTICE] = f"The link names {len(models)} models; Compare shows the first {compare.MAX_PANES}."
        models = models[: compare.MAX_PANES]
        params = {"stream": True}
        setups = [PaneSetup(pid, url, m, dict(params)) for m in models]
        while len(setups) < compare.MIN_PANES:
            setups.append(PaneSetup(pid, url, setups[-1].model, dict(params)))
    else:
        setups = [base, PaneSetup(base.provider_id, base.base_url, base.model, dict(base.params))]
    ss[PANES] = [_new_pane(s) for s in setups]
    ss[ORDER] = list(range(len(setups)))


def _refused_while_running() -> bool:
    """The page's controls are greyed while a round streams, but a round starts in the input's
    fragment (ui/compare_view.py round_input) before the page is drawn again: a click on them in
    that moment is refused, in one sentence."""
    if running() is None:
        return False
    st.session_state[NOTICE] = "A round is streaming: wait for it, or press Stop all, then change the panes."
    return True


def stop_pane(index: int) -> None:
    current = running()
    if current is not None and current.run is not None:
        current.run.cancel(index)


def stop_all() -> None:
    current = running()
    if current is not None and current.run is not None:
        current.run.cancel_all()


def add_pane() -> None:
    if _refused_while_running():
        return
    found = panes()
    if len(found) < compare.MAX_PANES:
        last = found[-1].setup
        found.append(_new_pane(PaneSetup(last.provider_id, last.base_url, last.model, dict(last.params))))
        reshuffle()


def remove_pane(pane_id: int) -> None:
    if _refused_while_running():
        return
    found = panes()
    if len(found) > compare.MIN_PANES:
        found[:] = [p for p in found if p.id != pane_id]
        st.session_state[LAST] = None
        reshuffle()


def blind() -> bool:
    return bool(st.session_state.get(BLIND))


def hidden() -> bool:
    """Names are hidden: blind mode, and the last round not voted on yet."""
    return blind() and not st.session_state.get(REVEALED)


def reshuffle() -> None:
    """A new blind order (position i shows pane ORDER[i]); the panes' own order outside blind mode."""
    n = len(panes())
    st.session_state[ORDER] = compare.blind_order(n, random.SystemRandom()) if blind() else list(range(n))


def on_blind_toggle() -> None:
    if _refused_while_running():
        st.session_state[BLIND] = not st.session_state[BLIND]  # as it was
        return
    st.session_state[REVEALED] = False
    reshuffle()


def order() -> list[int]:
    got: list[int] = st.session_state.get(ORDER) or []
    if sorted(got) != list(range(len(panes()))):
        reshuffle()
        got = st.session_state[ORDER]
    return got


def label(index: int) -> str:
    """How pane `index` is named on the page now: its model and provider, or Model A, B, ... by
    its position while names are hidden."""
    if hidden():
        return compare.blind_label(order().index(index))
    return name_of(panes()[index].setup)


def variable_values() -> dict[str, str]:
    system = st.session_state.get(SYSTEM, "")
    names = variable_names(system, [m for p in panes() for m in p.messages])
    return {n: st.session_state.get(keys.variable(n), "") for n in names}


def request_of(pane: Pane) -> ChatRequest | None:
    """What the pane sends for its conversation now (None when its base URL is not one)."""
    provider = provider_of(pane.setup)
    if isinstance(provider, InvalidBaseURL):
        return None
    system = st.session_state.get(SYSTEM, "")
    return compare.request_for(provider, pane.setup.model, pane.messages, system, variable_values(), pane.setup.params)


# -- the store ------------------------------------------------------------------------------------


@st.cache_resource(show_spinner=False)
def _open(url: str) -> Store | StoreUnavailable:
    """One store per process and database; one that cannot be opened is remembered too."""
    try:
        return open_store(url)
    except StoreUnavailable as exc:
        return exc


def store() -> Store | None:
    if st.session_state.get(STORE_PROBLEM):
        return None
    opened = _open(database_url())
    return opened if isinstance(opened, Store) else None


def store_problem() -> str | None:
    if st.session_state.get(STORE_PROBLEM):
        return str(st.session_state[STORE_PROBLEM])
    opened = _open(database_url())
    return str(opened) if isinstance(opened, StoreUnavailable) else None


def _setup(pane: Pane, system: str, values: dict[str, str]) -> Setup:
    provider = provider_of(pane.setup)
    local = isinstance(provider, Provider) and provider.local
    return Setup(pane.setup.provider_id, pane.setup.model, None if local else pane.setup.base_url,
                 dict(pane.setup.params), system, dict(values))  # fmt: skip


def _writer_callback(s: Store, pane: Pane, index: int, request: ChatRequest, group: str, question: str,
                     system: str, values: dict[str, str], problems: list[str]) -> Any:  # fmt: skip
    """The store's writer for one pane's run, as the callback the pane's worker calls. The pane's
    conversation, question and run are written by the worker at its first event, while the answer
    is on its way (written here, in the page's run, they held every pane's request back); a store
    error then goes into `problems` for the page to say."""
    setup, who, wire = _setup(pane, system, values), owner(), to_http(request)
    writer: RunWriter | None = None
    failed = False
    lock = threading.Lock()  # the worker writes, and so does Stop (from the page's run)

    def on_event(msg: ChatMessage, done: bool) -> None:
        with lock:
            write(msg, done)

    def write(msg: ChatMessage, done: bool) -> None:
        nonlocal writer, failed
        if failed:
            return
        try:
            if writer is None:
                if pane.conversation_id is None:
                    pane.conversation_id = store_compare.start_pane_conversation(s, who, setup).id
                writer = store_compare.start_pane_run(s, who, pane.conversation_id, question, wire, setup, group,
                                                      index)  # fmt: skip
            if done:
                writer.finish_message(msg)
            else:
                writer.update(msg.content, msg.reasoning, msg.refusal)
        except StoreError as exc:
            failed = True
            problems.append(str(exc))

    return on_event


# -- a round --------------------------------------------------------------------------------------


def running() -> Round | None:
    current: Round | None = st.session_state.get(RUN)
    return current if current is not None and current.run is not None else None


def start_round(question: str, local_problem: str | None) -> Round:
    """Send `question` to every pane at once: each pane's own conversation, the shared system prompt
    and variables; a pane that cannot be sent says why in its place."""
    ss = st.session_state
    system, values = ss.get(SYSTEM, ""), variable_values()
    number = len({r.round for r in ss[ROUNDS]}) + 1
    s = store()
    group = store_compare.new_group() if s is not None else None
    jobs: list[PaneJob] = []
    current = Round(number, group, {}, {}, {})
    for index, pane in enumerate(panes()):
        pane.messages.append(new_message("user", question))
        answer = new_message("assistant")
        pane.messages.append(answer)
        current.answers[index] = answer
        current.names[index] = name_of(pane.setup)
        provider = provider_of(pane.setup)
        problem = str(provider) if isinstance(provider, InvalidBaseURL) else None
        key = key_of(pane.setup)
        if pane.form_problem is not None:
            problem = f"{pane.form_problem} Fix it in this pane's Setup, then send again."
        elif problem is None and isinstance(provider, Provider):
            if provider.local:
                problem = local_problem
            elif key.value is None and provider.key_required and key.note:
                problem = key.note
        if problem is not None or not isinstance(provider, Provider):
            answer.error, answer.status = f"Not sent: {problem}", "error"
            continue
        history = pane.messages[:-1]
        request = compare.request_for(provider, pane.setup.model, history, system, values, pane.setup.params)
        current.requests[index] = request
        model_info = listed(provider, pane.setup.model)
        on_event = None
        if s is not None and group is not None:
            on_event = _writer_callback(s, pane, index, request, group, question, system, values,
                                        current.store_problems)  # fmt: skip
        pricing = pricing_of(provider, model_info)
        jobs.append(PaneJob(index, request, key.value, pricing, answer, on_event, meter_for(key)))
    current.run = CompareRun(jobs, client()).start()
    if blind():  # a new round to judge: names hidden again, in a new order
        ss[REVEALED] = False
        reshuffle()
    ss[RUN] = current
    return current


def listed(provider: Provider, model: str) -> dict[str, Any] | None:
    """The model's object from the sidebar's listing of this provider, when it was listed."""
    listing = st.session_state.get(keys.MODELS_CACHE, {}).get((provider.id, provider.base_url))
    if isinstance(listing, list):
        return next((m for m in listing if m.get("id") == model), None)
    return None


def claim() -> object:
    """At the start of a run: this run draws the round from now on. A click starts the next run at
    once in a new thread (runner.fastReruns) while the old one may be waiting for a quiet pane's
    next token; the old one sees it is no longer the drawer (`drawing`) and ends."""
    token = object()
    st.session_state[DRAWER] = token
    return token


def drawing(token: object) -> bool:
    return st.session_state.get(DRAWER) is token


def settle() -> None:
    """At the start of a run: a round whose panes all ended becomes the last round, its measures
    kept for the summary."""
    ss = st.session_state
    current: Round | None = ss.get(RUN)
    if current is None or current.run is None or not current.run.finished.is_set():
        return
    if current.store_problems:
        ss[STORE_PROBLEM] = current.store_problems[0]
    if not current.recorded:
        for index in sorted(current.answers):
            ss[ROUNDS].append(compare.round_row(current.number, str(index), current.answers[index]))
        current.recorded = True
    current.run = None
    ss[RUN] = None
    ss[LAST] = current


def vote(outcome: int | str) -> None:
    """A vote on the last round: stored (with each pane's name), then the names are revealed."""
    ss = st.session_state
    last: Round | None = ss.get(LAST)
    if last is None or last.voted or running() is not None:
        return
    names = [last.names[i] for i in sorted(last.names)]
    best = order()[outcome] if isinstance(outcome, int) else outcome  # a position -> its pane
    s = store()
    if s is not None and last.group is not None:
        try:
            store_compare.record_vote(s, owner(), last.group, best, names)
        except StoreError as exc:
            ss[STORE_PROBLEM] = str(exc)
    else:
        ss.setdefault("compare_session_votes", []).append((best, names))
    last.voted = True
    ss[REVEALED] = True


def stored_votes() -> list[tuple[int | str, list[str]]]:
    s = store()
    if s is None:
        return list(st.session_state.get("compare_session_votes", []))
    try:
        return [(v.outcome, v.panes) for v in store_compare.votes(s, owner())]
    except StoreError as exc:
        st.session_state[STORE_PROBLEM] = str(exc)
        return []


def summary_rows() -> list[RoundRow]:
    """The rounds' measures with each pane named as it is shown now."""
    rows: list[RoundRow] = st.session_state.get(ROUNDS, [])
    n = len(panes())
    return [RoundRow(r.round, label(int(r.pane)) if int(r.pane) < n else f"Removed pane {r.pane}", r.ttft,
                     r.latency, r.tokens_per_s, r.tokens, r.cost) for r in rows]  # fmt: skip
