"""The Models page's logic: a provider's model objects as a table, searched and filtered, and a
model card's facts. Only what a model object carries is shown: plain OpenAI lists (id, owned_by)
give short rows, never invented ones."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pandas as pd

from lib.local_model import ModelCard
from lib.params import request_schema, specs_for

COLUMNS = ["ID", "Name", "Developer", "Input", "Output", "Context", "$/1M input", "$/1M output", "Released"]


def developer(model: dict[str, Any]) -> str | None:
    dev = model.get("developer")
    if isinstance(dev, dict) and dev.get("name"):
        return str(dev["name"])
    return str(model["owned_by"]) if model.get("owned_by") else None


def capabilities(model: dict[str, Any], side: str) -> list[str]:
    caps = model.get("capabilities")
    values = caps.get(side) if isinstance(caps, dict) else None
    return [str(v) for v in values] if isinstance(values, list) else []


def per_million(model: dict[str, Any], field: str) -> float | None:
    pricing = model.get("pricing")
    value = pricing.get(field) if isinstance(pricing, dict) else None
    return round(float(value) * 1e6, 6) if isinstance(value, int | float) and not isinstance(value, bool) else None


def catalog_frame(models: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per model; missing facts stay empty."""
    rows = [
        {
            "ID": m["id"],
            "Name": m.get("display_name") or m.get("name"),
            "Developer": developer(m),
            "Input": ", ".join(capabilities(m, "input")) or None,
            "Output": ", ".join(capabilities(m, "output")) or None,
            "Context": m.get("context_length") or m.get("context_window"),
            "$/1M input": per_million(m, "input_cost_per_token"),
            "$/1M output": per_million(m, "output_cost_per_token"),
            "Released": m.get("released_at"),
        }
        for m in models
    ]
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame["Context"] = frame["Context"].astype("Int64")
    return frame.dropna(axis="columns", how="all").astype({"ID": str})


def matches(model: dict[str, Any], query: str) -> bool:
    q = query.strip().lower()
    fields = [model.get("id"), model.get("display_name"), model.get("name"), developer(model), model.get("summary")]
    return not q or any(q in str(f).lower() for f in fields if f)


def filter_models(
    models: list[dict[str, Any]], query: str = "", capability: list[str] | None = None,
    developers: list[str] | None = None,
) -> list[dict[str, Any]]:  # fmt: skip
    """Search by id, name, developer or summary; keep models with every chosen capability (input or
    output) and one of the chosen developers."""
    out = []
    for m in models:
        caps = set(capabilities(m, "input")) | set(capabilities(m, "output"))
        if not matches(m, query):
            continue
        if capability and not set(capability) <= caps:
            continue
        if developers and developer(m) not in developers:
            continue
        out.append(m)
    return out


def all_capabilities(models: list[dict[str, Any]]) -> list[str]:
    return sorted({c for m in models for c in capabilities(m, "input") + capabilities(m, "output")})


def all_developers(models: list[dict[str, Any]]) -> list[str]:
    return sorted({d for m in models if (d := developer(m))})


def _date(ts: Any) -> str | None:
    if not isinstance(ts, int | float) or isinstance(ts, bool):
        return None
    return datetime.fromtimestamp(ts, tz=UTC).date().isoformat()


def _yes_no(v: Any) -> str:
    return "yes" if v else "no"


def _price(model: dict[str, Any]) -> str | None:
    p = model.get("pricing")
    if not isinstance(p, dict):
        return None
    if p.get("input_cost_per_token") is not None or p.get("output_cost_per_token") is not None:

        def fmt(field: str) -> str:
            price = per_million(model, field)
            return "–" if price is None else f"${price:g}"

        return f"{fmt('input_cost_per_token')} input · {fmt('output_cost_per_token')} output per 1M tokens"
    for k, v in p.items():
        if k.startswith("cost_per_") and v is not None:
            return f"${v:g} per {k.removeprefix('cost_per_').replace('_', ' ')}"
    return str(p.get("method")) if p.get("method") else None


