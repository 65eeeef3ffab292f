"""Runs: one request and its answer, saved while the answer streams, so that killing the app loses at
most the last second; a run left 'running' by a process that is gone is marked interrupted."""

from __future__ import annotations

import os
import secrets
import socket
import threading
import time
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, Literal

import sqlalchemy as sa

from lib.conversation import ChatMessage
from lib.events import ChatResult
from lib.request import HttpRequest
from lib.share import Setup
from lib.store.base import now, text
from lib.store.conversations import missing
from lib.store.errors import StoreUnavailable
from lib.store.messages import LATEST, Messages
from lib.store.records import StoredMessage, utc
from lib.store.redact import request_json, setup_json
from lib.store.tables import conversations, messages

WRITE_INTERVAL = 1.0  # seconds: the most a killed process can lose of an answer
STALE_AFTER = timedelta(minutes=10)  # a run not written for this long is over, whoever ran it
INTERRUPTED = "The app stopped before this answer finished; the text so far was kept."
EndStatus = Literal["stopped", "interrupted", "error", "complete", "incomplete"]

# Who streams a run: this machine, this process, and this start of it (a restarted container's app
# often gets the same pid as the one that died).
_HOST = socket.gethostname()[:100]
_START = secrets.token_hex(4)


def runner() -> str:
    return f"{_HOST}/{os.getpid()}/{_START}"


def _orphaned(tag: str | None) -> bool:
    """True when the run's process is known to be gone: it ran on this machine and its pid is not
    running, or is this very process started anew. Another machine's runs only go stale."""
    try:
        host, pid_text, start = (tag or "").rsplit("/", 2)
        pid = int(pid_text)
    except ValueError:
        return True
    if host != _HOST:
        return False
    if pid == os.getpid():
        return start != _START
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # someone else's live process
        return False
    return False


