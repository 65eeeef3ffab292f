"""Work for the store's writer processes, in a module that imports only the store (a spawned process
imports what the function's module imports: the test module would bring pytest and the stand-in)."""

from __future__ import annotations

from lib.events import ChatResult, Metrics
from lib.providers import builtin_providers
from lib.request import ChatRequest, Message, to_http
from lib.store import open_store

OWNER = "team@example.com"


def write_runs(url: str, conversation_id: str, writer: int, runs: int) -> int:
    """One writer process: `runs` runs into the shared conversation, each started, given its partial
    answer and finished, as the Playground does; how many it wrote."""
    store = open_store(url, interrupt=False)
    wire = to_http(ChatRequest(builtin_providers()["oxen"], "gpt-x", [Message("user", "go")]))
    try:
        for n in range(runs):
            run = store.start_run(OWNER, conversation_id, wire, provider="oxen")
            run.update(f"writer {writer} run {n}, so far")
            run.finish(ChatResult(text=f"writer {writer} run {n}", status="complete", metrics=Metrics(cost=0.001)))
            if run.error is not None:
                raise run.error
        return runs
    finally:
        store.close()
