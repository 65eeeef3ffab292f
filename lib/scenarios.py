"""Scenarios: a demo prepared at a desk and run anywhere. A named setup (provider, model, base URL,
parameters, system prompt) and a list of prompts, each with its recorded answer (lib/recording.py),
made from a conversation; exported as one JSON file and imported on another machine. Never a key:
the file holds no key field, and a parameter that looks like a credential is left out."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from lib.recording import from_json as recording_from_json

FORMAT = "workbench-scenario"
VERSION = 1
MAX_STEPS = 200


@dataclass
class Step:
    prompt: str
    recording: dict[str, Any] | None = None  # lib/recording.py's JSON of the answer, when recorded


@dataclass
class Scenario:
    name: str
    provider_id: str
    model: str
    base_url: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    system: str = ""
    steps: list[Step] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "name": self.name,
            "setup": {
                "provider": self.provider_id,
                "model": self.model,
                "base_url": self.base_url,
                "params": _safe_params(self.params),
                "system": self.system,
            },
            "steps": [{"prompt": s.prompt, "recording": s.recording} for s in self.steps],
        }


# A parameter named like a credential, or a value shaped like a key ("max_tokens" is not one).
_SECRET_NAME = re.compile(r"api[-_]?key|secret|password|passwd|authorization|bearer|access[-_]?token", re.I)
_SECRET_VALUE = re.compile(r"^\s*(bearer\s|basic\s|sk-|sk_|xox[a-z]-|ghp_|gsk_|hf_)", re.I)


def _safe_params(params: dict[str, Any]) -> dict[str, Any]:
    """The parameters without any whose name or value reads as a credential."""
    return {k: v for k, v in params.items()
            if not _SECRET_NAME.search(k) and not (isinstance(v, str) and _SECRET_VALUE.match(v))}  # fmt: skip


def from_conversation(
    name: str,
    provider_id: str,
    model: str,
    base_url: str | None,
    params: dict[str, Any],
    system: str,
    turns: list[tuple[str, dict[str, Any] | None]],
) -> Scenario:
    """A scenario from a conversation's questions, each with its answer's recording (or None)."""
    clean = " ".join(name.split())
    if not clean:
        raise ValueError("A scenario needs a name.")
    steps = [Step(prompt, rec) for prompt, rec in turns if prompt.strip()]
    if not steps:
        raise ValueError("The conversation has no question to make a scenario of; ask one first.")
    return Scenario(clean, provider_id, model, base_url, _safe_params(params), system, steps)


def from_json(data: Any) -> Scenario:
    """A scenario from its JSON, checked; ValueError with one sentence when it is not one."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError("This file is not a Workbench scenario (export one from the Scenarios list).")
    if data.get("version") != VERSION:
        raise ValueError("This scenario was made by another version of Workbench; it cannot be read here.")
    setup, steps = data.get("setup"), data.get("steps")
    name = data.get("name")
    if not (isinstance(setup, dict) and isinstance(steps, list) and isinstance(name, str) and name.strip()):
        raise ValueError("The scenario is damaged: it needs a name, a provider, a model and its prompts.")
    if not isinstance(setup.get("provider"), str) or not isinstance(setup.get("model"), str):
        raise ValueError("The scenario is damaged: it needs a name, a provider, a model and its prompts.")
    if len(steps) > MAX_STEPS:
        raise ValueError(f"The scenario has over {MAX_STEPS} prompts; it was not loaded.")
    read: list[Step] = []
    for step in steps:
        if not isinstance(step, dict) or not isinstance(step.get("prompt"), str):
            raise ValueError("The scenario is damaged: each step needs a prompt.")
        rec = step.get("recording")
        if rec is not None:
            recording_from_json(rec)  # a damaged recording is said now, not in the middle of a demo
        read.append(Step(step["prompt"], rec))
    base_url = setup.get("base_url") if isinstance(setup.get("base_url"), str) else None
    params: dict[str, Any] = setup["params"] if isinstance(setup.get("params"), dict) else {}
    system = str(setup["system"]) if isinstance(setup.get("system"), str) else ""
    return Scenario(" ".join(name.split()), setup["provider"], setup["model"], base_url, _safe_params(params),
                    system, read)  # fmt: skip


def export_text(scenario: Scenario) -> str:
    """The scenario as one file's text."""
    return json.dumps(scenario.to_json(), ensure_ascii=False, indent=1)


def import_text(text: str | bytes) -> Scenario:
    """A scenario from a file's text; ValueError with one sentence when it cannot be read."""
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError("This file is not a Workbench scenario: it is not JSON.") from exc
    return from_json(data)
