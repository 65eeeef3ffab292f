"""What the store hands back: plain, frozen dataclasses (no SQLAlchemy objects leave lib/store)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from lib.conversation import ChatMessage, MessageStatus
from lib.events import Metrics, Usage
from lib.request import HttpRequest, Role
from lib.share import Setup
from lib.store.redact import request_from_json, setup_from_json

LOCAL_OWNER = "local"  # the owner when Streamlit's authentication is off
SortKey = Literal["updated", "created", "title", "cost", "messages", "model", "provider"]
ROLES: tuple[Role, ...] = ("system", "developer", "user", "assistant", "tool")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def utc(value: datetime | None) -> datetime | None:
    """A stored time as an aware UTC datetime (SQLite hands back naive ones, written as UTC)."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _utc(value: datetime) -> datetime:
    out = utc(value)
    assert out is not None
    return out


@dataclass(frozen=True)
class Shown:
    """The stored ids of the messages the Playground shows, in order, as of the message `upto` (the
    conversation's newest `seq` when they were written): a message deleted there is not among them."""

    ids: tuple[str, ...]
    upto: int

    def to_json(self) -> dict[str, Any]:
        return {"ids": list(self.ids), "upto": self.upto}

    @classmethod
    def from_json(cls, raw: Any) -> Shown | None:
        if not isinstance(raw, dict) or not isinstance(raw.get("ids"), list) or not isinstance(raw.get("upto"), int):
            return None
        return cls(tuple(str(i) for i in raw["ids"]), raw["upto"])


@dataclass(frozen=True)
class Conversation:
    id: str
    owner: str
    title: str
    page: str
    provider: str
    model: str
    setup: Setup
    starred: bool
    forked_from: str | None
    shown: Shown | None  # what the Playground shows of it, when it is not simply the newest branch
    message_count: int
    cost: float  # USD, the sum of the runs' known costs
    status: str  # the latest run's status ('' before any run)
    created_at: datetime
    updated_at: datetime  # last activity
    deleted_at: datetime | None

    @classmethod
    def from_row(cls, row: Any) -> Conversation:
        return cls(
            id=row.id,
            owner=row.owner,
            title=row.title,
            page=row.page,
            provider=row.provider,
            model=row.model,
            setup=setup_from_json(row.setup),
            starred=bool(row.starred),
            forked_from=row.forked_from,
            shown=Shown.from_json(row.shown),
            message_count=row.message_count,
            cost=row.cost,
            status=row.status,
            created_at=_utc(row.created_at),
            updated_at=_utc(row.updated_at),
            deleted_at=utc(row.deleted_at),
        )


