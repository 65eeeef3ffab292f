"""Batch's assertions: each kind passes and fails on crafted outputs, a bad one is one sentence, the LLM
judge is asked for real (the stand-in plays it) and its verdict parsed, pass rates, stability and diffs."""

from __future__ import annotations

import pytest

from lib.batch import assertions as a
from lib.batch.assertions import AssertionProblem, Graded, Verdict
from lib.client import ChatClient
from lib.providers import Provider
from lib.request import to_http
from lib.snippets import curl
from tests.support.stand_in import Behaviour, StandIn

SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}


@pytest.mark.parametrize(
    ("assertion", "passing", "failing"),
    [
        ({"kind": "contains", "value": "Paris"}, "It is Paris.", "It is Oslo."),
        ({"kind": "not_contains", "value": "sorry"}, "Here it is.", "I am sorry."),
        ({"kind": "regex", "pattern": r"^\d{4}-\d{2}-\d{2}$"}, "2026-11-28", "28 Nov 2026"),
        ({"kind": "equals_column", "column": "expected"}, " 42 ", "41"),
        ({"kind": "valid_json"}, '```json\n{"a": 1}\n```', "{a: 1}"),
        ({"kind": "json_schema", "schema": SCHEMA}, '{"city": "Oslo"}', '{"town": "Oslo"}'),
        ({"kind": "length", "min": 3, "max": 5}, "abcd", "abcdef"),
    ],
)
def test_each_kind_passes_and_fails(assertion: dict[str, object], passing: str, failing: str) -> None:
    spec = {"name": "check", **assertion}
    a.validate(spec, ["expected"])
    row = {"expected": "42"}
    assert a.check(spec, passing, row).passed
    verdict = a.check(spec, failing, row)
    assert not verdict.passed and verdict.reason


def test_a_schema_failure_says_so_in_the_contract_words() -> None:
    spec = {"name": "s", "kind": "json_schema", "schema": SCHEMA}
    assert a.check(spec, '{"city": "Oslo"}', {}).reason == "Valid against the schema"
    assert a.check(spec, '{"city": 3}', {}).reason.startswith("Not valid against the schema: 3 is not of type")


@pytest.mark.parametrize(
    ("spec", "sentence"),
    [
        ({"kind": "contains", "value": "x"}, "An assertion has no name; give each one a name."),
        ({"name": "r", "kind": "regex", "pattern": "("}, "The assertion 'r' has a regex that does not compile"),
        ({"name": "c", "kind": "equals_column", "column": "gone"}, "The assertion 'c' compares with a column"),
        ({"name": "s", "kind": "json_schema", "schema": {"type": 7}}, "The assertion 's' has a schema that is not"),
        ({"name": "l", "kind": "length"}, "The assertion 'l' needs a minimum or a maximum length."),
        ({"name": "j", "kind": "judge", "rubric": " "}, "The assertion 'j' needs a rubric for the judge."),
        ({"name": "k", "kind": "vibes"}, "The assertion 'k' has an unknown kind 'vibes'"),
    ],
)
def test_an_assertion_that_cannot_be_checked_is_one_sentence(spec: dict[str, object], sentence: str) -> None:
    with pytest.raises(AssertionProblem) as raised:
        a.validate(spec, ["expected"])
    assert str(raised.value).startswith(sentence)


def test_the_llm_judge_is_asked_for_real_and_its_verdict_parsed(stand_in: StandIn, oxen: Provider) -> None:
    request = a.judge_request(oxen, "judge-model", "The answer names a capital city.", "Paris", {"q": "France?"})
    stand_in.then(Behaviour(tokens=['{"pass": true, "reason": "Paris is a capital."}']),
                  Behaviour(tokens=["FAIL - it names no city"]), Behaviour(status=400))  # fmt: skip
    with ChatClient() as client:
        assert a.judge(client, request, "test-key") == Verdict(True, "Paris is a capital.")
        assert a.judge(client, request, "test-key") == Verdict(False, "it names no city")
        failed = a.judge(client, request, "test-key")
    assert not failed.passed and failed.reason.startswith("The judge's request failed:")
    sent = stand_in.chat_requests()[0].json()
    assert sent["model"] == "judge-model" and sent["temperature"] == 0
    assert "Rubric:\nThe answer names a capital city." in sent["messages"][1]["content"]
    assert "Answer to grade:\nParis" in sent["messages"][1]["content"]
    # Its request shown as code is the one sent.
    code = curl(to_http(request))
    assert '"model": "judge-model"' in code and "The answer names a capital city." in code
    assert "test-key" not in code


def test_unreadable_verdicts_fail_with_the_reason() -> None:
    assert not a.parse_verdict("maybe?").passed
    assert a.parse_verdict('```json\n{"pass": false, "reason": "too long"}\n```') == Verdict(False, "too long")


def test_pass_rates_stability_and_diffs() -> None:
    graded = [Graded(0, 0, 0, {"has": Verdict(True, "")}), Graded(0, 1, 0, {"has": Verdict(False, "")}),
              Graded(1, 0, 0, {"has": Verdict(True, "")})]  # fmt: skip
    assert a.pass_rates(graded) == {("has", 0): (1, 2), ("has", 1): (1, 1)}
    outputs = [(0, 0, "A"), (0, 0, "A "), (0, 0, "B"), (0, 1, "C"), (0, 1, "C")]
    assert a.distinct_answers(outputs) == {(0, 0): 2, (0, 1): 1}
    assert a.differing({0: "x", 1: "y", 2: "z"}, {0: "x", 1: "Y", 3: "q"}) == [1]


def test_a_kept_verdict_is_used_until_its_rubric_changes_and_new_asks_count_against_the_limit() -> None:
    from lib.store.batch import Result

    spec = {"name": "judged", "kind": "judge", "rubric": "Names a city."}
    asked: list[str] = []

    def judge_fn(s: object, output: str, inputs: object) -> Verdict:
        asked.append(output)
        return Verdict("Oslo" in output, "checked")

    results = [({}, Result(0, i, 0, "complete", f"answer {i} Oslo" if i % 2 else f"answer {i}")) for i in range(4)]
    first = a.grade_results(results, [spec], judge_fn, judge_limit=2)
    assert len(asked) == 2 and [sorted(g.verdicts) for g in first] == [["judged"], ["judged"], [], []]
    kept = [a.judge_verdicts_json(g, [spec]) for g in first]
    stored = [({}, Result(0, i, 0, "complete", r.output, verdicts=kept[i] or None)) for i, (_, r) in enumerate(results)]
    asked.clear()
    second = a.grade_results(stored, [spec], judge_fn, judge_limit=2)  # the kept two, then the next two
    assert asked == ["answer 2", "answer 3 Oslo"]
    assert [g.verdicts["judged"].passed for g in second] == [False, True, False, True]
    asked.clear()
    edited = {**spec, "rubric": "Names a capital."}
    a.grade_results(stored, [edited], judge_fn, judge_limit=10)
    assert len(asked) == 4  # a verdict on another rubric is not this one's
    failed = Graded(0, 0, 0, {"judged": Verdict(False, "The judge's request failed: timed out")})
    assert a.judge_verdicts_json(failed, [spec]) == {}  # asked again next time, not kept
