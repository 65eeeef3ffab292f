"""The API-call panel: the exact request, as runnable code in every language, to copy or download,
in the model pages' tiers (Minimal, Basic parameters, All parameters) or exactly as sent."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from lib import tools
from lib.params import TIERS, ParamSpec, tier_params
from lib.providers import Provider
from lib.request import ChatRequest, HttpRequest, model_details_request, models_request, to_http
from lib.snippets import LANGUAGES, render

DETAILS = "Model details"
TIER_HELP = (
    "Minimal: model and messages. Basic and All: the model's basic or every parameter, with your "
    "values where set and the model's defaults elsewhere. As sent: exactly what Send sends. "
    "Details: the request that fetches the model's own description (GET /models/{id}), or the "
    "nearest one the server has."
)


def details_request(provider: Provider, model: str) -> tuple[HttpRequest, str | None]:
    """The request that describes `model` on this server, and a sentence when it is not
    `GET /models/{id}` (llama.cpp's server has none: a request for it would 404)."""
    if provider.has_model_details:
        return model_details_request(provider, model), None
    return models_request(provider), (
        f"{provider.label}'s server has no GET /models/{{id}}; its model list (GET /models) is the request "
        "that describes its models here."
    )


def short_label(tier: str) -> str:
    return "Details" if tier == DETAILS else tier.removesuffix(" parameters")


def api_call_panel(request: ChatRequest | None, specs: list[ParamSpec]) -> None:
    """Tabs "cURL", "Python", ... each one st.code block with the whole runnable request."""
    with st.container(key="api-call", border=True):
        st.markdown("**API call**")
        if request is None:
            st.caption("Choose a provider and a model to see the request as code.")
            return
        tier = st.segmented_control("Tier", (*TIERS, DETAILS), default="As sent", key="api_tier", help=TIER_HELP,
                                    format_func=short_label) or "As sent"  # fmt: skip
        if tier == DETAILS:
            wire, note = details_request(request.provider, request.model)
            if note:
                st.caption(note)
        else:
            params = tier_params(tier, specs, request.params, tool_history=tools.in_history(request.messages))
            wire = to_http(replace(request, params=params))
        if wire.key_env:
            st.caption(f"Reads the key from ${wire.key_env}; the key itself is never shown.")
        for held in wire.secret_headers:  # credential headers: read from a variable, never written
            st.caption(f"Reads {held.name} from ${held.env}; its value is never shown.")
        # Only the open tab's code is built and sent: five long snippets of a long conversation would
        # make every parameter change slow to show (bench/ui_stream.py).
        tabs = st.tabs([lang.label for lang, _ in LANGUAGES.values()], key="api_lang", on_change="rerun")
        for tab, (name, (lang, _)) in zip(tabs, LANGUAGES.items(), strict=True):
            if tab.open is False:
                continue
            with tab:
                code = render(wire, name)
                st.code(code, language=lang.code_language, wrap_lines=True)
                st.download_button(
                    f"Download .{lang.extension}",
                    code,
                    file_name=f"{'model_details' if tier == DETAILS else 'chat_request'}.{lang.extension}",
                    mime="text/plain",
                    key=f"download-{name}",
                )