@dataclass(frozen=True)
class StoredMessage:
    """One entry of a conversation; a run when `request` is set (an assistant's answer to it)."""

    id: str
    seq: int  # orders a conversation's messages; unique in the whole store
    conversation_id: str | None
    parent_id: str | None
    role: Role
    content: str
    name: str | None = None
    tool_call_id: str | None = None
    reasoning: str = ""
    refusal: str = ""
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    other_parts: list[str] = field(default_factory=list)
    status: str = ""
    finish_reason: str | None = None
    error: str | None = None
    error_action: str | None = None
    provider: str | None = None
    model: str | None = None
    request: dict[str, Any] | None = None  # method, url, headers, body, key_env, ... (never the key)
    max_tokens: int | None = None
    metrics: Metrics = field(default_factory=Metrics)
    usage: Usage | None = None
    page: str = "playground"
    compare_group: str | None = None
    compare_pane: int | None = None
    batch_id: str | None = None
    batch_row: int | None = None
    created_at: datetime = EPOCH
    updated_at: datetime = EPOCH
    finished_at: datetime | None = None
    logprobs: list[dict[str, Any]] | None = None  # the answer's tokens and their alternatives
    attachments: list[dict[str, Any]] = field(default_factory=list)  # images: records of files beside the store

    @property
    def is_run(self) -> bool:
        return self.request is not None

    def http_request(self) -> HttpRequest | None:
        """The request as sent (credential headers without values), for the snippets."""
        return request_from_json(self.request) if self.request is not None else None

    def to_openai(self) -> dict[str, Any]:
        """The message as the chat-completions API takes it."""
        out: dict[str, Any] = {"role": self.role, "content": self.content}
        if self.name:
            out["name"] = self.name
        if self.tool_call_id:
            out["tool_call_id"] = self.tool_call_id
        if self.tool_calls:
            out["tool_calls"] = self.tool_calls
        return out

    def to_chat_message(self, widget_id: int | None = None) -> ChatMessage:
        """The Playground's message for this entry (`widget_id` defaults to `seq`)."""
        status: MessageStatus = self.status if self.status in _STATUSES else ""  # type: ignore[assignment]
        return ChatMessage(
            id=self.seq if widget_id is None else widget_id,
            role=self.role,
            content=self.content,
            reasoning=self.reasoning,
            refusal=self.refusal,
            other_parts=list(self.other_parts),
            status=status,
            finish_reason=self.finish_reason,
            error=self.error,
            error_action=self.error_action,
            metrics=Metrics(**vars(self.metrics)) if self.is_run else None,
            usage=self.usage,
            max_tokens=self.max_tokens,
            tool_calls=list(self.tool_calls) or None,
            tool_call_id=self.tool_call_id,
            name=self.name,
            logprobs=self.logprobs,
            attachments=list(self.attachments),
            response_format=self._response_format(),
        )

    def _response_format(self) -> dict[str, Any] | None:
        """What a run's answer was asked for (its schema check on reopen): the body's response format."""
        body = (self.request or {}).get("body")
        value = body.get("response_format") if isinstance(body, dict) else None
        return value if isinstance(value, dict) else None

    @classmethod
    def from_row(cls, row: Any) -> StoredMessage:
        usage = None
        if row.usage_source is not None:
            usage = Usage(row.prompt_tokens, row.completion_tokens, row.total_tokens, row.usage_source)
        return cls(
            id=row.id,
            seq=row.seq,
            conversation_id=row.conversation_id,
            parent_id=row.parent_id,
            role=row.role,
            content=row.content,
            name=row.name,
            tool_call_id=row.tool_call_id,
            reasoning=row.reasoning,
            refusal=row.refusal,
            tool_calls=list(row.tool_calls or []),
            other_parts=[str(p) for p in row.other_parts or []],
            status=row.status,
            finish_reason=row.finish_reason,
            error=row.error,
            error_action=row.error_action,
            provider=row.provider,
            model=row.model,
            request=row.request,
            max_tokens=row.max_tokens,
            metrics=Metrics(row.ttft, row.latency, row.tokens_per_s, row.cost),
            usage=usage,
            page=row.page,
            compare_group=row.compare_group,
            compare_pane=row.compare_pane,
            batch_id=row.batch_id,
            batch_row=row.batch_row,
            created_at=_utc(row.created_at),
            updated_at=_utc(row.updated_at),
            finished_at=utc(row.finished_at),
            logprobs=list(row.logprobs) if isinstance(row.logprobs, list) else None,
            attachments=[a for a in row.attachments or [] if isinstance(a, dict)],
        )


_STATUSES = frozenset({"", "running", "complete", "stopped", "incomplete", "error", "interrupted"})


@dataclass(frozen=True)
class ConversationQuery:
    """What the History table shows: filters, one sort, one page. Every filter is optional."""

    text: str = ""  # full-text search over every message's text
    provider: str | None = None
    model: str | None = None
    page: str | None = None
    status: str | None = None
    since: datetime | None = None  # last activity at or after
    until: datetime | None = None  # last activity before
    starred: bool | None = None
    deleted: bool = False  # True: the deleted ones (the bin), for undo
    sort: SortKey = "updated"
    descending: bool = True
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True)
class ConversationPage:
    rows: list[Conversation]
    total: int  # how many match the filters, all pages
    exact: bool = True  # False: `total` is a floor ("1,000+"), for a search of a very common word


@dataclass(frozen=True)
class Facets:
    """The values the History filters offer, from this owner's conversations."""

    providers: list[str]
    models: list[str]
    pages: list[str]
    statuses: list[str]


@dataclass(frozen=True)
class Preset:
    id: str
    owner: str
    name: str
    setup: Setup
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> Preset:
        return cls(row.id, row.owner, row.name, setup_from_json(row.setup), _utc(row.created_at),
                   _utc(row.updated_at))  # fmt: skip


@dataclass(frozen=True)
class Snapshot:
    """A conversation frozen as exported (`data`, the JSON export), opened read-only by its id."""

    id: str
    owner: str
    conversation_id: str | None
    title: str
    data: dict[str, Any]
    created_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> Snapshot:
        return cls(row.id, row.owner, row.conversation_id, row.title, row.data, _utc(row.created_at))
