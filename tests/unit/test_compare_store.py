"""Compare in the store, on SQLite and PostgreSQL: a round's runs as one Compare group (one
conversation per pane), votes kept per owner in the order cast."""

from __future__ import annotations

from lib.conversation import ChatMessage
from lib.providers import builtin_providers
from lib.request import ChatRequest, Message, to_http
from lib.share import Setup
from lib.store import open_store
from lib.store.compare import group_runs, new_group, record_vote, start_pane_conversation, start_pane_run, votes


def test_a_round_is_a_compare_group_and_votes_are_kept(database_url: str) -> None:
    store = open_store(database_url)
    try:
        provider = builtin_providers()["openai"]
        group = new_group()
        for pane, model in enumerate(["gpt-a", "gpt-b"]):
            setup = Setup("openai", model, params={"temperature": pane})
            conv = start_pane_conversation(store, "me", setup)
            request = ChatRequest(provider, model, [Message("user", "hi")], {"temperature": pane})
            writer = start_pane_run(store, "me", conv.id, "hi", to_http(request), setup, group, pane)
            answer = ChatMessage(1, "assistant", f"answer {pane}", status="complete")
            writer.finish_message(answer)
            assert [m.role for m in store.messages("me", conv.id)] == ["user", "assistant"]
            assert store.get_conversation("me", conv.id).page == "compare"
        assert group_runs(store, "me", group) == [(0, "gpt-a", "answer 0"), (1, "gpt-b", "answer 1")]
        assert group_runs(store, "someone else", group) == []
        record_vote(store, "me", group, 1, ["gpt-a (OpenAI)", "gpt-b (OpenAI)"])
        record_vote(store, "me", group, "tie", ["gpt-a (OpenAI)", "gpt-b (OpenAI)"])
        record_vote(store, "other", group, "bothbad", ["x", "y"])
        mine = votes(store, "me")
        assert [(v.outcome, v.panes) for v in mine] == [
            (1, ["gpt-a (OpenAI)", "gpt-b (OpenAI)"]),
            ("tie", ["gpt-a (OpenAI)", "gpt-b (OpenAI)"]),
        ]
        assert [v.outcome for v in votes(store, "other")] == ["bothbad"]
    finally:
        store.close()
