"""Tools: the editor's checks, tool-call deltas merged in any split (hypothesis), and a round trip
against the stand-in: two calls streamed, results entered, the next request carrying the assistant's
`tool_calls` and both `tool` messages in order, valid against OpenAI's schema."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib import tools
from lib.client import ChatClient
from lib.conversation import ChatMessage, request_messages
from lib.providers import Provider
from lib.request import ChatRequest
from lib.sse import SSEStream
from lib.stream_state import StreamState
from tests.support.stand_in import Behaviour, StandIn

RECORDED = Path(__file__).resolve().parents[1] / "support" / "recorded"
REFERENCE = Path(__file__).resolve().parents[1] / "support" / "reference" / "openai-chat.schema.json"
PARALLEL = (RECORDED / "openai-parallel-tool-calls.sse").read_text()


def _strip(schema: Any) -> Any:
    """The schema without its prose (descriptions, titles, the SDK's hints): what validation uses."""
    if isinstance(schema, dict):
        prose = ("description", "title", "x-stainless-const")
        return {k: _strip(v) for k, v in schema.items() if not (k in prose and not isinstance(v, dict))}
    if isinstance(schema, list):
        return [_strip(v) for v in schema]
    return schema


def test_lib_copy_of_the_tool_definition_matches_the_vendored_reference() -> None:
    defs = json.loads(REFERENCE.read_text())["$defs"]
    for name in ("ChatCompletionTool", "FunctionObject", "FunctionParameters"):
        assert tools.TOOL_SCHEMA["$defs"][name] == _strip(defs[name]), name


def test_the_example_is_valid() -> None:
    parsed, problems = tools.parse_tools(tools.EXAMPLE_TOOLS)
    assert problems == [] and parsed is not None
    assert tools.function_names(parsed) == ["get_weather"]


@pytest.mark.parametrize(
    ("text", "sentence"),
    [
        ("[{", "Tools is not valid JSON (line 1, column 3"),
        ('{"type": "function"}', "Tools must be a JSON array of definitions"),
        ('[{"type": "function"}]', "Tools[0]: 'function' is a required property."),
        ('[{"type": "tool", "function": {"name": "f"}}]', "Tools[0].type: 'tool' is not one of ['function']."),
        ('[{"type": "function", "function": {}}]', "Tools[0].function: 'name' is a required property."),
        ('[{"type": "function", "function": {"name": "f", "parameters": []}}]',
         "Tools[0].function.parameters: [] is not of type 'object'."),
        ('[{"type": "function", "function": {"name": "get weather"}}]',
         "Tools[0].function.name must be 1–64 letters, digits, underscores or dashes."),
        ('[{"type": "function", "function": {"name": "f"}}, {"type": "function", "function": {"name": "f"}}]',
         "Tools[1].function.name 'f' is defined twice"),
        ('[{"type": "function", "function": {"name": "f", "parameters": {"type": "thing"}}}]',
         "Tools[0].function.parameters is not a valid JSON Schema"),
    ],
)  # fmt: skip
def test_each_problem_is_one_sentence_with_its_place(text: str, sentence: str) -> None:
    parsed, problems = tools.parse_tools(text)
    assert parsed is None
    assert len(problems) == 1 and problems[0].startswith(sentence), problems
    assert problems[0].endswith(".")


def test_several_problems_give_a_sentence_each() -> None:
    _, problems = tools.parse_tools('[{"type": "x", "function": {}}, {"function": {"name": "g"}}]')
    assert len(problems) == 3


def test_tool_choice_values() -> None:
    assert tools.tool_choice(None) is None
    assert tools.tool_choice("required") == "required"
    named = tools.tool_choice("get_weather")
    assert named == {"type": "function", "function": {"name": "get_weather"}}
    assert tools.choice_label(named) == "get_weather" and tools.choice_label("auto") == "auto"


def test_arguments_pretty_or_flagged() -> None:
    assert tools.pretty_arguments('{"city":"Paris"}') == tools.Arguments('{\n  "city": "Paris"\n}', True)
    assert tools.pretty_arguments('{"city": "Pa') == tools.Arguments('{"city": "Pa', False)


# -- merging deltas ------------------------------------------------------------------------------
def _calls(pieces: list[str]) -> list[tuple[str | None, str, str]]:
    sse = SSEStream()
    state = StreamState(0.0, None)
    for piece in pieces:
        for event in sse.feed(piece):
            state.on_sse(event)
    for event in sse.flush():
        state.on_sse(event)
    return [(c.id, c.name, c.arguments) for c in state.result.tool_calls]


EXPECTED = [
    ("call_lQnnsesjFMWMQ5IeWPHzR4th", "GetWeatherArgs", '{"city": "Edinburgh", "country": "UK", "units": "c"}'),
    ("call_2xjOUgaCdiwAcl9ZBL9LyMUU", "get_stock_price", '{"ticker": "AAPL", "exchange": "NASDAQ"}'),
]


def test_recorded_parallel_calls_whole() -> None:
    got = _calls([PARALLEL])
    assert [c[:2] for c in got] == [c[:2] for c in EXPECTED]
    assert [json.loads(c[2]) for c in got] == [json.loads(c[2]) for c in EXPECTED]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=len(PARALLEL)), max_size=40))
