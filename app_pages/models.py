"""Models: the provider's catalog (searchable, filterable), a model card with its parameter
reference, "Try in Playground", and two cards side by side."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from lib.catalog import search_models
from lib.errors import WorkbenchError
from lib.local_model import MODEL_ID, find_gguf, read_card
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
from lib.safe_markdown import safe_markdown
from lib.snippets import render
from ui import keys, presenter, state
from ui.api_panel import details_request
from ui.sidebar import model_details_cached, provider_models
from ui.state import Connection, set_later

ss = st.session_state
st.title("Models")
connected = state.connection()
if connected is None:
    st.info("Choose a provider in the sidebar to see its models.")
    st.stop()
conn: Connection = connected


@st.cache_data(show_spinner=False)
def local_card(path: str) -> Any:
    """The GGUF header, read once per process (it takes seconds); it holds no key."""
    from pathlib import Path

    return read_card(Path(path))


def details(model: dict[str, Any]) -> dict[str, Any]:
    """The full model object (`GET /models/{id}`), kept for this session; the listing's on failure."""
    full = model_details_cached(conn.provider, conn.key.value, model["id"])
    return full if isinstance(full, dict) else model


def facts_of(model: dict[str, Any]) -> dict[str, str]:
    if conn.provider.local:
        try:
            return local_card_facts(local_card(str(find_gguf())), model["id"])
        except WorkbenchError as exc:
            st.error(str(exc))
    return card_facts(details(model))


def show_card(model: dict[str, Any]) -> None:
    full = model if conn.provider.local else details(model)
    facts = facts_of(model)
    with st.container(border=True, key="model-card"):
        head = st.container(horizontal=True, vertical_alignment="center")
        head.subheader(facts.get("Name") or model["id"])
        if head.button("Try in Playground", type="primary", icon=":material/chat:"):
            set_later({keys.PROVIDER: conn.provider.id, keys.model(conn.provider.id): model["id"]})
            st.switch_page("app_pages/playground.py")
        problem = ss.get(keys.MODEL_DETAILS, {}).get((conn.provider.id, conn.provider.base_url, model["id"]))
        if isinstance(problem, str):
            st.caption(f"Showing the listing's facts: {problem}")
        if full.get("description"):
            st.markdown(safe_markdown(str(full["description"])))
        st.table(pd.DataFrame({"Fact": list(facts), "Value": list(facts.values())}).set_index("Fact"))
        st.markdown("**Parameters**")
        if conn.provider.local:
            st.caption("The parameters the Playground's form offers for this model, with llama.cpp's defaults.")
        elif not (full.get("json_request_schema") or full.get("request_schema")):
            st.caption("No request schema: the standard chat-completions parameters apply.")
        st.table(parameter_reference(full, local=conn.provider.local).set_index("Field"))
        if presenter.active():  # the request names the server's address: not on a projector
            return
        with st.expander("Raw model JSON and the request that fetches it"):
            st.json(full, expanded=False)
            request, note = details_request(conn.provider, model["id"])
            if note:
                st.caption(note)
            st.code(render(request, "curl"), language="bash")
            st.code(render(request, "python"), language="python")


head = st.container(horizontal=True, vertical_alignment="center")
head.caption(conn.provider.label if presenter.active() else f"{conn.provider.label} · `{conn.provider.base_url}`")
if head.button("Refresh", icon=":material/refresh:"):
    ss[keys.MODELS_CACHE].pop((conn.provider.id, conn.provider.base_url), None)
    ss.pop(keys.MODEL_DETAILS, None)
    st.rerun()

listing = provider_models((conn.provider.id, conn.provider.base_url), conn.provider, conn.key.value)
models: list[dict[str, Any]] = listing if isinstance(listing, list) else []
if conn.provider.local:  # llama.cpp lists a bare id ("owned_by": "me"): its GGUF header says the rest
    try:
        card = local_card(str(find_gguf()))
        models = [local_model_object(card, m) if m["id"] == MODEL_ID else m for m in models]
    except WorkbenchError as exc:
        st.error(str(exc))
if isinstance(listing, str):
    st.error(f"Could not list models: {listing}")

filters = st.columns([2, 1, 1])
query = filters[0].text_input("Search models", key="models_search", placeholder="id, name or developer")
caps = filters[1].multiselect("Capabilities", all_capabilities(models), key="models_caps")
devs = filters[2].multiselect("Developer", all_developers(models), key="models_devs")
pool = models
if query and conn.provider.has_search:
    try:  # the provider's own search where it has one; otherwise the filter below does it
        pool = search_models(conn.provider, conn.key.value, query)
        query_for_filter = ""
    except WorkbenchError:
        query_for_filter = query
else:
    query_for_filter = query
shown = filter_models(pool, query_for_filter, caps, devs)
st.caption(f"{len(shown)} of {len(models)} models")
if shown:
    table = st.dataframe(
        catalog_frame(shown), hide_index=True, on_select="rerun", selection_mode="single-row",
        key="models_table", width="stretch", placeholder="–",  # a fact the provider does not give
    )  # fmt: skip
    picked = table.selection.rows if table and table.selection else []
    ids = [m["id"] for m in shown]
    pick = ids[picked[0]] if picked and picked[0] < len(ids) else None
    if pick and pick != ss.get("models_last_pick"):  # a new click in the table opens that card
        ss.models_card = pick
    ss.models_last_pick = pick
    if ss.get("models_card") not in ids:
        ss.models_card = conn.model if conn.model in ids else ids[0]
    card_id = st.selectbox("Model card", ids, key="models_card")
    show_card(next(m for m in shown if m["id"] == card_id))
elif models:
    st.info("No model matches; clear the search or the filters.")

if len(models) > 1:
    st.markdown("### Compare models")
    pair = st.multiselect("Compare models", [m["id"] for m in models], max_selections=4,
                          key="models_compare", label_visibility="collapsed",
                          placeholder="Pick two to four models to see their facts and prices side by side")  # fmt: skip
    if len(pair) >= 2:
        by_id = {m["id"]: m for m in models}
        st.table(compare_frame({mid: facts_of(by_id[mid]) for mid in pair}))
        link = {"provider": conn.provider.id, "models": ",".join(pair)}
        if conn.provider.base_url != state.providers()[conn.provider.id].base_url:
            link["base_url"] = conn.provider.base_url  # a base URL typed in the sidebar
        if st.button(
            "Compare their answers",
            icon=":material/compare_arrows:",
            key="models-to-compare",
            help="Opens Compare with one pane per model, answering the same messages at once.",
        ):
            st.switch_page("app_pages/compare.py", query_params=link)
