"""A Batch's template: the Playground's request (system prompt, messages, parameters) with `{{column}}`
variables, each mapped to a column of the data set; one row fills it into one ChatRequest."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from lib.providers import Provider
from lib.request import ChatRequest, Message, Role
from lib.variables import PLACEHOLDER, names


class TemplateError(ValueError):
    """One sentence: a variable with no column, an empty template; nothing is sent."""


@dataclass(frozen=True)
class Template:
    prompt: str  # the user message sent for each row
    system: str = ""
    # Earlier turns from the Playground (role, content), sent before the prompt, variables filled too.
    history: tuple[tuple[str, str], ...] = ()
    params: dict[str, Any] = field(default_factory=dict)

    def texts(self) -> list[str]:
        return [self.system, *(c for _, c in self.history), self.prompt]

    def variables(self) -> list[str]:
        """The `{{variables}}` used, in first-seen order."""
        return names(self.texts())

    def to_json(self) -> dict[str, Any]:
        return {"prompt": self.prompt, "system": self.system, "history": [list(h) for h in self.history],
                "params": dict(self.params)}  # fmt: skip

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> Template:
        history = tuple((str(r), str(c)) for r, c in data.get("history") or ())
        params = dict(data.get("params") or {})
        return Template(str(data.get("prompt", "")), str(data.get("system", "")), history, params)


def auto_mapping(variables: Sequence[str], columns: Sequence[str]) -> dict[str, str | None]:
    """Each variable mapped to the column of the same name (ignoring case), else to none."""
    by_lower = {c.lower(): c for c in columns}
    return {v: (v if v in columns else by_lower.get(v.lower())) for v in variables}


def check(template: Template, mapping: Mapping[str, str | None], columns: Sequence[str]) -> None:
    """TemplateError (one sentence) when the template cannot run over these columns."""
    if not template.prompt.strip():
        raise TemplateError("The prompt template is empty; write the message to send for each row.")
    for variable in template.variables():
        column = mapping.get(variable)
        if not column:
            raise TemplateError(
                f"The variable {{{{{variable}}}}} has no column; pick one for it under Variables, "
                "or remove it from the template."
            )
        if column not in columns:
            raise TemplateError(
                f"The variable {{{{{variable}}}}} is mapped to the column `{column}`, which the data set "
                "does not have; pick another column."
            )


def fill(text: str, mapping: Mapping[str, str | None], row: Mapping[str, str]) -> str:
    """The text with each variable replaced by its column's value in this row (an empty cell is empty,
    not the placeholder)."""

    def value(m: Any) -> str:
        column = mapping.get(m.group(1))
        return row.get(column, "") if column else m.group(0)

    return PLACEHOLDER.sub(value, text)


def messages_for(template: Template, mapping: Mapping[str, str | None], row: Mapping[str, str]) -> list[Message]:
    out: list[Message] = []
    if template.system.strip():
        out.append(Message("system", fill(template.system, mapping, row)))
    for role, content in template.history:
        out.append(Message(_role(role), fill(content, mapping, row)))
    out.append(Message("user", fill(template.prompt, mapping, row)))
    return out


def _role(role: str) -> Role:
    return role if role in ("system", "developer", "user", "assistant") else "user"  # type: ignore[return-value]


def request_for(
    template: Template, mapping: Mapping[str, str | None], row: Mapping[str, str], provider: Provider, model: str,
    params: Mapping[str, Any] | None = None,
) -> ChatRequest:  # fmt: skip
    """The ChatRequest for one row on one model: the template's parameters, then the model's own."""
    merged = {**template.params, **(params or {})}
    return ChatRequest(provider, model, messages_for(template, mapping, row), merged)