def test_any_split_of_a_recorded_tool_call_stream_gives_the_same_calls(cuts: list[int]) -> None:
    points = [0, *sorted(cuts), len(PARALLEL)]
    pieces = [PARALLEL[a:b] for a, b in itertools.pairwise(points)]
    assert _calls(pieces) == _calls([PARALLEL])


def _chunk(delta: dict[str, Any]) -> str:
    return "data: " + json.dumps({"choices": [{"index": 0, "delta": delta}]}) + "\n\n"


@settings(max_examples=50, deadline=None)
@given(st.dictionaries(st.text(min_size=1, max_size=8), st.text(max_size=30), min_size=3, max_size=8))
def test_arguments_in_50_fragments(args: dict[str, str]) -> None:
    text = json.dumps(args, ensure_ascii=False)
    cuts = [len(text) * k // 50 for k in range(51)]
    body = _chunk({"tool_calls": [{"index": 0, "id": "call_1", "type": "function",
                                   "function": {"name": "lookup", "arguments": ""}}]})  # fmt: skip
    for k in range(50):
        body += _chunk({"tool_calls": [{"index": 0, "function": {"arguments": text[cuts[k] : cuts[k + 1]]}}]})
    [(cid, name, merged)] = _calls([body])
    assert (cid, name) == ("call_1", "lookup") and json.loads(merged) == args


# -- the round trip -----------------------------------------------------------------------------
WEATHER = {"id": "call_w", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}
TIME = {"id": "call_t", "type": "function", "function": {"name": "get_time", "arguments": '{"zone": "Europe/Paris"}'}}
TWO_TOOLS = [
    *json.loads(tools.EXAMPLE_TOOLS),
    {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object",
     "properties": {"zone": {"type": "string"}}}}}
]  # fmt: skip


def _run(
    provider: Provider, conversation: list[ChatMessage], params: dict[str, Any], model: str = "gpt-oss-120b"
) -> ChatMessage:
    request = ChatRequest(provider, model, request_messages(conversation, "", {}), params)
    answer = ChatMessage(len(conversation) + 1, "assistant")
    with ChatClient() as client:
        answer.record(client.complete(request, None if provider.local else "sk-test"))
    return answer


@pytest.mark.parametrize("stream", [True, False], ids=["stream", "whole"])
def test_round_trip_two_tool_calls_then_results(
    stream: bool, stand_in: StandIn, oxen: Provider, request_validator: Any
) -> None:
    stand_in.then(Behaviour(tokens=[], tool_calls=[WEATHER, TIME], arg_fragments=7, finish_reason="tool_calls"))
    params = {"stream": stream, "tools": TWO_TOOLS, "tool_choice": "auto", "parallel_tool_calls": True}
    conversation = [ChatMessage(1, "user", "Weather and time in Paris?")]
    answer = _run(oxen, conversation, params)
    assert answer.tool_calls == [WEATHER, TIME]
    conversation.append(answer)
    for n, (call, result) in enumerate(zip(answer.tool_calls, ("sunny, 21 C", "14:05"), strict=True)):
        conversation.append(ChatMessage(10 + n, "tool", result, tool_call_id=call["id"], name="x"))
    final = _run(oxen, conversation, params)
    assert final.content == "Tool results: call_w=sunny, 21 C call_t=14:05"
    first, second = (r.json() for r in stand_in.chat_requests())
    request_validator.validate(first)
    request_validator.validate(second)
    assert first["tools"] == TWO_TOOLS and first["tool_choice"] == "auto" and first["parallel_tool_calls"] is True
    assert [m["role"] for m in second["messages"]] == ["user", "assistant", "tool", "tool"]
    assert second["messages"][1]["tool_calls"] == [WEATHER, TIME]
    assert [(m["tool_call_id"], m["content"]) for m in second["messages"][2:]] == [
        ("call_w", "sunny, 21 C"),
        ("call_t", "14:05"),
    ]


