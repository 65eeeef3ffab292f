"""Oxen-style model objects for the stand-in: gpt-oss-120b as its page shows it, and a varied rest."""

from __future__ import annotations

from typing import Any

GPT_OSS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["model", "messages"],
    "basic": ["temperature", "max_tokens", "stream"],
    "properties": {
        "model": {"type": "string", "default": "gpt-oss-120b", "x-order": 0},
        "messages": {"type": "array", "x-order": 1, "description": "The conversation so far."},
        "temperature": {
            "type": "number",
            "default": 0.7,
            "minimum": 0,
            "maximum": 2,
            "x-order": 2,
            "description": "Sampling temperature; higher is more random.",
        },
        "max_tokens": {
            "type": "integer",
            "default": 1024,
            "minimum": 1,
            "maximum": 131072,
            "x-order": 3,
            "description": "The most tokens to generate.",
        },
        "stream": {
            "type": "boolean",
            "default": False,
            "x-order": 4,
            "description": "Stream the answer as server-sent events.",
        },
        "top_p": {
            "type": "number",
            "default": 1.0,
            "minimum": 0,
            "maximum": 1,
            "x-order": 5,
            "description": "Nucleus sampling mass.",
        },
        "frequency_penalty": {
            "type": "number",
            "default": 0,
            "minimum": -2,
            "maximum": 2,
            "x-order": 6,
            "description": "Penalise tokens by how often they appeared.",
        },
        "presence_penalty": {
            "type": "number",
            "default": 0,
            "minimum": -2,
            "maximum": 2,
            "x-order": 7,
            "description": "Penalise tokens that appeared at all.",
        },
    },
}

GPT_OSS_120B: dict[str, Any] = {
    "id": "gpt-oss-120b",
    "object": "model",
    "created": 1754438400,
    "owned_by": "openai",
    "display_name": "GPT-OSS-120B",
    "description": "OpenAI's open-weight **mixture-of-experts** reasoning model: 117B parameters, "
    "5.1B active, 128k context, multilingual, served in MXFP4.",
    "summary": "Open-weight MoE reasoning model",
    "model_type": "base",
    "endpoint": "/chat/completions",
    "capabilities": {"input": ["text"], "output": ["text"]},
    "pricing": {"method": "token", "input_cost_per_token": 1.5e-07, "output_cost_per_token": 6e-07},
    "developer": {"name": "OpenAI", "logo": None},
    "released_at": "2025-08-05",
    "parameters": "117B",
    "active_parameters": "5.1B",
    "mixture_of_experts": True,
    "context_length": 128000,
    "multilingual": True,
    "quantization": "MXFP4",
    "json_request_schema": GPT_OSS_SCHEMA,
}

_DEVS = ["Meta", "Mistral", "Qwen", "Google", "DeepSeek", "Anthropic", "OpenAI", "Black Forest Labs"]


def _model(i: int) -> dict[str, Any]:
    dev = _DEVS[i % len(_DEVS)]
    kind = ("text", "image", "video")[0 if i % 5 else (1 if i % 10 else 2)]
    endpoint = {"text": "/chat/completions", "image": "/images/generate", "video": "/videos/generate"}[kind]
    pricing: dict[str, Any] | None
    if kind == "text":
        pricing = {
            "method": "token",
            "input_cost_per_token": round(1e-7 * (i + 1), 12),
            "output_cost_per_token": None if i % 7 == 3 else round(4e-7 * (i + 1), 12),
        }
    elif kind == "image":
        pricing = {"method": "per_image", "cost_per_image": 0.04}
    else:
        pricing = {"method": "per_video_output_second", "cost_per_second": 0.1}
    schema: dict[str, Any] | None = None
    if kind == "text" and i % 3 == 0:
        schema = {
            "type": "object",
            "basic": ["temperature", "max_tokens"],
            "properties": {
                "temperature": {"type": "number", "default": 0.5, "minimum": 0, "maximum": 1},
                "max_tokens": {"type": "integer", "default": 512, "minimum": 1},
                "reasoning_effort": {
                    "type": "string",
                    "enum": ["low", "medium", "high"],
                    "default": "medium",
                },
            },
        }
    return {
        "id": f"{dev.lower().replace(' ', '-')}-model-{i:02d}",
        "object": "model",
        "created": 1700000000 + i * 86400,
        "owned_by": dev.lower(),
        "display_name": f"{dev} Model {i:02d}",
        "description": None if i % 4 == 1 else f"A {kind} model from {dev}.",
        "model_type": "base" if i % 6 else "custom",
        "endpoint": endpoint,
        "capabilities": {"input": ["text"] + (["image"] if i % 4 == 0 else []), "output": [kind]},
        "pricing": None if i % 11 == 5 else pricing,
        "developer": {"name": dev, "logo": None},
        "released_at": None if i % 9 == 2 else f"2025-{(i % 12) + 1:02d}-15",
        ("request_schema" if i % 2 else "json_request_schema"): schema,
    }


MODELS: list[dict[str, Any]] = [GPT_OSS_120B] + [_model(i) for i in range(1, 32)]