def tool_calls_json(result: ChatResult) -> list[dict[str, Any]] | None:
    """The answer's tool calls in the chat-completions message shape."""
    calls = [{"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
             for c in result.tool_calls]  # fmt: skip
    return calls or None


def answer_values(message: ChatMessage) -> dict[str, Any]:
    """The columns a finished answer sets, from the Playground's message."""
    metrics, usage = message.metrics, message.usage
    status = "interrupted" if message.status == "running" else (message.status or "complete")
    return {
        "content": text(message.content),
        "reasoning": text(message.reasoning),
        "refusal": text(message.refusal),
        "other_parts": list(message.other_parts) or None,
        "tool_calls": message.tool_calls or None,  # with the ids a tool message answers (lib/tools.py)
        "logprobs": message.logprobs or None,
        "status": status,
        "finish_reason": message.finish_reason,
        "error": text(message.error) if message.error else None,
        "error_action": message.error_action,
        "ttft": metrics.ttft if metrics else None,
        "latency": metrics.latency if metrics else None,
        "tokens_per_s": metrics.tokens_per_s if metrics else None,
        "cost": metrics.cost if metrics else None,
        "prompt_tokens": usage.prompt_tokens if usage else None,
        "completion_tokens": usage.completion_tokens if usage else None,
        "total_tokens": usage.total_tokens if usage else None,
        "usage_source": usage.source if usage else None,
    }


class RunWriter:
    """Saves one run's answer as it streams. The streaming loop calls `update` with the text so far
    (as often as it likes, never waiting); a timer thread writes the text at once, then at most once
    per `interval` whatever arrived meanwhile, so a killed process loses at most `interval` seconds.
    `finish` writes the whole result. Used as a context manager, a run left unfinished by an exception
    (a rerun, a closed tab) is saved as interrupted with its text so far.

    A store that fails mid-run does not stop the stream: `error` holds the sentence, writes stop."""

    def __init__(self, store: Runs, owner: str, run_id: str, conversation_id: str, interval: float):
        self.store, self.owner, self.id, self.conversation_id = store, owner, run_id, conversation_id
        self.interval = interval
        self.writes = 0  # partial writes so far (the final one not counted)
        self.error: StoreUnavailable | None = None
        self.closed = False
        self._lock = threading.Lock()  # the fields below; held only for moments
        self._write_lock = threading.Lock()  # one write at a time, the end last
        self._pending: tuple[str, str, str] | None = None
        self._latest: tuple[str, str, str] = ("", "", "")
        self._last = -float("inf")
        self._timer: threading.Timer | None = None

    def update(self, text: str, reasoning: str = "", refusal: str = "") -> None:
        """The answer so far (the whole text, not a delta). Never waits for the database: the
        writer's timer thread writes (the first text at once), so a slow write (a long answer, a
        busy disk) cannot hold the stream, and so the page, back."""
        with self._lock:
            if self.closed:
                return
            self._pending = self._latest = (text, reasoning, refusal)
            if self._timer is None:
                wait = max(0.0, self._last + self.interval - time.monotonic())
                self._timer = threading.Timer(wait, self._on_timer)
                self._timer.daemon = True
                self._timer.start()

    def _on_timer(self) -> None:
        with self._write_lock:  # the end waits for this write, so a partial one never lands after it
            with self._lock:
                self._timer = None
                pending, self._pending = self._pending, None
                if self.closed or pending is None or self.error is not None:
                    return
                self._last = time.monotonic()
            text, reasoning, refusal = pending
            try:
                self.store._save_partial(self.owner, self.id, text, reasoning, refusal)
                self.writes += 1
            except StoreUnavailable as exc:
                self.error = exc

    def _close(self) -> bool:
        """Stop the timer; False when the run was already closed."""
        with self._lock:
            if self.closed:
                return False
            self.closed = True
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            return True

    def _end(self, values: dict[str, Any]) -> StoredMessage | None:
        with self._write_lock:
            try:
                return self.store._end_run(self.owner, self.id, values)
            except StoreUnavailable as exc:
                self.error = exc
                return None

    def finish_message(self, message: ChatMessage, result: ChatResult | None = None) -> StoredMessage | None:
        """Write the finished answer as the Playground holds it (and the result's tool calls)."""
        if not self._close():
            return None
        values = answer_values(message)
        if result is not None and not values["tool_calls"]:
            values["tool_calls"] = tool_calls_json(result)
        return self._end(values)

    def finish(self, result: ChatResult) -> StoredMessage | None:
        """Write the engine's final result: text, reasoning, tool calls, status, error, metrics, usage."""
        message = ChatMessage(id=0, role="assistant")
        message.record(result)
        return self.finish_message(message, result)

    def stop(self, status: EndStatus = "interrupted", error: str | None = None) -> StoredMessage | None:
        """End the run with the text it has so far (Stop, a rerun, an exception)."""
        if not self._close():
            return None
        content, reasoning, refusal = self._latest
        values = {"content": text(content), "reasoning": text(reasoning), "refusal": text(refusal), "status": status,
                  "error": text(error) if error else None}  # fmt: skip
        return self._end(values)

    def __enter__(self) -> RunWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if not self.closed:
            self.stop("interrupted", INTERRUPTED if kind is not None else None)


# Written once per second per streaming answer: built once, so SQLAlchemy compiles them once.
_PARTIAL = messages.update().where(
    messages.c.id == sa.bindparam("run_id"), messages.c.owner == sa.bindparam("run_owner")
)
_END = _PARTIAL.returning(*messages.c)  # the finished run comes back in the same round trip


class Runs(Messages):
    def start_run(
        self,
        owner: str,
        conversation_id: str,
        wire: HttpRequest,
        *,
        provider: str,
        parent_id: str | None = LATEST,
        setup: Setup | None = None,
        page: str | None = None,
        compare_group: str | None = None,
        compare_pane: int | None = None,
        batch_id: str | None = None,
        batch_row: int | None = None,
        interval: float = WRITE_INTERVAL,
    ) -> RunWriter:
        """Record a request about to be sent (as sent, without the key) and an empty answer marked
        running; the RunWriter saves the answer as it streams. `setup`, when given, becomes the
        conversation's (so reopening it restores the form)."""
        body = wire.body or {}
        model = str(body.get("model") or (setup.model if setup else ""))
        limit = body.get("max_completion_tokens", body.get("max_tokens"))
        values = {
            "role": "assistant", "content": "", "status": "running", "provider": provider, "model": model,
            "request": request_json(wire), "max_tokens": limit if isinstance(limit, int) else None,
            "compare_group": compare_group, "compare_pane": compare_pane, "batch_id": batch_id,
            "batch_row": batch_row, "runner": runner(),
        }  # fmt: skip
        if page is not None:
            values["page"] = page
        with self._write() as conn:
            conversation = self._conversation(conn, owner, conversation_id)
            changes: dict[str, Any] = {"status": "running", "provider": provider, "model": model}
            if setup is not None:
                changes["setup"] = setup_json(setup)
            run_id = self._insert_message(conn, owner, conversation, values, parent_id, changes)
        return RunWriter(self, owner, run_id, conversation_id, interval)

    def _save_partial(self, owner: str, run_id: str, content: str, reasoning: str, refusal: str) -> None:
        with self._write() as conn:
            conn.execute(
                _PARTIAL,
                {"run_id": run_id, "run_owner": owner, "content": text(content), "reasoning": text(reasoning),
                 "refusal": text(refusal), "updated_at": now()},
            )  # fmt: skip

    def _end_run(self, owner: str, run_id: str, values: dict[str, Any]) -> StoredMessage:
        when = now()
        with self._write() as conn:
            row = conn.execute(
                _END, {**values, "run_id": run_id, "run_owner": owner, "runner": None, "updated_at": when,
                       "finished_at": when},
            ).first()  # fmt: skip
            if row is None:
                raise missing("run", run_id)
            cost = values.get("cost") or 0.0
            conn.execute(
                conversations.update()
                .where(conversations.c.id == row.conversation_id)
                .values(status=values["status"], updated_at=when, cost=conversations.c.cost + cost)
            )
        return StoredMessage.from_row(row)

    def end_run(self, owner: str, run_id: str, status: EndStatus, error: str | None = None) -> StoredMessage:
        """Set a run's final status when its RunWriter is gone (a rerun cut it): the text stays."""
        return self._end_run(owner, run_id, {"status": status, "error": text(error) if error else None})

    def interrupt_orphaned_runs(self, *, stale_after: timedelta = STALE_AFTER) -> int:
        """Mark interrupted every run still 'running' whose process is gone (or that nothing wrote for
        `stale_after`), keeping its text; how many. Run at start-up, for every owner: several app
        processes may share one PostgreSQL, so another live process's runs are left alone."""
        cutoff = now() - stale_after
        with self._read() as conn:
            rows = conn.execute(
                sa.select(messages.c.id, messages.c.conversation_id, messages.c.runner, messages.c.updated_at)
                .where(messages.c.status == "running")
            ).all()  # fmt: skip
        gone = [r for r in rows if _orphaned(r.runner) or _older(r.updated_at, cutoff)]
        if not gone:
            return 0
        when = now()
        with self._write() as conn:
            done = conn.execute(
                messages.update()
                .where(messages.c.id.in_([r.id for r in gone]), messages.c.status == "running")
                .values(status="interrupted", error=INTERRUPTED, runner=None, finished_at=when)
            )
            conn.execute(
                conversations.update()
                .where(conversations.c.id.in_({r.conversation_id for r in gone}), conversations.c.status == "running")
                .values(status="interrupted")
            )
        return int(done.rowcount)


def _older(value: datetime | None, cutoff: datetime) -> bool:
    stamp = utc(value)
    return stamp is not None and stamp < cutoff
