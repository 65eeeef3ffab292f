"""Batch evaluation: named assertions over each output (contains / does not contain, regex, equals a
column, valid JSON, matches a JSON schema, length limits, LLM-as-judge), pass rates per assertion and
model, answer stability over repeats, and the rows where two models or two runs differ.

An assertion is a plain dict (kept in the batch's config): {"name", "kind", ...} with, by kind:
contains / not_contains: "value"; regex: "pattern"; equals_column: "column"; valid_json: nothing;
json_schema: "schema" (an object); length: "min" and/or "max" (characters); judge: "rubric" (the
judge model is given when it runs)."""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jsonschema

from lib.client import ChatClient
from lib.providers import Provider
from lib.request import ChatRequest, Message

KINDS = {
    "contains": "Contains",
    "not_contains": "Does not contain",
    "regex": "Matches regex",
    "equals_column": "Equals column",
    "valid_json": "Valid JSON",
    "json_schema": "Matches JSON schema",
    "length": "Length between",
    "judge": "LLM judge",
}
JUDGE_SYSTEM = (
    "You grade an answer against a rubric. Reply with one line of JSON and nothing else: "
    '{"pass": true or false, "reason": "one short sentence"}.'
)


class AssertionProblem(ValueError):
    """One sentence: an assertion that cannot be checked (a bad regex or schema, a missing value)."""


@dataclass(frozen=True)
class Verdict:
    passed: bool
    reason: str


def validate(assertion: Mapping[str, Any], columns: Sequence[str] = ()) -> None:
    """AssertionProblem (one sentence) when the assertion cannot be checked as written."""
    name = str(assertion.get("name") or "").strip()
    kind = assertion.get("kind")
    if not name:
        raise AssertionProblem("An assertion has no name; give each one a name.")
    if kind not in KINDS:
        raise AssertionProblem(f"The assertion {name!r} has an unknown kind {kind!r}; use one of {', '.join(KINDS)}.")
    if kind in ("contains", "not_contains") and not str(assertion.get("value") or ""):
        raise AssertionProblem(f"The assertion {name!r} needs the text to look for.")
    if kind == "regex":
        try:
            re.compile(str(assertion.get("pattern") or ""))
        except re.error as exc:
            raise AssertionProblem(f"The assertion {name!r} has a regex that does not compile ({exc}).") from None
    if kind == "equals_column" and assertion.get("column") not in columns:
        raise AssertionProblem(f"The assertion {name!r} compares with a column the data set does not have.")
    if kind == "json_schema":
        schema = assertion.get("schema")
        if not isinstance(schema, dict):
            raise AssertionProblem(f"The assertion {name!r} has a schema that is not a JSON object.")
        try:
            jsonschema.Draft202012Validator.check_schema(schema)
        except jsonschema.SchemaError as exc:
            raise AssertionProblem(
                f"The assertion {name!r} has a schema that is not a JSON schema ({exc.message})."
            ) from None
    if kind == "length" and assertion.get("min") is None and assertion.get("max") is None:
        raise AssertionProblem(f"The assertion {name!r} needs a minimum or a maximum length.")
    if kind == "judge" and not str(assertion.get("rubric") or "").strip():
        raise AssertionProblem(f"The assertion {name!r} needs a rubric for the judge.")


def check(assertion: Mapping[str, Any], output: str, row: Mapping[str, str]) -> Verdict:
    """One output against one assertion (not the judge: see `judge`)."""
    kind = assertion["kind"]
    if kind == "contains":
        value = str(assertion["value"])
        return Verdict(value in output, f"{'contains' if value in output else 'does not contain'} {value!r}")
    if kind == "not_contains":
        value = str(assertion["value"])
        return Verdict(value not in output, f"{'contains' if value in output else 'does not contain'} {value!r}")
    if kind == "regex":
        found = re.search(str(assertion["pattern"]), output)
        return Verdict(found is not None, f"matches at {found.start()}" if found else "no match")
    if kind == "equals_column":
        expected = row.get(str(assertion["column"]), "")
        same = output.strip() == expected.strip()
        return Verdict(same, "equals the expected output" if same else f"expected {expected[:80]!r}")
    if kind in ("valid_json", "json_schema"):
        try:
            value = json.loads(_unfenced(output))
        except ValueError as exc:
            return Verdict(False, f"not JSON: {exc.args[0]}")
        if kind == "valid_json":
            return Verdict(True, "valid JSON")
        errors = sorted(jsonschema.Draft202012Validator(assertion["schema"]).iter_errors(value), key=str)
        if errors:
            return Verdict(False, f"Not valid against the schema: {errors[0].message}")
        return Verdict(True, "Valid against the schema")
    if kind == "length":
        n = len(output)
        low, high = assertion.get("min"), assertion.get("max")
        ok = (low is None or n >= int(low)) and (high is None or n <= int(high))
        return Verdict(ok, f"{n} characters")
    raise AssertionProblem(f"The assertion {assertion.get('name')!r} is a judge: run the judge for it.")


def _unfenced(text: str) -> str:
    """JSON a model wrapped in a Markdown code fence, as models often do."""
    fenced = re.fullmatch(r"\s*```(?:json)?\s*(.*?)\s*```\s*", text, re.S)
    return fenced.group(1) if fenced else text


# -- LLM as judge ------------------------------------------------------------------------------------


