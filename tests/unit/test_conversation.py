"""lib/conversation.py: what a conversation sends, how a cut answer is marked, what a retry replaces."""

from __future__ import annotations

from lib.conversation import (
    SAMPLE,
    ChatMessage,
    drop_answers,
    drop_failed_answer,
    mark_cut,
    metrics_line,
    raised_max_tokens,
    request_messages,
    shareable,
    variable_names,
)
from lib.errors import MissingKey
from lib.events import ChatResult, Metrics, Usage
from lib.request import Message


def conversation() -> list[ChatMessage]:
    return [
        ChatMessage(1, "user", "Hi {{name}}"),
        ChatMessage(2, "assistant", "Hello!", status="complete"),
        ChatMessage(3, "user", "Again"),
        ChatMessage(4, "assistant", "", status="error", error="Not sent: no key."),
    ]


def test_request_is_system_then_history_up_to_the_last_question_with_variables_filled() -> None:
    sent = request_messages(conversation(), "  Be {{tone}}. ", {"name": "Ann", "tone": "brief"})
    assert sent == [
        Message("system", "Be brief."),
        Message("user", "Hi Ann"),
        Message("assistant", "Hello!"),
        Message("user", "Again"),
    ]


def test_an_empty_conversation_sends_the_sample_question() -> None:
    assert request_messages([], "", {}) == [Message("user", SAMPLE)]
    assert request_messages([ChatMessage(1, "assistant", "orphan")], "", {}) == [Message("user", SAMPLE)]


def test_variable_names_come_from_the_system_prompt_then_the_messages() -> None:
    assert variable_names("{{tone}} {{name}}", conversation()) == ["tone", "name"]


def test_a_running_answer_is_marked_by_the_click_that_cut_it() -> None:
    for stopped, expected in ((True, "stopped"), (False, "interrupted")):
        messages = [ChatMessage(1, "user", "q"), ChatMessage(2, "assistant", "part", status="running")]
        mark_cut(messages, stopped)
        assert messages[-1].status == expected
    finished = [ChatMessage(1, "assistant", "done", status="complete")]
    mark_cut(finished, True)
    assert finished[0].status == "complete"


def test_regenerate_drops_every_trailing_answer_and_a_retry_only_the_failed_one() -> None:
    messages = [*conversation(), ChatMessage(5, "assistant", "second")]
    drop_failed_answer(messages)
    assert [m.id for m in messages] == [1, 2, 3, 4]
    drop_answers(messages)
    assert [m.id for m in messages] == [1, 2, 3]
    drop_failed_answer(messages)  # nothing to drop after a question
    assert [m.id for m in messages] == [1, 2, 3]


def test_a_share_link_carries_role_and_content_of_messages_with_text() -> None:
    assert shareable(conversation()) == [
        {"role": "user", "content": "Hi {{name}}"},
        {"role": "assistant", "content": "Hello!"},
        {"role": "user", "content": "Again"},
    ]


def test_raised_max_tokens_is_a_useful_size_within_the_models_maximum() -> None:
    cut_at_3 = ChatMessage(1, "assistant", max_tokens=3)
    assert raised_max_tokens(cut_at_3, 131072, 1024) == 1024  # the model's default, not 6
    assert raised_max_tokens(cut_at_3, None) == 256  # no default: at least a useful floor
    assert raised_max_tokens(cut_at_3, 100) == 100  # never past the model's maximum
    assert raised_max_tokens(ChatMessage(1, "assistant", max_tokens=1024), 131072, 1024) == 4096
    counted = ChatMessage(1, "assistant", usage=Usage(5, 400, 405))
    assert raised_max_tokens(counted, None) == 1600
    assert raised_max_tokens(ChatMessage(1, "assistant"), None) == 512


def test_record_keeps_plain_data_and_a_new_start_empties_the_answer() -> None:
    msg = ChatMessage(7, "assistant")
    msg.start(50)
    assert (msg.content, msg.status, msg.max_tokens) == ("", "running", 50)
    result = ChatResult(
        text="partial", reasoning="thought", refusal="no", finish_reason="length", status="error",
        error=MissingKey("Oxen.ai needs an API key."), usage=Usage(3, 4, 7, "counted"),
        metrics=Metrics(ttft=0.1, latency=0.5, tokens_per_s=10.0, cost=0.0),
        other_parts=[{"type": "image_url"}, {"no": "type"}],
    )  # fmt: skip
    msg.record(result)
    assert (msg.content, msg.reasoning, msg.refusal, msg.status) == ("partial", "thought", "no", "error")
    assert (msg.error, msg.error_action) == ("Oxen.ai needs an API key.", "key")
    assert msg.other_parts == ["image_url", "untyped"]
    assert msg.metrics == Metrics(0.1, 0.5, 10.0, 0.0) and msg.metrics is not result.metrics
    assert not msg.cut_at_limit  # cut at the limit, but it failed: the error is what to say
    msg.start(None)
    assert (msg.content, msg.reasoning, msg.refusal, msg.other_parts) == ("", "", "", [])


def test_metrics_line() -> None:
    msg = ChatMessage(1, "assistant", metrics=Metrics(0.123, 1.4, 52.08, 0.0), usage=Usage(4, 40, 44, "counted"))
    assert metrics_line(msg) == (
        "**TTFT** 0.12 s · **Latency** 1.40 s · **Tokens/s** 52.1 · **Cost** $0"
        " · 4 prompt / 40 completion tokens (counted by the app)"
    )
    bare = ChatMessage(1, "assistant", metrics=Metrics(cost=0.0000125))
    assert metrics_line(bare) == "**TTFT** – · **Latency** – · **Tokens/s** – · **Cost** $0.000013"
