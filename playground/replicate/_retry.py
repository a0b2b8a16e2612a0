"""When to send a request again, and how long to wait first."""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Literal

import httpx

# "idempotent": GET/DELETE (and cancel), safe to repeat. "create": a POST that makes something;
# only repeat it when we know the server did not act on it.
RetryKind = Literal["idempotent", "create"]

@dataclass(frozen=True)
class RetryNotice:
    """Told to a retry listener before the client waits to send a request again."""

    method: str
    status: int | None  # the HTTP status, or None for a network error
    wait: float  # seconds until the retry
    attempt: int  # 1 for the first retry


# Context-local, so one caller (a browser tab's run) hears only its own retries: a person
# should see "rate limited, retrying in 8 s" rather than a silent pause.
_listener: ContextVar[Callable[[RetryNotice], None] | None] = ContextVar(
    "replicate_retry_listener", default=None
)


@contextlib.contextmanager
def retry_listener(callback: Callable[[RetryNotice], None]) -> Iterator[None]:
    """Within this block (and tasks started in it), `callback` hears of every retry."""
    reset = _listener.set(callback)
    try:
        yield
    finally:
        _listener.reset(reset)


def announce(notice: RetryNotice) -> None:
    callback = _listener.get()
    if callback is not None:
        callback(notice)


_IDEMPOTENT_STATUSES = frozenset({429, 502, 503, 504})
_CREATE_STATUSES = frozenset({429})  # a throttled create was not created


@dataclass
class Retries:
    """Retry policy. `sleep` is injectable so tests need not wait."""

    max_retries: int = 3
    max_wait: float = 20.0  # never wait longer than this; a longer Retry-After is given up on
    backoff: float = 0.5  # first backoff, doubled each attempt, jittered
    sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep)

    def should_retry_status(self, kind: RetryKind, status: int) -> bool:
        statuses = _IDEMPOTENT_STATUSES if kind == "idempotent" else _CREATE_STATUSES
        return status in statuses

    def should_retry_error(self, kind: RetryKind, exc: httpx.TransportError) -> bool:
        if kind == "create":
            # Only errors raised before a byte was sent; a read error or read timeout may
            # come after the server created the prediction.
            return isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
        return isinstance(exc, httpx.NetworkError | httpx.TimeoutException
                          | httpx.RemoteProtocolError)

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait before retry number `attempt` (0-based)."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_wait)
        base = min(self.backoff * (2**attempt), self.max_wait)
        return random.uniform(base / 2, base)  # jitter spreads out clients that failed together


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """`Retry-After` as seconds: either a number or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(when.timestamp() - (time.time() if now is None else now), 0.0)
