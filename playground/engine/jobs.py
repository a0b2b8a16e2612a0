"""A prediction in flight: its record, its event log (for SSE) and change notifications.

Worker threads mutate a Job; the server's event loop awaits changes through `changed`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import redact
from .outputs import render

TERMINAL = ("succeeded", "failed", "canceled")


def iso(ts: float | None) -> str | None:
    """An RFC 3339 time, or None for no time (or one no calendar holds, from an old row)."""
    if not isinstance(ts, int | float):
        return None
    try:
        # isoformat is several times faster than strftime; same text
        return dt.datetime.fromtimestamp(ts, dt.UTC).isoformat(timespec="microseconds")[:-6] + "Z"
    except (ValueError, OverflowError, OSError):
        return None


def public(rec: dict[str, Any], base_url: str) -> dict[str, Any]:
    """The Replicate prediction object for a stored record, with absolute URLs."""
    get = f"{base_url}/v1/predictions/{rec['id']}"
    urls = {"get": get, "cancel": f"{get}/cancel", "web": get}
    if rec.get("stream_token"):
        urls["stream"] = f"{base_url}/v1/streams/{rec['stream_token']}"
    out = {
        "id": rec["id"],
        "model": rec["model"],
        "version": rec["version"],
        "input": render(rec.get("input") or {}, base_url),  # long data URIs are kept as files
        "output": render(rec.get("output"), base_url),
        "error": rec.get("error"),
        "logs": rec.get("logs") or "",
        "status": rec["status"],
        "data_removed": False,
        "source": "api",
        "created_at": iso(rec.get("created_ts")) or iso(0),
        # numbers only (a metric an old row stored as NaN is repaired to null: left out)
        "metrics": {k: v for k, v in (rec.get("metrics") or {}).items()
                    if isinstance(v, int | float) and not isinstance(v, bool)},
        "urls": urls,
    }
    # Replicate omits the times a prediction does not have yet (its document types them as
    # strings, never null)
    for name, key in (("started_at", "started_ts"), ("completed_at", "completed_ts"),
                      ("deadline", "deadline_ts")):
        if when := iso(rec.get(key)):
            out[name] = when
    return out


class Job:
    def __init__(self, rec: dict[str, Any], base_url: str,
                 secrets: dict[str, Any] | None = None) -> None:
        self.rec = rec  # what is stored and shown: secret inputs are redacted in it
        # the secret inputs' values, for the model alone (never stored: a restart fails the
        # prediction anyway), and what cuts them out of its logs and errors
        self.secrets = secrets or {}
        self.scrub = redact.scrubber(self.secrets)
        self.base_url = base_url
        self.lock = threading.Lock()
        self.cancel_event = threading.Event()
        self.done = threading.Event()
        self.picked = False  # a worker has taken it off the queue
        self.events: list[tuple[str, Any]] = []
        self._waiters: list[_Waiter] = []
        self.save_lock = threading.Lock()
        self.saved = False  # its record is in the store
        self.last_saved = 0.0

    @property
    def id(self) -> str:
        return str(self.rec["id"])

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            rec = dict(self.rec)
            if isinstance(rec.get("output"), list):
                rec["output"] = list(rec["output"])
            return rec

    def public(self, base_url: str | None = None) -> dict[str, Any]:
        return public(self.snapshot(), base_url or self.base_url)

    def update(self, **fields: Any) -> None:
        with self.lock:
            self.rec.update(fields)
        self.notify()

    def emit(self, name: str, data: Any) -> None:
        with self.lock:
            self.events.append((name, data))
        self.notify()

    def notify(self) -> None:
        """Wake the event loops waiting on this job (those awaiting only its end stay asleep
        until it ends: a wake-up costs the loop a turn)."""
        done = self.done.is_set()
        with self.lock:
            waiters = [w for w in self._waiters if done or not w.done_only]
        for waiter in waiters:
            try:
                waiter.loop.call_soon_threadsafe(_wake, waiter.future)
            except RuntimeError:  # that loop is gone
                pass

    async def _wait(self, ready: Callable[[], bool], timeout: float, done_only: bool) -> bool:
        loop = asyncio.get_running_loop()
        waiter = _Waiter(loop, loop.create_future(), done_only)
        with self.lock:
            if ready():
                return True
            self._waiters.append(waiter)
        # a timer resolving the same future: cheaper than asyncio.timeout's task rescheduling
        timer = loop.call_later(timeout, _resolve, waiter.future, False)
        try:
            return await waiter.future
        finally:
            timer.cancel()
            with self.lock:
                self._waiters.remove(waiter)

    async def changed(self, seen_events: int, timeout: float) -> bool:
        """Wait until there are more than `seen_events` events, the job ends, or timeout."""
        return await self._wait(
            lambda: len(self.events) > seen_events or self.done.is_set(), timeout, False
        )

    async def wait_done(self, timeout: float) -> bool:
        return await self._wait(self.done.is_set, timeout, True)


@dataclass(eq=False)
class _Waiter:
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[bool]
    done_only: bool


def _resolve(future: asyncio.Future[bool], woken: bool) -> None:
    if not future.done():
        future.set_result(woken)


def _wake(future: asyncio.Future[bool]) -> None:
    _resolve(future, True)