def test_mock_results_answer_every_call_or_none() -> None:
    mocks, problem = tools.parse_mocks(tools.EXAMPLE_MOCKS)
    assert problem is None
    assert tools.mock_results([WEATHER], mocks) == ['{"temperature": 21, "unit": "celsius", "sky": "clear"}']
    assert tools.mock_results([WEATHER, TIME], mocks) is None
    assert tools.parse_mocks("[1]")[1] == (
        'Mock results must be a JSON object of results by function name, such as {"get_weather": "sunny"}.'
    )


def test_a_call_with_no_id_gets_one_a_tool_message_can_name() -> None:
    from lib.events import ToolCall

    assert tools.as_openai([ToolCall(None, "f", "{}")])[0]["id"] == "call_0"


def test_every_tier_but_minimal_keeps_the_tools() -> None:
    from lib.params import TIERS, specs_for, tier_params

    values = {"temperature": 0.5, "tools": TWO_TOOLS, "tool_choice": "auto", "parallel_tool_calls": False}
    for tier in TIERS:
        params = tier_params(tier, specs_for(None), values)
        kept = {k: params[k] for k in ("tools", "tool_choice", "parallel_tool_calls") if k in params}
        tools_part = {"tools": TWO_TOOLS, "tool_choice": "auto", "parallel_tool_calls": False}
        assert kept == ({} if tier == "Minimal" else tools_part), tier


def test_minimal_keeps_the_tools_a_conversation_with_tool_calls_needs(oxen: Provider, request_validator: Any) -> None:
    """A request whose messages hold `tool_calls` and `tool` messages but defines no tools is refused
    by strict providers (Anthropic's and Bedrock's OpenAI-compatible endpoints): Minimal keeps `tools`
    then, and only then."""
    from lib.params import specs_for, tier_params
    from lib.request import to_http

    values = {"temperature": 0.5, "tools": TWO_TOOLS, "tool_choice": "auto", "parallel_tool_calls": False}
    plain = request_messages([ChatMessage(1, "user", "Weather in Paris?")], "", {})
    called = request_messages(
        [ChatMessage(1, "user", "Weather in Paris?"), ChatMessage(2, "assistant", "", tool_calls=[WEATHER]),
         ChatMessage(3, "tool", "sunny", tool_call_id="call_w")], "", {})  # fmt: skip
    assert not tools.in_history(plain) and tools.in_history(called)
    assert tier_params("Minimal", specs_for(None), values, tool_history=False) == {}
    params = tier_params("Minimal", specs_for(None), values, tool_history=tools.in_history(called))
    assert params == {"tools": TWO_TOOLS}
    body = to_http(ChatRequest(oxen, "gpt-oss-120b", called, params)).body
    request_validator.validate(body)
    assert list(body) == ["model", "messages", "tools"]


def test_the_embedded_model_calls_a_named_function_and_takes_its_result(local_server) -> None:  # type: ignore[no-untyped-def]
    """The real llama.cpp server: a named tool choice gives a call with JSON arguments (its grammar
    holds the model to the schema), and the conversation goes on with the result."""
    from lib.local_model import MODEL_ID
    from lib.providers import builtin_providers, with_base_url

    local = with_base_url(builtin_providers()["local"], local_server.base_url)
    params = {"stream": True, "max_tokens": 40, "temperature": 0, "tools": json.loads(tools.EXAMPLE_TOOLS),
              "tool_choice": tools.tool_choice("get_weather")}  # fmt: skip
    conversation = [ChatMessage(1, "user", "What is the weather in Paris?")]
    answer = _run(local, conversation, params, MODEL_ID)
    assert answer.error is None and answer.tool_calls is not None
    [call] = answer.tool_calls
    assert call["function"]["name"] == "get_weather" and "city" in json.loads(call["function"]["arguments"])
    conversation += [answer, ChatMessage(3, "tool", '{"sky": "clear", "temperature": 21}', tool_call_id=call["id"])]
    final = _run(local, conversation, params | {"tool_choice": "none"}, MODEL_ID)
    assert final.error is None and final.status == "complete", final.error


