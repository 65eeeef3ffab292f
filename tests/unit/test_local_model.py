"""The real embedded model: SmolLM2-135M in llama.cpp's server, on loopback."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import jsonschema
import pytest

from lib import errors
from lib.client import ChatClient
from lib.events import FREE, Done, TextDelta
from lib.local_model import MODEL_ID, LocalServer, find_gguf, read_card
from lib.providers import builtin_providers, with_base_url
from lib.request import ChatRequest, Message
from tests.support.stand_in import StandIn, free_port


def ask(server: LocalServer, text: str, **params) -> ChatRequest:  # type: ignore[no-untyped-def]
    provider = with_base_url(builtin_providers()["local"], server.base_url)
    return ChatRequest(provider, MODEL_ID, [Message("user", text)], params)


def test_gguf_found_and_card_read() -> None:
    card = read_card(find_gguf())
    assert card.architecture == "llama" and card.context_length == 8192
    assert card.quantization == "Q4_1" and card.chat_template and card.license == "apache-2.0"
    assert 130e6 < card.parameters < 140e6 and card.parameters_label == "135M"
    assert card.file_size > 90e6
    # Its header's general.name is a training run's ("Smollm2 135M 8k Lc100K Mix1 Ep2"); the card uses
    # the published name and the publisher from general.organization.
    assert card.display_name == "SmolLM2 135M Instruct" and card.publisher == "HuggingFaceTB"


def test_streamed_tokens_arrive_with_counted_usage(local_server: LocalServer) -> None:
    with ChatClient() as client:
        events = list(client.stream(ask(local_server, "Name three colours.", stream=True, max_tokens=24), None, FREE))
    deltas = [e for e in events if isinstance(e, TextDelta)]
    result = events[-1].result  # type: ignore[union-attr]
    assert len(deltas) >= 3 and result.status == "complete"
    # llama.cpp streams one token per delta, so the deltas are the true count: the app's own count
    # (of the text, not the chunks) lands within a quarter of it.
    counted = result.usage.completion_tokens  # type: ignore[union-attr]
    assert result.usage.source == "counted" and abs(counted - len(deltas)) <= len(deltas) / 4  # type: ignore[union-attr]
    assert result.metrics.ttft is not None and result.metrics.tokens_per_s and result.metrics.cost == 0


def test_non_streamed_reports_usage(local_server: LocalServer) -> None:
    with ChatClient() as client:
        result = client.complete(ask(local_server, "Say hello.", max_tokens=8))
    assert result.status == "complete" and result.text
    assert result.usage.source == "reported" and result.usage.prompt_tokens > 0  # type: ignore[union-attr]
    assert 0 < result.usage.completion_tokens <= 8  # type: ignore[union-attr,operator]


MOOD_SCHEMA = {
    "type": "object",
    "properties": {"mood": {"enum": ["happy", "sad", "calm"]}, "sunny": {"type": "boolean"}},
    "required": ["mood", "sunny"],
}


@pytest.mark.parametrize("stream", [False, True])
def test_a_json_schema_request_is_answered_with_json_that_validates(local_server: LocalServer, stream: bool) -> None:
    # OpenAI's json_schema format, as the form builds it: the request translates it for llama.cpp.
    wanted = {"type": "json_schema", "json_schema": {"name": "weather", "schema": MOOD_SCHEMA, "strict": True}}
    request = ask(local_server, "How is the weather today?", response_format=wanted, max_tokens=60, stream=stream)
    with ChatClient() as client:
        result = client.complete(request)
    assert result.error is None and result.status == "complete", result.error
    jsonschema.validate(json.loads(result.text), MOOD_SCHEMA)


def test_same_seed_same_answer(local_server: LocalServer) -> None:
    # llama.cpp evaluates a new prompt in one batch but re-evaluates only the last token of a prompt
    # it has cached, which shifts the floats slightly; the first run warms the cache (docs/local-model.md).
    story = "Tell me a story."
    with ChatClient() as client:
        _, a, b, other = (
            client.complete(ask(local_server, story, seed=seed, temperature=1.0, max_tokens=20)).text
            for seed in (1234, 1234, 1234, 99)
        )
    assert a and a == b and other != a


def test_stop_mid_stream_and_server_serves_on(local_server: LocalServer) -> None:
    with ChatClient() as client:
        stream = client.stream(ask(local_server, "Count from 1 to 200.", stream=True, max_tokens=400))
        n = 0
        for event in stream:
            if isinstance(event, TextDelta):
                n += 1
                if n == 3:
                    stream.cancel()
            if isinstance(event, Done):
                stopped = event.result
        assert stopped.status == "stopped" and stopped.usage.completion_tokens < 50  # type: ignore[union-attr]
        assert client.complete(ask(local_server, "Hi", max_tokens=4)).status == "complete"


def test_two_requests_at_once_both_finish(local_server: LocalServer) -> None:
    """interrupt_requests is off: a second request does not abort the first."""
    results = []

    def one(text: str) -> None:
        with ChatClient() as client:
            results.append(client.complete(ask(local_server, text, stream=True, max_tokens=30)))

    threads = [threading.Thread(target=one, args=(t,)) for t in ("Describe a cat.", "Describe a dog.")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert [r.status for r in results] == ["complete", "complete"]


def test_context_overflow_is_explained(local_server: LocalServer) -> None:
    with ChatClient() as client:
        result = client.complete(ask(local_server, "word " * 9000, max_tokens=4))
    assert isinstance(result.error, errors.ContextLengthExceeded)
    assert "context window" in str(result.error) and "8192" in str(result.error)


def test_running_server_is_reused_not_owned(local_server: LocalServer) -> None:
    other = LocalServer(port=local_server.port)
    assert other.ensure() == "reused" and other.process is None
    other.stop()  # stops only what it started: nothing
    assert local_server.status() == "ours"


def test_port_taken_by_another_program(stand_in: StandIn) -> None:
    with pytest.raises(errors.LocalModelError, match="taken by another program"):
        LocalServer(port=stand_in.port).ensure()


@pytest.mark.local_model  # starts its own llama.cpp server
def test_server_dying_at_start_up_is_one_sentence(tmp_path: Path) -> None:
    bogus = tmp_path / "not-a-model.gguf"
    bogus.write_text("this is not a GGUF file")
    server = LocalServer(port=free_port(), model_path=bogus, log_path=tmp_path / "log")
    with pytest.raises(errors.LocalModelError, match="stopped during start-up"):
        server.ensure(timeout=60)
    assert server.process is None


def test_missing_model_file(tmp_path: Path) -> None:
    server = LocalServer(port=free_port(), model_path=tmp_path / "gone.gguf")
    with pytest.raises(errors.LocalModelError, match="missing"):
        server.ensure()


@pytest.mark.local_model  # starts its own llama.cpp server
def test_killed_server_is_restarted_by_ensure(tmp_path: Path) -> None:
    server = LocalServer(port=free_port(), log_path=tmp_path / "log")
    try:
        assert server.ensure() == "started"
        assert server.process is not None
        server.process.kill()
        server.process.wait()
        assert server.status() == "down"
        assert server.ensure() == "started" and server.status() == "ours"
    finally:
        server.stop()


def test_busy_server_is_not_mistaken_for_down(local_server: LocalServer) -> None:
    """A server in the middle of an answer is found as ours and reused, never started twice."""
    with ChatClient() as client:
        stream = client.stream(ask(local_server, "Count slowly to 300.", stream=True, max_tokens=600))
        for event in stream:
            if isinstance(event, TextDelta):
                assert local_server.status() == "ours"
                assert LocalServer(port=local_server.port).ensure() == "reused"
                stream.cancel()


@pytest.mark.local_model  # starts its own llama.cpp server
def test_port_and_host_in_environment_do_not_move_the_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`make run PORT=8600` exports PORT, which that server would otherwise bind instead of ours."""
    taken = StandIn().start()
    monkeypatch.setenv("PORT", str(taken.port))
    monkeypatch.setenv("HOST", "0.0.0.0")
    server = LocalServer(port=free_port(), log_path=tmp_path / "log")
    try:
        assert server.ensure() == "started" and server.status() == "ours"
    finally:
        server.stop()
        taken.stop()


def test_a_server_too_busy_to_answer_is_reused_not_started_again() -> None:
    """On a loaded machine the model server can take seconds to answer even `/v1/models`: that is a
    busy server on our port (a second one could not bind it), not a dead one."""
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()  # accepts connections (the kernel does) and never answers
    try:
        server = LocalServer(port=listener.getsockname()[1])
        assert server.status() == "busy"
        assert server.ensure() == "reused" and server.process is None
    finally:
        listener.close()


def test_the_prompt_is_read_with_the_same_threads_as_the_answer(local_server: LocalServer) -> None:
    """llama-cpp-python's server reads a prompt with every core by default (`n_threads_batch`); with both
    cores busy (the app starting, the browser drawing) that spun for 3.5-10 s on a 2-token answer instead of
    0.6-2 s. The running server got the thread count the app chose for answering, for both."""
    assert local_server.process is not None
    args = [str(a) for a in local_server.process.args]  # type: ignore[union-attr]
    threads = args[args.index("--n_threads") + 1]
    assert threads == str(local_server.threads) and args[args.index("--n_threads_batch") + 1] == threads
