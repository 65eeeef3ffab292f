"""lib/conversation.py: editing a message, which answers have a metrics strip, how a cut answer is marked."""

from __future__ import annotations

from lib.conversation import ChatMessage, edit, mark_cut, shows_metrics
from lib.events import Metrics


def chat() -> list[ChatMessage]:
    return [
        ChatMessage(1, "user", "one"),
        ChatMessage(2, "assistant", "A1", status="complete"),
        ChatMessage(3, "user", "two"),
        ChatMessage(4, "assistant", "A2", status="complete"),
    ]


def test_save_and_regenerate_drops_everything_after_the_edited_message() -> None:
    messages = chat()
    edit(messages, 1, "uno", regenerate=True)
    assert [(m.id, m.content) for m in messages] == [(1, "uno")]


def test_save_marks_only_the_answers_below_and_only_when_the_text_changed() -> None:
    messages = chat()
    edit(messages, 3, "two", regenerate=False)  # unchanged
    assert [m.outdated for m in messages] == [False] * 4
    edit(messages, 3, "deux", regenerate=False)
    assert [m.outdated for m in messages] == [False, False, False, True]
    assert messages[2].content == "deux"
    edit(messages, 99, "gone", regenerate=True)  # a message deleted meanwhile: nothing happens
    assert len(messages) == 4


def test_metrics_strip_only_for_a_request_that_reached_the_model() -> None:
    answered = ChatMessage(2, "assistant", "hi", status="complete", metrics=Metrics(ttft=0.1, latency=0.5))
    stopped_early = ChatMessage(2, "assistant", "", status="stopped", metrics=Metrics(latency=0.4))
    failed_midway = ChatMessage(2, "assistant", "par", status="incomplete", error="cut", metrics=Metrics(ttft=0.1))
    never_sent = ChatMessage(2, "assistant", "", status="error", error="needs a key", metrics=Metrics(latency=0.0))
    refused_by_app = ChatMessage(2, "assistant", "", status="error", error="Not sent: Temperature is over 2.")
    assert [shows_metrics(m) for m in (answered, stopped_early, failed_midway)] == [True, True, True]
    assert [shows_metrics(m) for m in (never_sent, refused_by_app)] == [False, False]
    assert not shows_metrics(ChatMessage(1, "user", "q", metrics=Metrics(ttft=0.1)))


def test_a_cut_answer_is_marked_once_by_the_run_that_follows() -> None:
    messages = [ChatMessage(1, "user", "q"), ChatMessage(2, "assistant", "part", status="running")]
    mark_cut(messages, stopped=False)
    assert messages[-1].status == "interrupted"
    mark_cut(messages, stopped=True)  # a later Stop-like click does not rewrite how it ended
    assert messages[-1].status == "interrupted"