FACTS: list[tuple[str, Any]] = [
    ("Model ID", lambda m: m.get("id")),
    ("Name", lambda m: m.get("display_name") or m.get("name")),
    ("Summary", lambda m: m.get("summary")),
    ("Developer", developer),
    ("Parameters", lambda m: m.get("parameters")),
    ("Active parameters", lambda m: m.get("active_parameters")),
    ("Mixture of experts", lambda m: _yes_no(m["mixture_of_experts"]) if "mixture_of_experts" in m else None),
    ("Context length", lambda m: f"{m['context_length']:,} tokens" if m.get("context_length") else None),
    ("Multilingual", lambda m: _yes_no(m["multilingual"]) if "multilingual" in m else None),
    ("Quantization", lambda m: m.get("quantization")),
    ("Precision", lambda m: m.get("precision")),
    ("Input", lambda m: ", ".join(capabilities(m, "input")) or None),
    ("Output", lambda m: ", ".join(capabilities(m, "output")) or None),
    ("Price", _price),
    ("Released", lambda m: m.get("released_at")),
    ("Model type", lambda m: m.get("model_type")),
    ("Endpoint", lambda m: m.get("endpoint")),
    ("Created", lambda m: _date(m.get("created"))),
]


def card_facts(model: dict[str, Any]) -> dict[str, str]:
    """The card's facts, in the model pages' order; facts the object does not carry are left out."""
    out = {}
    for label, get in FACTS:
        value = get(model)
        if value not in (None, "", []):
            out[label] = str(value)
    return out


SERVED_LOCALLY = "llama.cpp on this machine"


def local_card_facts(card: ModelCard, model_id: str) -> dict[str, str]:
    """The embedded model's card, from its GGUF header."""
    facts = {
        "Model ID": model_id,
        "Name": card.display_name or card.name,
        "Developer": card.publisher or "",
        "Served by": SERVED_LOCALLY,
        "Architecture": card.architecture,
        "Parameters": card.parameters_label,
        "Context length": f"{card.context_length:,} tokens",
        "Quantization": card.quantization,
        "File size": f"{card.file_size / 1e6:.0f} MB",
        "Chat template": _yes_no(card.chat_template),
        "Price": "free (runs on this machine)",
    }
    if card.license:
        facts["Licence"] = card.license
    return {k: v for k, v in facts.items() if v}


def local_model_object(card: ModelCard, listed: dict[str, Any]) -> dict[str, Any]:
    """The llama.cpp server's bare listing entry (`owned_by: "me"`) made a model object from the
    GGUF header, so the catalog row reads like any other: name, publisher, context, free."""
    out = {k: v for k, v in listed.items() if k != "owned_by"}
    out |= {
        "display_name": card.display_name or card.name,
        "summary": f"Served by {SERVED_LOCALLY}",
        "capabilities": {"input": ["text"], "output": ["text"]},
        "pricing": {"method": "token", "input_cost_per_token": 0, "output_cost_per_token": 0},
        "context_length": card.context_length,
        "parameters": card.parameters_label,
        "quantization": card.quantization,
    }
    if card.publisher:
        out["developer"] = {"name": card.publisher}
    return out


def parameter_reference(model: dict[str, Any] | None, local: bool = False) -> pd.DataFrame:
    """Field, type, default, range or choices, description: required and basic first, then x-order;
    exactly the parameters the Playground's form offers for this model (`local`: the embedded one)."""
    schema = request_schema(model) or {}
    props = schema.get("properties") or {}
    rows = [
        {"Field": f"{name} (required)", "Type": str(props[name].get("type", "")), "Default": "",
         "Range or choices": "", "Description": str(props[name].get("description") or "")}
        for name in schema.get("required") or [] if isinstance(props.get(name), dict)
    ]  # fmt: skip
    rows += [
        {"Field": s.name, "Type": s.type_name, "Default": "" if s.default is None else str(s.default),
         "Range or choices": s.range_text, "Description": s.description}
        for s in specs_for(model, local=local)
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=["Field", "Type", "Default", "Range or choices", "Description"])


def compare_frame(cards: dict[str, dict[str, str]]) -> pd.DataFrame:
    """Facts as rows, models as columns, for choosing between two models."""
    labels: list[str] = []
    for facts in cards.values():
        labels += [k for k in facts if k not in labels]
    return pd.DataFrame({name: [facts.get(k, "") for k in labels] for name, facts in cards.items()}, index=labels)
