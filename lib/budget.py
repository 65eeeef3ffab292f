"""What a shared app's visitors may spend of its operator's keys.

On a team's network every visitor chats with the keys from the app's environment or secrets. The
operator can cap that: a daily spend (`WORKBENCH_DAILY_BUDGET_USD`, counted from each answer's cost
as the metrics strip shows it; an answer whose price is unknown counts against a daily number of
such requests instead, `WORKBENCH_DAILY_UNPRICED_REQUESTS`), and a request rate per browser
session (`WORKBENCH_SESSION_REQUESTS_PER_MINUTE`). Past either, the request is not sent and one
sentence says why; a key the visitor types is theirs, and is never metered.

The count lives in the app process (every session shares it) and starts again at midnight UTC.
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from lib import errors
from lib.events import ChatResult

DEFAULT_UNPRICED = 200  # requests a day at unknown prices, when a budget is set
DEFAULT_RATE = 30  # requests a minute per session, in shared mode


@dataclass(frozen=True)
class Limits:
    daily_usd: float | None = None
    daily_unpriced: int | None = None
    per_minute: int | None = None

    @staticmethod
    def from_env() -> Limits:
        usd = _number(os.environ.get("WORKBENCH_DAILY_BUDGET_USD"))
        unpriced = _number(os.environ.get("WORKBENCH_DAILY_UNPRICED_REQUESTS"))
        rate = _number(os.environ.get("WORKBENCH_SESSION_REQUESTS_PER_MINUTE"))
        return Limits(
            daily_usd=usd,
            daily_unpriced=int(unpriced) if unpriced is not None else (DEFAULT_UNPRICED if usd is not None else None),
            per_minute=int(rate) if rate is not None else DEFAULT_RATE,
        )


def _number(raw: str | None) -> float | None:
    try:
        value = float(raw) if raw and raw.strip() else None
    except ValueError:
        return None
    return value if value is not None and value >= 0 else None


@dataclass
class Spend:
    """The operator's keys' spend today and each session's recent requests (thread-safe)."""

    limits: Limits
    clock: Callable[[], float] = time.time
    day: str = ""
    usd: float = 0.0
    unpriced: int = 0
    recent: dict[str, deque[float]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _today(self) -> None:
        day = datetime.fromtimestamp(self.clock(), UTC).strftime("%Y-%m-%d")
        if day != self.day:
            self.day, self.usd, self.unpriced = day, 0.0, 0

    def admit(self, session: str) -> errors.BudgetExceeded | None:
        """Count a request about to be sent, or say why it may not be."""
        limits = self.limits
        with self.lock:
            self._today()
            if limits.daily_usd is not None and self.usd >= limits.daily_usd:
                return errors.BudgetExceeded(
                    f"Today's budget for this app's own keys (${limits.daily_usd:,.2f}) is spent; type your own "
                    "API key in the sidebar to go on, or come back tomorrow (UTC)."
                )
            if limits.daily_unpriced is not None and self.unpriced >= limits.daily_unpriced:
                return errors.BudgetExceeded(
                    f"This app's own keys have answered today's {limits.daily_unpriced:,} requests at unknown "
                    "prices; type your own API key in the sidebar to go on, or come back tomorrow (UTC)."
                )
            now = self.clock()
            recent = self.recent.setdefault(session, deque())
            while recent and recent[0] <= now - 60:
                recent.popleft()
            if limits.per_minute is not None and len(recent) >= limits.per_minute:
                wait = max(1, round(60 - (now - recent[0])))
                return errors.BudgetExceeded(
                    f"This session sent {limits.per_minute} requests with the app's own keys in the last minute; "
                    f"wait {wait} s, or type your own API key in the sidebar."
                )
            recent.append(now)
            return None

    def charge(self, result: ChatResult) -> None:
        """Add what an answer cost (partial answers cost too)."""
        with self.lock:
            self._today()
            cost = result.metrics.cost
            if cost is not None:
                self.usd += cost
            elif self.limits.daily_usd is not None:
                self.unpriced += 1


@dataclass(frozen=True)
class Meter:
    """One session's requests with the operator's key, against the process's Spend."""

    spend: Spend
    session: str

    def admit(self) -> errors.BudgetExceeded | None:
        return self.spend.admit(self.session)

    def charge(self, result: ChatResult) -> None:
        self.spend.charge(result)


_spend: Spend | None = None
_spend_lock = threading.Lock()


def process_spend() -> Spend:
    global _spend
    with _spend_lock:
        if _spend is None:
            _spend = Spend(Limits.from_env())
        return _spend


def meter(shared: bool, key_origin: str, session: str) -> Meter | None:
    """The meter for a request, or None: only a shared app's own keys (environment, secrets) are
    metered, never a key the visitor typed, nor requests without a key."""
    if not shared or key_origin not in ("environment", "secrets"):
        return None
    return Meter(process_spend(), session)
