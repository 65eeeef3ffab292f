"""A conversation written out: JSON (OpenAI `messages` plus the setup and every detail the store
keeps, the format `importer.py` reads back), Markdown to read, Python that replays the last request,
and JSONL for many. Pure functions over records; never a key (the records hold none)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from lib import snippets
from lib.conversation import metrics_line
from lib.errors import WorkbenchError
from lib.providers import builtin_providers, with_base_url, with_extras
from lib.request import ChatRequest, HttpRequest, Message, to_http
from lib.store.errors import StoreError
from lib.store.messages import on_screen
from lib.store.records import Conversation, StoredMessage
from lib.store.redact import setup_json

FORMAT = "workbench.conversation"
VERSION = 1


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def details(m: StoredMessage, order: int) -> dict[str, Any]:
    """What the store keeps of a message beyond the OpenAI fields; empty values left out."""
    out: dict[str, Any] = {
        "id": m.id,
        "parent_id": m.parent_id,
        "order": order,
        "reasoning": m.reasoning,
        "refusal": m.refusal,
        "other_parts": m.other_parts,
        "status": m.status,
        "finish_reason": m.finish_reason,
        "error": m.error,
        "error_action": m.error_action,
        "provider": m.provider,
        "model": m.model,
        "request": m.request,
        "max_tokens": m.max_tokens,
        "metrics": {k: v for k, v in vars(m.metrics).items() if v is not None},
        "usage": None,
        "page": m.page,
        "compare_group": m.compare_group,
        "compare_pane": m.compare_pane,
        "batch_id": m.batch_id,
        "batch_row": m.batch_row,
        "created_at": iso(m.created_at),
        "updated_at": iso(m.updated_at),
        "finished_at": iso(m.finished_at),
    }
    if m.usage is not None:
        out["usage"] = {"prompt_tokens": m.usage.prompt_tokens, "completion_tokens": m.usage.completion_tokens,
                        "total_tokens": m.usage.total_tokens, "source": m.usage.source}  # fmt: skip
    return {k: v for k, v in out.items() if v is not None and v != "" and v != [] and v != {}}


def conversation_json(conversation: Conversation, messages: list[StoredMessage]) -> dict[str, Any]:
    """The conversation as JSON: `messages` is the branch on screen (root to newest, ready to send to
    a chat-completions API) with `details` beside it; `branches` holds the messages off that branch
    (earlier answers that were regenerated); `order` keeps every message's place."""
    order = {m.id: n for n, m in enumerate(messages)}
    thread = on_screen(messages, conversation.shown)
    on_thread = {m.id for m in thread}
    return {
        "format": FORMAT,
        "version": VERSION,
        "id": conversation.id,
        "title": conversation.title,
        "page": conversation.page,
        "provider": conversation.provider,
        "model": conversation.model,
        "starred": conversation.starred,
        "status": conversation.status,
        "forked_from": conversation.forked_from,
        "created_at": iso(conversation.created_at),
        "updated_at": iso(conversation.updated_at),
        "setup": setup_json(conversation.setup),
        "messages": [m.to_openai() for m in thread],
        "details": [details(m, order[m.id]) for m in thread],
        "branches": [
            {"message": m.to_openai(), "details": details(m, order[m.id])} for m in messages if m.id not in on_thread
        ],
    }


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


def jsonl(exports: Iterable[dict[str, Any]]) -> str:
    """Many conversations, one JSON export per line."""
    return "".join(json.dumps(e, ensure_ascii=False, separators=(",", ":")) + "\n" for e in exports)


def _setup_lines(conversation: Conversation) -> list[str]:
    setup = conversation.setup
    lines = [f"- Provider: {conversation.provider or setup.provider_id or 'unknown'} · "
             f"Model: {conversation.model or setup.model or 'unknown'} · Page: {conversation.page}"]  # fmt: skip
    if setup.base_url:
        lines.append(f"- Base URL: {setup.base_url}")
    if setup.params:
        lines.append("- Parameters: " + ", ".join(f"{k} {json.dumps(v)}" for k, v in setup.params.items()))
    if setup.variables:
        lines.append("- Variables: " + ", ".join(f"{k} = {json.dumps(v)}" for k, v in setup.variables.items()))
    lines.append(f"- Started {conversation.created_at:%Y-%m-%d %H:%M} UTC, last activity "
                 f"{conversation.updated_at:%Y-%m-%d %H:%M} UTC")  # fmt: skip
    return lines


def _quote(text: str) -> str:
    return "\n".join("> " + line if line else ">" for line in text.splitlines())


def markdown(conversation: Conversation, messages: list[StoredMessage]) -> str:
    """The branch on screen as a Markdown document: the setup, then each message under its role."""
    out = [f"# {conversation.title or 'Untitled conversation'}", "", *_setup_lines(conversation)]
    if conversation.setup.system:
        out += ["", "## System prompt", "", conversation.setup.system]
    for m in on_screen(messages, conversation.shown):
        out += ["", f"## {m.role.capitalize()}" + (f" ({m.model})" if m.is_run and m.model else ""), ""]
        if m.reasoning:
            out += ["> **Reasoning**", ">", _quote(m.reasoning), ""]
        if m.content:
            out.append(m.content)
        if m.refusal:
            out += ["", f"**Refusal:** {m.refusal}"]
        for call in m.tool_calls:
            function = call.get("function") or {}
            name, arguments = function.get("name", ""), function.get("arguments", "")
            out += ["", f"**Tool call** `{name}`", "", "```json", str(arguments), "```"]
        if m.error:
            out += ["", f"**Error:** {m.error}"]
        if m.is_run:
            out += ["", f"*{m.status or 'complete'}* · " + metrics_line(m.to_chat_message())]
    return "\n".join(out).rstrip() + "\n"


def replay_request(conversation: Conversation, messages: list[StoredMessage]) -> HttpRequest:
    """The last request of the branch on screen as it was sent; for a conversation with no run (an
    import), the request its setup and messages make. StoreError when there is neither."""
    for m in reversed(on_screen(messages, conversation.shown)):
        wire = m.http_request()
        if wire is not None:
            return wire
    setup = conversation.setup
    provider = builtin_providers().get(setup.provider_id)
    if provider is None or not setup.model:
        raise StoreError("This conversation has no request to replay and no provider and model to make one.")
    try:
        if setup.base_url:
            provider = with_base_url(provider, setup.base_url)
    except WorkbenchError as exc:
        raise StoreError(str(exc)) from None
    provider = with_extras(provider, setup.extras)
    system = [Message("system", setup.system)] if setup.system.strip() else []
    chat = [Message(m.role, m.content, m.name, m.tool_call_id, m.tool_calls or None)
            for m in on_screen(messages, conversation.shown) if m.content or m.tool_calls]  # fmt: skip
    return to_http(ChatRequest(provider, setup.model, system + chat, dict(setup.params)))


def python(conversation: Conversation, messages: list[StoredMessage]) -> str:
    """Runnable Python (requests) that sends the last request again; the key from its variable."""
    return snippets.render(replay_request(conversation, messages), "python")
