"""Compare: several panes answering one conversation at once. Each pane is a setup (provider, base
URL, model, parameters) and its own conversation; one ChatRequest per pane makes its body and its
snippets. `CompareRun` streams every pane at once through the one client and tells the page which
pane changed; the rest here (what differs, word diff, blind labels, summary) is plain data."""

from __future__ import annotations

import difflib
import queue
import random
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from lib import conversation
from lib.budget import Meter
from lib.client import ChatClient, ChatStream
from lib.conversation import ChatMessage
from lib.events import Done, Pricing, ReasoningDelta, RefusalDelta, TextDelta
from lib.providers import Provider
from lib.request import ChatRequest, chat_body

MIN_PANES = 2
MAX_PANES = 4
QUEUED_NOTE = "Queued: the local model answers one request at a time"
LETTERS = "ABCD"


@dataclass
class PaneSetup:
    """What one pane asks: provider (id), base URL, model and the parameters that are set."""

    provider_id: str
    base_url: str
    model: str
    params: dict[str, Any] = field(default_factory=dict)


def request_for(
    provider: Provider, model: str, history: Sequence[ChatMessage], system: str, values: Mapping[str, str],
    params: Mapping[str, Any],
) -> ChatRequest:  # fmt: skip
    """A pane's request: the shared system prompt and variables, its own conversation, its own
    model and parameters."""
    sent = conversation.request_messages(history, system, values)
    return ChatRequest(provider, model, sent, dict(params))


def what_differs(bodies: Sequence[Mapping[str, Any]]) -> list[str]:
    """The top-level fields whose values are not the same in every body (a field sent by some
    bodies and not others differs), in the order they first appear."""
    names: list[str] = []
    for body in bodies:
        names.extend(k for k in body if k not in names)
    missing = object()
    return [n for n in names if any(b.get(n, missing) != bodies[0].get(n, missing) for b in bodies[1:])]


def differs_line(requests: Sequence[ChatRequest]) -> str:
    """ "What differs: model, temperature", or that the bodies are the same."""
    fields = what_differs([chat_body(r) for r in requests])
    if not fields:
        return "What differs: nothing; every pane sends the same body."
    return "What differs: " + ", ".join(fields)


DiffOp = Literal["equal", "insert", "delete"]
_WORDS = re.compile(r"\s+|\S+")


