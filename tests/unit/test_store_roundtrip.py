"""Export then import gives the same conversations (a property, on SQLite and PostgreSQL): any
titles, setups, text, regenerated branches, runs with their requests, metrics and tool calls."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib.events import ChatResult, Metrics, ToolCall, Usage
from lib.providers import builtin_providers
from lib.request import ChatRequest, Message, to_http
from lib.share import Setup
from lib.store import Store, open_store

# Any text a person or a model may write, but NUL (which the store turns into U+FFFD on purpose) and
# lone surrogates (which are not text). U+2028 and U+0085 stay: JSONL must not be cut at them.
TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=30)
NAME = st.text("abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=8)
NUMBER = st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False)
MAYBE = st.one_of(st.none(), NUMBER)
PARAMS = st.dictionaries(
    st.sampled_from(["temperature", "top_p", "max_tokens", "seed", "stop", "stream"]),
    st.one_of(st.integers(0, 4096), NUMBER, TEXT, st.booleans(), st.lists(TEXT, max_size=2)),
    max_size=4,
)
SETUPS = st.builds(
    Setup,
    provider_id=st.sampled_from(["local", "oxen", "openai", "custom"]),
    model=TEXT,
    base_url=st.sampled_from([None, "http://localhost:11434/v1", "https://api.example.com/v1?api-version=2024"]),
    params=PARAMS,
    system=TEXT,
    variables=st.dictionaries(NAME.filter(lambda n: n not in ("key", "token", "secret", "password")), TEXT, max_size=2),
)
RUN = st.fixed_dictionaries(
    {
        "text": TEXT,
        "reasoning": TEXT,
        "refusal": TEXT,
        "status": st.sampled_from(["complete", "stopped", "incomplete", "error"]),
        "finish_reason": st.sampled_from([None, "stop", "length", "tool_calls"]),
        "metrics": st.tuples(MAYBE, MAYBE, MAYBE, MAYBE),
        "usage": st.one_of(
            st.none(), st.tuples(st.integers(0, 10**6), st.integers(0, 10**6), st.sampled_from(["reported", "counted"]))
        ),
        "tools": st.lists(st.tuples(NAME, TEXT), max_size=2),
        "regenerate": st.booleans(),
        "temperature": st.one_of(st.none(), NUMBER),
    }
)
STEP = st.one_of(st.tuples(st.just("user"), TEXT), st.tuples(st.just("run"), RUN), st.tuples(st.just("tool"), TEXT))
CONVERSATION = st.fixed_dictionaries(
    {
        "setup": st.one_of(st.none(), SETUPS),
        "title": st.one_of(st.none(), TEXT),
        "page": st.sampled_from(["playground", "compare", "batch"]),
        "starred": st.booleans(),
        "steps": st.lists(STEP, max_size=6),
    }
)

_owners = itertools.count()


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    opened = open_store(database_url)
    yield opened
    opened.close()


def build(store: Store, owner: str, spec: dict[str, Any]) -> str:
    """A conversation made through the store's API, as the pages make them."""
    conversation = store.create_conversation(owner, setup=spec["setup"], page=spec["page"])
    last_user: str | None = None
    for kind, value in spec["steps"]:
        if kind == "user":
            last_user = store.add_message(owner, conversation.id, "user", value).id
        elif kind == "tool":
            store.add_message(owner, conversation.id, "tool", value, tool_call_id="call_1")
        else:
            params = {} if value["temperature"] is None else {"temperature": value["temperature"]}
            wire = to_http(ChatRequest(builtin_providers()["openai"], "gpt-x", [Message("user", "q")], params))
            parent = last_user if value["regenerate"] and last_user else "latest"
            run = store.start_run(owner, conversation.id, wire, provider="openai", parent_id=parent)
            usage = value["usage"]
            run.finish(ChatResult(
                text=value["text"], reasoning=value["reasoning"], refusal=value["refusal"], status=value["status"],
                finish_reason=value["finish_reason"], metrics=Metrics(*value["metrics"]),
                usage=Usage(usage[0], usage[1], usage[0] + usage[1], usage[2]) if usage else None,
                tool_calls=[ToolCall(f"call_{n}", name, args) for n, (name, args) in enumerate(value["tools"])],
            ))  # fmt: skip
    if spec["title"] is not None:
        store.rename_conversation(owner, conversation.id, spec["title"])
    store.star_conversation(owner, conversation.id, spec["starred"])
    return conversation.id


def normalised(export: dict[str, Any]) -> dict[str, Any]:
    """The export with the ids an import renews replaced by each message's place."""
    out = json.loads(json.dumps(export))
    out.pop("id")
    details = out["details"] + [b["details"] for b in out["branches"]]
    place = {d["id"]: str(d["order"]) for d in details}
    for d in details:
        d["id"] = place[d["id"]]
        if "parent_id" in d:
            d["parent_id"] = place[d["parent_id"]]
    return out


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])  # fmt: skip
@given(specs=st.lists(CONVERSATION, min_size=1, max_size=3))
def test_export_then_import_gives_the_same_conversations(store: Store, specs: list[dict[str, Any]]) -> None:
    n = next(_owners)
    source, target = f"source-{n}", f"target-{n}"
    ids = [build(store, source, spec) for spec in specs]
    exported = store.export_jsonl(source, ids)
    imported = store.import_text(target, exported)
    assert len(imported) == len(ids)
    for original, copy in zip(ids, imported, strict=True):
        before, after = store.export_json(source, original), store.export_json(target, copy.id)
        assert normalised(after) == normalised(before)
        assert copy.message_count == store.get_conversation(source, original).message_count
        assert [m.content for m in store.thread(target, copy.id)] == [m.content for m in store.thread(source, original)]
    # And once more, from the copy: nothing drifts.
    again = store.import_text(source, store.export_jsonl(target, [c.id for c in imported]))
    for first, second in zip(ids, again, strict=True):
        assert normalised(store.export_json(source, second.id)) == normalised(store.export_json(source, first))
