"""A run in the history while it runs: stored once the backend has the prediction, its text
and logs saved as they stream (at most once a second), and its end written in place.

So a kill -9 of the app mid-answer leaves the run in the history with what had been shown (up
to a second less), and the next start marks it interrupted (`RunStore.recover`).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from typing import Any

from playground.history.recorder import PendingRun, Recorder
from playground.replicate import errors
from playground.results import RunUpdate

from .reporting import OnUpdate, emit

SAVE_EVERY = 1.0  # seconds: how often at most a running run's text is written to the history


class LiveRun:
    """`update` is the run loop's `on_update`: it passes the update on to the caller's own
    `on_update`, then keeps the history's row (at most every `every` seconds; `clock` is
    injectable so a test need not wait). Without a history it only passes updates on."""

    def __init__(self, recorder: Recorder | None, pending: PendingRun | None,
                 on_update: OnUpdate | None, *, every: float = SAVE_EVERY,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.recorder = recorder if pending is not None else None
        self.pending = pending
        self.on_update = on_update
        self.every, self.clock = every, clock
        self.latest: RunUpdate | None = None  # what the caller was last told
        self.saves = 0  # rows written while it ran (begin included)
        self._saved_at: float | None = None
        self._began = False  # `begin` was tried (once: a history that failed it is not asked again)
        self._saving: asyncio.Future[Any] | None = None

    async def update(self, update: RunUpdate) -> None:
        if update.prediction_id:  # a retry notice carries none: nothing to keep
            self.latest = update
        if self.on_update is not None:  # the person first, then the history
            await emit(self.on_update, update)
        if update.prediction_id:
            await self._keep(update)

    async def _keep(self, update: RunUpdate) -> None:
        if self.recorder is None or self.pending is None:
            return
        if self._saving is not None and not self._saving.done():
            return  # a save is under way: the next update after it says more
        now = self.clock()
        if self._saved_at is not None and now - self._saved_at < self.every:
            return
        self._saved_at = now
        recorder, pending = self.recorder, self.pending
        if not self._began:
            self._began = True
            save = asyncio.to_thread(recorder.begin, pending, update.prediction_id,
                                     update.status)
        elif pending.record_id is None:
            return
        else:
            save = asyncio.to_thread(recorder.progress, pending, update.status,
                                     self.text_output(), update.logs)
        self.saves += 1
        # Shielded: a Stop during a save still lets the row be written (`cut` waits for it)
        self._saving = asyncio.ensure_future(save)
        await asyncio.shield(self._saving)

    def text_output(self) -> list[str] | None:
        """The output as shown so far: a streamed answer's text, else nothing yet."""
        text = self.latest.text if self.latest is not None else ""
        return [text] if text else None

    async def settled(self) -> None:
        """Once the save under way (if any) is written: the end is written after it."""
        if self._saving is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.shield(self._saving)

    async def cut(self, status: str, error: str, prediction_id: str | None) -> None:
        """The run ended here before its prediction did: recorded with what it had shown.
        Not itself cancelable (the caller is being torn down)."""
        if self.recorder is None or self.pending is None:
            return
        latest = self.latest
        recorder, pending = self.recorder, self.pending

        async def write() -> None:
            await self.settled()
            await asyncio.to_thread(
                recorder.interrupted, pending, prediction_id or None, status=status,
                error=error, output=self.text_output(), logs=latest.logs if latest else "")

        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.shield(write())


def interruption(exc: BaseException) -> str:
    """Why a run ended before its prediction did, in plain words, for its history record."""
    if isinstance(exc, errors.ConnectionFailed):
        return ("Interrupted: the connection to the backend was lost before the run finished "
                f"({exc}); what it had written by then is kept")
    if isinstance(exc, errors.PredictionTimedOut):
        return f"Interrupted: stopped waiting for the run ({exc})"
    return f"Interrupted: {type(exc).__name__}: {exc}"