def word_diff(a: str, b: str) -> list[tuple[DiffOp, str]]:
    """A word-level diff from `a` to `b` (difflib): runs of equal, inserted and deleted text, the
    whitespace kept, so joining the equal and inserted runs gives `b` and equal and deleted give `a`."""
    wa, wb = _WORDS.findall(a), _WORDS.findall(b)
    out: list[tuple[DiffOp, str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, wa, wb, autojunk=False).get_opcodes():
        if tag == "equal":
            out.append(("equal", "".join(wa[i1:i2])))
            continue
        if i2 > i1:
            out.append(("delete", "".join(wa[i1:i2])))
        if j2 > j1:
            out.append(("insert", "".join(wb[j1:j2])))
    return out


def blind_order(n: int, rng: random.Random | None = None) -> list[int]:
    """The panes in a shuffled order: position i (labelled Model A, B, ...) shows pane order[i]."""
    order = list(range(n))
    (rng or random.SystemRandom()).shuffle(order)
    return order


def blind_label(position: int) -> str:
    return f"Model {LETTERS[position]}"


def pane_name(setup: PaneSetup, provider_label: str) -> str:
    """How a pane is named once revealed, and on the leaderboard: model and provider."""
    return f"{setup.model} ({provider_label})"


# -- running every pane at once -------------------------------------------------------------------


@dataclass
class PaneJob:
    pane: int
    request: ChatRequest
    key: str | None
    pricing: Pricing | None
    answer: ChatMessage  # filled as events arrive, by the pane's worker
    # Called from the worker after each delta (False) and once at the end (True): the store's writer.
    on_event: Callable[[ChatMessage, bool], None] | None = None
    meter: Meter | None = None  # a shared app's own key's budget (lib/budget.py)


@dataclass
class PaneLive:
    """A pane's state while a round runs; read by the page, written by the pane's worker."""

    queued: bool = False
    done: bool = False
    first_at: float | None = None  # monotonic time of its first text or reasoning
    last_at: float | None = None  # monotonic time of its latest text or reasoning


class CompareRun:
    """One round: every pane's request streaming at once, each in its own worker thread, through one
    ChatClient (its connection pool is shared). Requests to the local model run one after another in
    a single worker (that server answers one request at a time); the others wait marked `queued`.

    Workers keep each delta in the pane's ChatMessage at once and put the pane's number on a queue,
    so the page (whichever script run is current) drains the queue and redraws only the panes that
    changed; a slow, failing or stalled pane never holds another. `cancel(pane)` and `cancel_all()`
    work from any thread."""

    def __init__(self, jobs: Sequence[PaneJob], client: ChatClient | None = None) -> None:
        self.jobs = {job.pane: job for job in jobs}
        self.client = client or ChatClient()
        self._own_client = client is None  # closed when the round ends; a session's client is not
        self.changes: queue.Queue[int] = queue.Queue()
        self.live = {job.pane: PaneLive() for job in jobs}
        self.streams: dict[int, ChatStream] = {
            job.pane: self.client.stream(job.request, job.key, job.pricing, job.meter) for job in jobs
        }
        self._threads: list[threading.Thread] = []
        self._left = len(jobs)
        self._workers = 0
        self._lock = threading.Lock()
        self.finished = threading.Event()
        if not jobs:
            self.finished.set()

    def start(self) -> CompareRun:
        serial = [p for p, j in self.jobs.items() if j.request.provider.local]
        for pane in serial[1:]:
            self.live[pane].queued = True
        groups = [[p] for p in self.jobs if p not in serial] + ([serial] if serial else [])
        self._workers = len(groups)
        for group in groups:
            thread = threading.Thread(target=self._work, args=(group,), daemon=True, name=f"compare-{group}")
            self._threads.append(thread)
            thread.start()
        return self

    def _work(self, panes: list[int]) -> None:
        try:
            for pane in panes:
                try:
                    self._stream(pane)
                finally:
                    self._end(pane)
        finally:
            with self._lock:
                self._workers -= 1
                last = self._workers == 0
            if last and self._own_client:  # every worker is out of the client: its connections can go
                self.client.close()

    def _end(self, pane: int) -> None:
        """A pane is over (its stream ended, or Stop was pressed): counted once."""
        with self._lock:
            if self.live[pane].done:
                return
            self.live[pane].done = True
            self._left -= 1
            last = self._left == 0
        self.changes.put(pane)
        if last:
            self.finished.set()

    def _stream(self, pane: int) -> None:
        job, live, stream = self.jobs[pane], self.live[pane], self.streams[pane]
        msg = job.answer
        live.queued = False
        if stream.cancelled:  # stopped while queued: never sent
            return
        msg.start(job.request.params.get("max_tokens"))
        self.changes.put(pane)
        for event in stream:
            if live.done:  # stopped: the answer was settled by cancel(); what still arrives is dropped
                return
            if isinstance(event, TextDelta | ReasoningDelta):
                live.last_at = time.monotonic()
                if live.first_at is None:
                    live.first_at = live.last_at
            if isinstance(event, TextDelta):
                msg.content += event.text
            elif isinstance(event, ReasoningDelta):
                msg.reasoning += event.text
            elif isinstance(event, RefusalDelta):
                msg.refusal += event.text
            elif isinstance(event, Done):
                with self._lock:
                    if live.done:
                        return
                    msg.record(event.result)
                if job.on_event is not None:
                    job.on_event(msg, True)
                return
            else:
                continue
            self.changes.put(pane)  # the page first: the store's write must not hold the text back
            if job.on_event is not None:
                job.on_event(msg, False)

    def cancel(self, pane: int) -> None:
        """Stop one pane now, its answer kept as it is (a queued one never starts); the others go
        on. The pane ends at once even when its server sends nothing more (a blocked read of the
        blocking client is not woken by closing the response: its worker ends when data comes)."""
        if pane not in self.streams:
            return
        self.streams[pane].cancel()
        job = self.jobs[pane]
        with self._lock:
            if self.live[pane].done:
                return
            msg = job.answer
            msg.status = "stopped"
            if msg.metrics is None:
                msg.metrics = replace(self.streams[pane].result.metrics)
        if job.on_event is not None:
            job.on_event(msg, True)
        self._end(pane)

    def cancel_all(self) -> None:
        for pane in self.streams:
            self.cancel(pane)

    def running(self, pane: int) -> bool:
        return pane in self.live and not self.live[pane].done

    def changed(self, timeout: float) -> set[int]:
        """The panes that changed since the last call, waiting up to `timeout` seconds for the first."""
        out: set[int] = set()
        try:
            out.add(self.changes.get(timeout=timeout))
        except queue.Empty:
            return out
        while True:
            try:
                out.add(self.changes.get_nowait())
            except queue.Empty:
                return out

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for every pane to end; whether they did."""
        return self.finished.wait(timeout)


# -- the summary of a comparison ---------------------------------------------------------------------


@dataclass(frozen=True)
class RoundRow:
    round: int
    pane: str  # the pane's name as shown (a blind label until the vote)
    ttft: float | None
    latency: float | None
    tokens_per_s: float | None
    tokens: int | None
    cost: float | None


def round_row(number: int, name: str, answer: ChatMessage) -> RoundRow:
    m, u = answer.metrics, answer.usage
    return RoundRow(
        number, name, m.ttft if m else None, m.latency if m else None, m.tokens_per_s if m else None,
        u.completion_tokens if u else None, m.cost if m else None,
    )  # fmt: skip


def averages(rows: Sequence[RoundRow]) -> list[dict[str, Any]]:
    """Each pane's mean of every measure over the rounds that have it, in the panes' first order."""
    names = list(dict.fromkeys(r.pane for r in rows))
    out = []
    for name in names:
        mine = [r for r in rows if r.pane == name]
        entry: dict[str, Any] = {"pane": name, "rounds": len(mine)}
        for measure in ("ttft", "latency", "tokens_per_s", "tokens", "cost"):
            values = [getattr(r, measure) for r in mine if getattr(r, measure) is not None]
            entry[measure] = sum(values) / len(values) if values else None
        out.append(entry)
    return out