def test_parallel_calls_sharing_one_index_stay_apart() -> None:
    """Ollama (ollama/ollama#15457) and some proxies stream every parallel call at index 0, each
    with its own id, arguments in fragments: a new id at a used index is a new call."""
    body = ""
    for cid, city in (("call_a", "Paris"), ("call_b", "Rome")):
        body += _chunk({"tool_calls": [{"index": 0, "id": cid, "type": "function",
                                        "function": {"name": "get_weather", "arguments": ""}}]})  # fmt: skip
        for piece in ('{"ci', 'ty": "', city, '"}'):
            body += _chunk({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]})
    assert _calls([body]) == [
        ("call_a", "get_weather", '{"city": "Paris"}'),
        ("call_b", "get_weather", '{"city": "Rome"}'),
    ]


def test_a_question_typed_instead_of_tool_results_leaves_the_unanswered_calls_out() -> None:
    """OpenAI refuses an assistant message whose `tool_calls` no `tool` messages answer ("must be
    followed by tool messages responding to each 'tool_call_id'"): the conversation would fail from
    then on. Unanswered calls are left out of the request (the answer too when it has no text)."""
    conversation = [
        ChatMessage(1, "user", "Weather in Paris?"),
        ChatMessage(2, "assistant", "", tool_calls=[WEATHER]),
        ChatMessage(3, "user", "Never mind: say hi."),
    ]
    sent = [m.to_json() for m in request_messages(conversation, "", {})]
    assert sent == [
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "user", "content": "Never mind: say hi."},
    ]
    conversation[1].content = "Let me look."
    conversation[1].tool_calls = [WEATHER, TIME]
    conversation.insert(2, ChatMessage(9, "tool", "sunny", tool_call_id="call_w"))
    sent = [m.to_json() for m in request_messages(conversation, "", {})]
    assert [m["role"] for m in sent] == ["user", "assistant", "tool", "user"]
    assert sent[1]["tool_calls"] == [WEATHER] and sent[1]["content"] == "Let me look."
    assert conversation[1].tool_calls == [WEATHER, TIME]  # the conversation itself keeps both cards


def test_a_tool_message_that_answers_no_call_is_left_out() -> None:
    conversation = [
        ChatMessage(1, "user", "Hi"),
        ChatMessage(2, "tool", "orphan", tool_call_id="call_x"),
        ChatMessage(3, "assistant", "", tool_calls=[WEATHER]),
        ChatMessage(4, "tool", "sunny", tool_call_id="call_w"),
        ChatMessage(5, "tool", "stray", tool_call_id="call_z"),
    ]
    sent = [m.to_json() for m in request_messages(conversation, "", {})]
    assert [(m["role"], m.get("tool_call_id")) for m in sent] == [
        ("user", None), ("assistant", None), ("tool", "call_w")
    ]  # fmt: skip


def test_json_nested_past_the_parsers_depth_is_one_sentence() -> None:
    deep = "[" * 5000 + "]" * 5000
    too_deep = "is nested too deeply to read (thousands of brackets); flatten it."
    assert tools.parse_tools(deep) == (None, [f"Tools {too_deep}"])
    assert tools.parse_mocks(deep)[1] == f"Mock results {too_deep}"
    assert tools.pretty_arguments(deep) == tools.Arguments(deep, False)  # the model's arguments: shown raw


def test_whole_calls_without_ids_in_one_answer_stay_apart() -> None:
    """A non-streamed answer from a server that gives its calls no id (nor index): each item is a call."""
    state = StreamState(0.0, None)
    calls = [{"type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}},
             {"type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Rome"}'}}]  # fmt: skip
    state.on_json({"choices": [{"message": {"role": "assistant", "content": None, "tool_calls": calls},
                                "finish_reason": "tool_calls"}]})  # fmt: skip
    assert [(c.name, c.arguments) for c in state.result.tool_calls] == [
        ("get_weather", '{"city": "Paris"}'),
        ("get_weather", '{"city": "Rome"}'),
    ]
    assert [c["id"] for c in tools.as_openai(state.result.tool_calls)] == ["call_0", "call_1"]
