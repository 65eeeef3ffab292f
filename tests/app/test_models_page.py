"""The Models page through AppTest against the stand-in: search, card, Try in Playground, failures."""

from __future__ import annotations

import pytest

from tests.support.stand_in import StandIn


@pytest.fixture
def models_app(make_app, stand_in: StandIn, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("OXEN_BASE_URL", stand_in.base_url)
    monkeypatch.setenv("OXEN_API_KEY", "sk-models")
    at = make_app(provider="oxen", model="mistral-model-01").run()
    return at.switch_page("app_pages/models.py").run()


def test_search_card_and_try_in_playground(models_app, stand_in: StandIn) -> None:  # type: ignore[no-untyped-def]
    at = models_app
    assert not at.exception
    assert "32 of 32 models" in [c.value for c in at.caption]
    at.text_input(key="models_search").set_value("gpt-oss").run()
    assert at.selectbox(key="models_card").options == ["gpt-oss-120b"]
    assert any(r.path == "/api/ai/models/search" for r in stand_in.requests)  # the provider's own search
    facts = at.table[0].value
    assert facts.loc["Active parameters", "Value"] == "5.1B" and facts.loc["Quantization", "Value"] == "MXFP4"
    assert "mixture-of-experts" in " ".join(m.value for m in at.markdown)
    next(b for b in at.button if b.label == "Try in Playground").click().run()
    assert at.title[0].value == "Playground"
    assert at.sidebar.selectbox(key="model_oxen").value == "gpt-oss-120b"
    # The schema-driven form: gpt-oss-120b's basic parameters with its defaults as placeholders.
    assert [w.label for w in at.number_input][:2] == ["Temperature", "Max tokens"]
    assert at.number_input(key="param_temperature").placeholder == "Not sent · default 0.7"


def test_filters_and_compare(models_app) -> None:  # type: ignore[no-untyped-def]
    at = models_app
    at.multiselect(key="models_caps").set_value(["video"]).run()
    assert all(o.startswith(("mistral", "meta", "qwen", "google", "deepseek", "anthropic", "openai", "black"))
               for o in at.selectbox(key="models_card").options)  # fmt: skip
    assert len(at.selectbox(key="models_card").options) == 3
    at.multiselect(key="models_compare").set_value(["gpt-oss-120b", "qwen-model-02"]).run()
    side_by_side = at.table[-1].value
    assert list(side_by_side.columns) == ["gpt-oss-120b", "qwen-model-02"]
    assert side_by_side.loc["Parameters", "gpt-oss-120b"] == "117B"


@pytest.mark.parametrize("status", [401, 500])
def test_failing_listing_says_why_and_the_page_works(make_app, stand_in: StandIn, monkeypatch, status: int) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("OXEN_BASE_URL", stand_in.base_url)
    monkeypatch.setenv("OXEN_API_KEY", "sk-models")
    stand_in.models_status = status
    try:
        at = make_app(provider="oxen", model="gpt-oss-120b").run().switch_page("app_pages/models.py").run()
        assert not at.exception
        problems = [e.value for e in at.error if e.value.startswith("Could not list models:")]
        assert len(problems) == 1 and (("key" in problems[0]) if status == 401 else ("500" in problems[0]))
        at.text_input(key="models_search").set_value("x").run()  # still usable
        assert not at.exception
    finally:
        stand_in.models_status = None


def test_local_model_card_from_gguf(make_app) -> None:  # type: ignore[no-untyped-def]
    at = make_app().run().switch_page("app_pages/models.py").run()
    facts = at.table[0].value
    assert facts.loc["Architecture", "Value"] == "llama"
    assert facts.loc["Parameters", "Value"].endswith("M") and "tokens" in facts.loc["Context length", "Value"]
