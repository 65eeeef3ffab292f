"""The Models page's logic against the stand-in's 32 Oxen-style models, a plain OpenAI-style list,
and the real local llama.cpp server; failing listings; forms from any supported schema."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from lib import errors
from lib.catalog import list_models, model_details, search_models
from lib.local_model import find_gguf, read_card
from lib.model_catalog import (
    all_capabilities,
    all_developers,
    card_facts,
    catalog_frame,
    compare_frame,
    filter_models,
    local_card_facts,
    local_model_object,
    parameter_reference,
)
from lib.params import check, specs_for, tier_params
from lib.providers import Provider
from tests.support.catalog import GPT_OSS_120B, MODELS
from tests.support.stand_in import StandIn


def test_catalog_lists_searches_and_filters(oxen: Provider) -> None:
    models = list_models(oxen, "k")
    assert len(models) == 32 >= 30
    frame = catalog_frame(models)
    assert list(frame["ID"]) == [m["id"] for m in MODELS]
    row = frame[frame["ID"] == "gpt-oss-120b"].iloc[0]
    assert (row["Name"], row["Developer"], row["Input"], row["Context"]) == ("GPT-OSS-120B", "OpenAI", "text", 128000)
    assert (row["$/1M input"], row["$/1M output"], row["Released"]) == (0.15, 0.6, "2025-08-05")
    priceless = frame[frame["ID"] == "anthropic-model-05"].iloc[0]  # pricing is null there
    assert priceless.isna()["$/1M input"] and priceless.isna()["$/1M output"]
    assert [m["id"] for m in filter_models(models, "GPT-OSS")] == ["gpt-oss-120b"]
    assert [m["id"] for m in search_models(oxen, "k", "gpt-oss")] == ["gpt-oss-120b"]
    images = filter_models(models, capability=["image"])
    assert images and all("image" in (m["capabilities"]["input"] + m["capabilities"]["output"]) for m in images)
    assert {m["id"] for m in filter_models(models, developers=["Qwen"])} == {
        m["id"] for m in MODELS if m["developer"]["name"] == "Qwen"}  # fmt: skip
    assert filter_models(models, "qwen", ["video"], ["Meta"]) == []
    assert all_capabilities(models) == ["image", "text", "video"]
    assert "Black Forest Labs" in all_developers(models)


def test_gpt_oss_card_shows_every_fact_it_carries(oxen: Provider) -> None:
    full = model_details(oxen, "k", "gpt-oss-120b")
    facts = card_facts(full)
    shown = " ".join(facts.values())
    for field in ("id", "display_name", "summary", "parameters", "active_parameters", "quantization",
                  "released_at", "model_type", "endpoint"):  # fmt: skip
        assert str(full[field]) in shown, field
    assert facts["Developer"] == "OpenAI" and facts["Mixture of experts"] == "yes"
    assert facts["Multilingual"] == "yes" and facts["Context length"] == "128,000 tokens"
    assert facts["Price"] == "$0.15 input · $0.6 output per 1M tokens"
    assert (facts["Input"], facts["Output"]) == ("text", "text")
    reference = parameter_reference(full)
    assert list(reference["Field"]) == ["model (required)", "messages (required)", "temperature", "max_tokens",
                                        "stream", "top_p", "frequency_penalty", "presence_penalty"]  # fmt: skip
    temperature = reference[reference["Field"] == "temperature"].iloc[0]
    assert (temperature["Default"], temperature["Range or choices"]) == ("0.7", "0 – 2")


def test_plain_openai_list_shows_what_it_has() -> None:
    plain = [{"id": "gpt-4o-mini", "object": "model", "created": 1721172741, "owned_by": "system"}]
    frame = catalog_frame(plain)
    assert list(frame.columns) == ["ID", "Developer"]
    assert card_facts(plain[0]) == {"Model ID": "gpt-4o-mini", "Developer": "system", "Created": "2024-07-16"}
    assert list(parameter_reference(plain[0])["Field"])[:3] == ["temperature", "max_tokens", "stream"]


def test_real_local_server_list(local_server) -> None:  # type: ignore[no-untyped-def]
    from lib.local_model import MODEL_ID
    from lib.providers import builtin_providers, with_base_url

    local = with_base_url(builtin_providers()["local"], local_server.base_url)
    models = list_models(local, None)
    frame = catalog_frame(models)
    assert list(frame["ID"]) == [MODEL_ID]
    assert card_facts(models[0])["Model ID"] == MODEL_ID
    # Its bare entry ("owned_by": "me") made a model object from the GGUF header the server loaded.
    row = catalog_frame([local_model_object(read_card(find_gguf()), models[0])]).iloc[0]
    assert (row["Name"], row["Developer"], row["Context"]) == ("SmolLM2 135M Instruct", "HuggingFaceTB", 8192)
    assert (row["$/1M input"], row["$/1M output"]) == (0, 0)


def test_the_local_cards_facts_and_reference_are_what_its_form_offers() -> None:
    card = read_card(find_gguf())
    facts = local_card_facts(card, "smollm2-135m-instruct")
    assert (facts["Name"], facts["Developer"], facts["Served by"]) == (
        "SmolLM2 135M Instruct", "HuggingFaceTB", "llama.cpp on this machine")  # fmt: skip
    reference = parameter_reference({"id": "smollm2-135m-instruct", "owned_by": "me"}, local=True)
    assert list(reference["Field"]) == [s.name for s in specs_for(None, local=True)]  # the Playground's form
    assert "reasoning_effort" not in list(reference["Field"])
    temperature = reference[reference["Field"] == "temperature"].iloc[0]
    assert temperature["Default"] == "0.8"  # llama.cpp's own, not OpenAI's 1.0


def test_missing_facts_stay_missing_not_the_word_none() -> None:
    sparse = [m for m in MODELS if m.get("released_at") is None or m.get("pricing") is None]
    frame = catalog_frame(sparse)
    assert frame["Released"].isna().any() and frame["$/1M input"].isna().any()  # missing: the page's "–"
    assert not frame.isin(["None", "none", "null"]).to_numpy().any()


@pytest.mark.parametrize(("status", "error"), [(401, errors.AuthenticationFailed), (500, errors.ServerError)])
def test_failing_listing_gives_its_sentence(status: int, error: type, oxen: Provider, stand_in: StandIn) -> None:
    stand_in.models_status = status
    try:
        with pytest.raises(error) as info:
            list_models(oxen, "k")
        assert str(info.value).endswith(".") and len(str(info.value).split(". ")) <= 3
    finally:
        stand_in.models_status = None


def test_compare_frame_puts_models_side_by_side() -> None:
    frame = compare_frame({"a": card_facts(GPT_OSS_120B), "b": card_facts(MODELS[3])})
    assert list(frame.columns) == ["a", "b"]
    assert frame.loc["Parameters", "a"] == "117B" and frame.loc["Parameters", "b"] == ""


# Request schemas of the supported shapes, and values a person could enter in the form they give.
def _number(kind: str) -> st.SearchStrategy[dict[str, Any]]:
    base = st.integers(-1000, 1000) if kind == "integer" else st.floats(-1000, 1000, allow_nan=False)

    def build(lo: Any, span: Any, default_at: float) -> dict[str, Any]:
        hi = lo + abs(span)
        out: dict[str, Any] = {"type": kind, "minimum": lo, "maximum": hi}
        default = lo + (hi - lo) * default_at
        out["default"] = round(default) if kind == "integer" else default
        return out

    return st.builds(build, base, base, st.floats(0, 1))


PROPERTY = st.one_of(
    _number("number"),
    _number("integer"),
    st.just({"type": "boolean", "default": False}),
    st.lists(st.text(min_size=1, max_size=8), min_size=1, max_size=5, unique=True).map(
        lambda xs: {"type": "string", "enum": xs, "default": xs[0]}),
    st.just({"type": "string"}),
    st.just({"type": "object"}),
    st.just({"anyOf": [{"type": "integer", "minimum": 1}, {"type": "null"}]}),
)  # fmt: skip
SCHEMA = st.dictionaries(st.from_regex(r"[a-z][a-z_]{0,12}", fullmatch=True).filter(lambda n: n not in (
    "model", "messages", "stream", "stop", "response_format")), PROPERTY, min_size=1, max_size=8).map(
    lambda props: {"type": "object", "properties": props, "basic": list(props)[:2]})  # fmt: skip


def value_for(spec, data) -> Any:  # type: ignore[no-untyped-def]
    """A value the spec's widget lets a person enter (or None: left unset)."""
    if data.draw(st.booleans()):
        return None
    if spec.kind == "number":
        return data.draw(st.floats(spec.minimum if spec.minimum is not None else -1e6,
                                   spec.maximum if spec.maximum is not None else 1e6, allow_nan=False))  # fmt: skip
    if spec.kind == "integer":
        lo = int(spec.minimum) if spec.minimum is not None else -(10**6)
        return data.draw(st.integers(lo, int(spec.maximum) if spec.maximum is not None else 10**6))
    if spec.kind == "boolean":
        return data.draw(st.booleans())
    if spec.kind == "choice":
        return data.draw(st.sampled_from(spec.choices))
    if spec.kind == "string":
        return data.draw(st.text(min_size=1, max_size=10))
    return data.draw(st.dictionaries(st.text(max_size=4), st.integers(), max_size=2))  # the JSON field


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schema=SCHEMA, data=st.data())
def test_any_supported_schema_gives_a_form_whose_body_validates(schema: dict[str, Any], data) -> None:  # type: ignore[no-untyped-def]
    model = {"id": "m", "json_request_schema": schema}
    specs = specs_for(model)
    assert [s.name for s in specs if s.name != "stream"] == list(schema["properties"])  # nothing lost
    values = {s.name: value_for(s, data) for s in specs if s.name != "stream"}
    assert all(check(s, values[s.name]) is None for s in specs if s.name in values)
    validator = Draft202012Validator(schema)
    for tier in ("As sent", "All parameters", "Basic parameters"):
        body = {k: v for k, v in tier_params(tier, specs, values).items() if k != "stream"}
        validator.validate(body)
