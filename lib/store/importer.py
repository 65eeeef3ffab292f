"""Reading an import: the app's own JSON or JSONL export, an OpenAI `messages` array, or a chat request
body (`{"model": ..., "messages": [...]}`), one per line in JSONL. Everything is read and checked
before anything is written; the first problem refuses the whole file with one sentence that names
the line. Pure: `transfer.py` writes what this returns, in one transaction."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lib.request import HttpRequest
from lib.share import Setup
from lib.store.base import as_utc
from lib.store.errors import ImportRefused
from lib.store.export import FORMAT
from lib.store.records import ROLES
from lib.store.redact import request_from_json, request_json, setup_from_json, setup_json

MAX_IMPORT_BYTES = 50 * 1024 * 1024
MAX_CONVERSATIONS = 10_000
MAX_MESSAGES = 10_000  # in one conversation
STATUSES = frozenset({"", "running", "complete", "stopped", "incomplete", "error", "interrupted"})
_STRINGS = ("reasoning", "refusal", "status", "finish_reason", "error", "error_action", "provider", "model",
            "page", "compare_group", "batch_id")  # fmt: skip
_INTS = ("max_tokens", "compare_pane", "batch_row")
_METRICS = ("ttft", "latency", "tokens_per_s", "cost")
_TOKENS = ("prompt_tokens", "completion_tokens", "total_tokens")
_SHORT = {"status": 16, "finish_reason": 64, "error_action": 32, "provider": 64, "model": 255, "page": 32,
          "compare_group": 32, "batch_id": 32, "name": 255, "tool_call_id": 255}  # fmt: skip


@dataclass
class IncomingMessage:
    old_id: str | None  # the id in the file, to link children to it
    old_parent: str | None
    order: int
    values: dict[str, Any]  # message columns
    on_thread: bool = False  # among the export's `messages` (the thread on screen), not its branches


@dataclass
class IncomingConversation:
    values: dict[str, Any]  # conversation columns (no id, no owner)
    messages: list[IncomingMessage] = field(default_factory=list)
    titled: bool = False  # the file gives the title (even an empty one): the first question does not make it


class _Bad(Exception):
    """A problem inside one document, worded to follow its place ("Line 3: ...")."""


def _str(value: Any, what: str, limit: int | None = None, optional: bool = True) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise _Bad(f"{what} is not text")
    if limit is not None and len(value) > limit:
        raise _Bad(f"{what} is longer than {limit} characters")
    return value


def _int(value: Any, what: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Bad(f"{what} is not a whole number")
    if abs(value) > 2**31 - 1:
        raise _Bad(f"{what} is too large")
    return value


def _float(value: Any, what: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Bad(f"{what} is not a number")
    return float(value)


def _time(value: Any, what: str) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise _Bad(f"{what} is not a date and time")
    try:
        return as_utc(datetime.fromisoformat(value))
    except ValueError:
        raise _Bad(f"{what} is not an ISO date and time") from None


def _content(value: Any, what: str) -> tuple[str, list[str]]:
    """Text content, or the text of its parts and the types of the parts that are not text."""
    if value is None:
        return "", []
    if isinstance(value, str):
        return value, []
    if isinstance(value, list):
        texts, others = [], []
        for part in value:
            if not isinstance(part, dict):
                raise _Bad(f"{what}'s content has a part that is not an object")
            if part.get("type") == "text" and isinstance(part.get("text"), str):
                texts.append(part["text"])
            else:
                others.append(str(part.get("type") or "untyped"))
        return "".join(texts), others
    raise _Bad(f"{what}'s content is neither text nor a list of parts")


def _message(raw: Any, n: int, extra: Any, order: int) -> IncomingMessage:
    what = f"message {n}"
    if not isinstance(raw, dict):
        raise _Bad(f"{what} is not an object")
    role = raw.get("role")
    if role not in ROLES:
        raise _Bad(f"{what} has the role {json.dumps(role)}, not one of {', '.join(ROLES)}")
    content, others = _content(raw.get("content"), what)
    tool_calls = raw.get("tool_calls")
    if tool_calls is not None and not (isinstance(tool_calls, list) and all(isinstance(c, dict) for c in tool_calls)):
        raise _Bad(f"{what}'s tool_calls is not a list of objects")
    values: dict[str, Any] = {
        "role": role,
        "content": content,
        "name": _str(raw.get("name"), f"{what}'s name", _SHORT["name"]),
        "tool_call_id": _str(raw.get("tool_call_id"), f"{what}'s tool_call_id", _SHORT["tool_call_id"]),
        "tool_calls": tool_calls or None,
        "other_parts": others or None,
    }
    extra = extra if extra is not None else {}
    if not isinstance(extra, dict):
        raise _Bad(f"the details of {what} are not an object")
    for key in _STRINGS:
        if key in extra:
            values[key] = _str(extra[key], f"{what}'s {key}", _SHORT.get(key))
    if values.get("status") is not None and values["status"] not in STATUSES:
        raise _Bad(f"{what}'s status {json.dumps(values['status'])} is not one the app writes")
    for key in ("reasoning", "refusal", "status"):
        values[key] = values.get(key) or ""
    if values.get("page") is None:
        values.pop("page", None)
    for key in _INTS:
        values[key] = _int(extra.get(key), f"{what}'s {key}")
    if extra.get("other_parts") is not None:
        parts = extra["other_parts"]
        if not isinstance(parts, list) or not all(isinstance(p, str) for p in parts):
            raise _Bad(f"{what}'s other_parts is not a list of names")
        values["other_parts"] = parts or None
    metrics = extra.get("metrics") or {}
    usage = extra.get("usage")
    if not isinstance(metrics, dict) or not (usage is None or isinstance(usage, dict)):
        raise _Bad(f"{what}'s metrics are not an object")
    for key in _METRICS:
        values[key] = _float(metrics.get(key), f"{what}'s {key}")
    if usage is not None:
        for key in _TOKENS:
            values[key] = _int(usage.get(key), f"{what}'s {key}")
        source = usage.get("source", "reported")
        if source not in ("reported", "counted"):
            raise _Bad(f"{what}'s usage source is neither reported nor counted")
        values["usage_source"] = source
    request = extra.get("request")
    if request is not None:
        if not isinstance(request, dict):
            raise _Bad(f"{what}'s request is not an object")
        wire: HttpRequest = request_from_json(request)
        values["request"] = request_json(wire)  # what a file says was sent, cleaned of credentials
    for key in ("created_at", "updated_at", "finished_at"):
        stamp = _time(extra.get(key), f"{what}'s {key}")
        if stamp is not None:
            values[key] = stamp
    if values.get("status") == "running":  # nothing streams it here
        values["status"] = "interrupted"
    place = extra.get("order", order)
    if isinstance(place, bool) or not isinstance(place, int):
        raise _Bad(f"{what}'s order is not a whole number")
    old_id = _str(extra.get("id"), f"{what}'s id", 64)
    old_parent = _str(extra.get("parent_id"), f"{what}'s parent_id", 64)
    return IncomingMessage(old_id, old_parent, place, values)


def _messages(raw: Any, details: Any = None, branches: Any = None) -> list[IncomingMessage]:
    if not isinstance(raw, list):
        raise _Bad("its messages are not a list")
    if details is not None and (not isinstance(details, list) or len(details) != len(raw)):
        raise _Bad("its details do not match its messages one for one")
    branches = branches or []
    if not isinstance(branches, list):
        raise _Bad("its branches are not a list")
    if len(raw) + len(branches) > MAX_MESSAGES:
        raise _Bad(f"it has more than {MAX_MESSAGES:,} messages")
    out = [_message(m, n, details[n - 1] if details else None, n - 1) for n, m in enumerate(raw, 1)]
    for m in out:
        m.on_thread = True
    for k, entry in enumerate(branches, 1):
        if not isinstance(entry, dict):
            raise _Bad(f"branch {k} is not an object")
        out.append(_message(entry.get("message"), len(raw) + k, entry.get("details"), len(raw) + k - 1))
    if details is None:  # plain messages: a chain, each the parent of the next
        for n, m in enumerate(out):
            m.old_id, m.old_parent = f"m{n}", f"m{n - 1}" if n else None
    out.sort(key=lambda m: m.order)
    return out


def _export(doc: dict[str, Any]) -> IncomingConversation:
    version = doc.get("version")
    if not isinstance(version, int) or version > 1:
        raise _Bad(f"it is a Workbench export of version {version}, newer than this app reads")
    setup = setup_from_json(doc.get("setup"))
    values: dict[str, Any] = {
        "title": _str(doc.get("title"), "its title", optional=False) if "title" in doc else "",
        "page": _str(doc.get("page"), "its page", _SHORT["page"]) or "playground",
        "provider": _str(doc.get("provider"), "its provider", _SHORT["provider"]) or setup.provider_id,
        "model": _str(doc.get("model"), "its model", _SHORT["model"]) or setup.model,
        "setup": setup_json(setup) if doc.get("setup") is not None else None,
        "starred": bool(doc.get("starred")),
        "status": _str(doc.get("status"), "its status", _SHORT["status"]) or "",
        "forked_from": _str(doc.get("forked_from"), "its forked_from", 32),
    }
    if values["status"] not in STATUSES:
        raise _Bad(f"its status {json.dumps(values['status'])} is not one the app writes")
    if values["status"] == "running":
        values["status"] = "interrupted"
    for key in ("created_at", "updated_at"):
        stamp = _time(doc.get(key), f"its {key}")
        if stamp is not None:
            values[key] = stamp
    messages = _messages(doc.get("messages"), doc.get("details"), doc.get("branches"))
    return IncomingConversation(values, messages, titled="title" in doc)


def _request_body(doc: dict[str, Any]) -> IncomingConversation:
    """`{"messages": [...]}`, perhaps a whole chat request body: its model and parameters are the setup."""
    model = str(doc["model"]) if isinstance(doc.get("model"), str) else ""
    params = {k: v for k, v in doc.items() if k not in ("model", "messages", "stream_options")}
    setup = Setup(provider_id="", model=model, params=params)
    values = {"title": "", "page": "import", "provider": "", "model": model, "setup": setup_json(setup)}
    return IncomingConversation(values, _messages(doc["messages"]))


def _document(doc: Any) -> list[IncomingConversation]:
    if isinstance(doc, dict) and doc.get("format") == FORMAT:
        return [_export(doc)]
    if isinstance(doc, dict) and "messages" in doc:
        return [_request_body(doc)]
    if isinstance(doc, list) and doc and all(isinstance(d, dict) and d.get("format") == FORMAT for d in doc):
        return [_export(d) for d in doc]
    if isinstance(doc, list):
        return [IncomingConversation({"title": "", "page": "import", "provider": "", "model": ""}, _messages(doc))]
    raise _Bad("it is neither a Workbench export nor an OpenAI messages array")


def _text(data: str | bytes, max_bytes: int) -> str:
    size = len(data.encode() if isinstance(data, str) else data)
    if size > max_bytes:
        raise ImportRefused(
            f"The file is {size / 1_048_576:.1f} MB, more than the {max_bytes / 1_048_576:.0f} MB an import takes; "
            "nothing was imported."
        )
    if isinstance(data, bytes):
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ImportRefused(f"The file is not UTF-8 text (byte {exc.start + 1}); nothing was imported.") from None
    return data.removeprefix("\ufeff")


def _json_error(line: int, exc: json.JSONDecodeError) -> ImportRefused:
    return ImportRefused(f"Line {line} is not valid JSON ({exc.msg} at column {exc.colno}); nothing was imported.")


def read_import(data: str | bytes, *, max_bytes: int = MAX_IMPORT_BYTES) -> list[IncomingConversation]:
    """Every conversation in the file, checked; ImportRefused with one sentence at the first problem."""
    content = _text(data, max_bytes)
    # Lines end at \n only: JSON text may hold U+2028 or U+0085 unescaped, which splitlines() would cut at.
    lines = [(n, line.rstrip("\r")) for n, line in enumerate(content.split("\n"), 1) if line.strip()]
    if not lines:
        raise ImportRefused("The file is empty; nothing was imported.")
    try:
        json.loads(lines[0][1])
        jsonl = len(lines) > 1  # the first line is a whole document: one per line
    except json.JSONDecodeError:
        jsonl = False  # one document over many lines (an indented export)
    out: list[IncomingConversation] = []
    if jsonl:
        for n, line in lines:
            try:
                doc = json.loads(line)
            except json.JSONDecodeError as exc:
                raise _json_error(n, exc) from None
            try:
                out += _document(doc)
            except _Bad as exc:
                raise ImportRefused(f"Line {n}: {exc}; nothing was imported.") from None
            if len(out) > MAX_CONVERSATIONS:
                raise ImportRefused(f"Line {n} is past the {MAX_CONVERSATIONS:,} conversations an import takes; "
                                    "nothing was imported.")  # fmt: skip
        return out
    try:
        doc = json.loads(content)
    except json.JSONDecodeError as exc:
        raise _json_error(exc.lineno, exc) from None
    try:
        out = _document(doc)
    except _Bad as exc:
        raise ImportRefused(f"Line {lines[0][0]}: {exc}; nothing was imported.") from None
    if len(out) > MAX_CONVERSATIONS:
        raise ImportRefused(f"The file holds {len(out):,} conversations, more than the {MAX_CONVERSATIONS:,} an "
                            "import takes; nothing was imported.")  # fmt: skip
    return out