def judge_request(provider: Provider, model: str, rubric: str, output: str, row: Mapping[str, str],
                  params: Mapping[str, Any] | None = None) -> ChatRequest:  # fmt: skip
    """The judge's request: the rubric, the row's inputs and the answer; shown as code in the page."""
    inputs = "\n".join(f"{k}: {v}" for k, v in row.items())
    prompt = f"Rubric:\n{rubric}\n\nInputs:\n{inputs}\n\nAnswer to grade:\n{output}"
    return ChatRequest(provider, model, [Message("system", JUDGE_SYSTEM), Message("user", prompt)],
                       {"temperature": 0, **(params or {})})  # fmt: skip


def parse_verdict(text: str) -> Verdict:
    """The judge's answer as pass/fail with its reason: the JSON asked for, else a PASS/FAIL word."""
    body = _unfenced(text).strip()
    found = re.search(r"\{.*\}", body, re.S)
    if found:
        try:
            data = json.loads(found.group(0))
        except ValueError:
            data = None
        if isinstance(data, dict) and isinstance(data.get("pass"), bool):
            return Verdict(data["pass"], str(data.get("reason") or ""))
    word = re.match(r"\W*(pass|fail)\w*\W*(.*)", body, re.I | re.S)
    if word:
        return Verdict(word.group(1).lower() == "pass", word.group(2).strip() or word.group(1).upper())
    return Verdict(False, f"The judge's answer could not be read as a verdict: {body[:120]!r}")


def judge(client: ChatClient, request: ChatRequest, key: str | None) -> Verdict:
    """Ask the judge model; a failed request is a failed verdict with the engine's sentence."""
    result = client.complete(request, key)
    if result.error is not None:
        return Verdict(False, f"The judge's request failed: {result.error}")
    return parse_verdict(result.text)


# -- summaries -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Graded:
    model: int
    row: int
    repeat: int
    verdicts: dict[str, Verdict]


def pass_rates(graded: Iterable[Graded]) -> dict[tuple[str, int], tuple[int, int]]:
    """(assertion, model) -> (passed, checked)."""
    out: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0, 0])
    for g in graded:
        for name, v in g.verdicts.items():
            cell = out[(name, g.model)]
            cell[0] += int(v.passed)
            cell[1] += 1
    return {k: (v[0], v[1]) for k, v in out.items()}


def distinct_answers(outputs: Iterable[tuple[int, int, str]]) -> dict[tuple[int, int], int]:
    """(model, row) -> how many different answers its repeats gave (1: stable)."""
    seen: dict[tuple[int, int], set[str]] = defaultdict(set)
    for model, row, output in outputs:
        seen[(model, row)].add(output.strip())
    return {k: len(v) for k, v in seen.items()}


def differing(a: Mapping[int, str], b: Mapping[int, str]) -> list[int]:
    """Rows whose outputs (or verdicts) differ between two models or runs, present in both."""
    return sorted(r for r in a.keys() & b.keys() if a[r].strip() != b[r].strip())


# -- over a stored batch -------------------------------------------------------------------------------

JudgeFn = Callable[[Mapping[str, Any], str, Mapping[str, str]], Verdict]


def rubric_digest(spec: Mapping[str, Any]) -> str:
    """Which rubric a stored verdict answered: an edited rubric is asked again."""
    return hashlib.sha256(str(spec.get("rubric") or "").encode()).hexdigest()[:16]


def _kept(result: Any, spec: Mapping[str, Any]) -> Verdict | None:
    """The judge's stored verdict on this result for this rubric, if there is one."""
    held = (getattr(result, "verdicts", None) or {}).get(str(spec["name"]))
    if isinstance(held, dict) and held.get("rubric") == rubric_digest(spec):
        return Verdict(bool(held.get("passed")), str(held.get("reason") or ""))
    return None


def grade_results(
    results: Iterable[tuple[Mapping[str, str], Any]], specs: Sequence[Mapping[str, Any]],
    judge_fn: JudgeFn | None = None, judge_limit: int = 20,
) -> list[Graded]:  # fmt: skip
    """Every (row inputs, Result) against every assertion. A judge's verdict kept with the result is used
    as it is; otherwise the judge is asked (only when `judge_fn` is given) for at most `judge_limit`
    results, each a request, so Evaluate again goes on with the next ones. Failed results fail every check."""
    out: list[Graded] = []
    judged = 0
    for inputs, result in results:
        verdicts: dict[str, Verdict] = {}
        asked = False
        for spec in specs:
            name = str(spec["name"])
            if result.status != "complete":
                verdicts[name] = Verdict(False, "no answer: " + (result.error or result.status))
            elif spec["kind"] != "judge":
                verdicts[name] = check(spec, result.output, inputs)
            elif (kept := _kept(result, spec)) is not None:
                verdicts[name] = kept
            elif judge_fn is not None and judged < judge_limit:
                verdicts[name] = judge_fn(spec, result.output, inputs)
                asked = True
        judged += asked
        out.append(Graded(result.model, result.row, result.repeat, verdicts))
    return out


def judge_verdicts_json(graded: Graded, specs: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The judge's verdicts of one graded result as the store keeps them (the checks are cheap to redo)."""
    out: dict[str, Any] = {}
    for spec in specs:
        v = graded.verdicts.get(str(spec["name"]))
        if v is None or spec["kind"] != "judge" or v.reason.startswith(("no answer: ", "The judge's request failed")):
            continue  # only a judge's answered verdict: a failed request is asked again next time
        out[str(spec["name"])] = {"passed": v.passed, "reason": v.reason, "rubric": rubric_digest(spec)}
    return out


def columns_of(graded: Graded) -> dict[str, Any]:
    """An export's assertion columns: pass/fail and the reason, per assertion."""
    out: dict[str, Any] = {}
    for name, v in graded.verdicts.items():
        out[f"{name} passed"] = v.passed
        out[f"{name} reason"] = v.reason
    return out
