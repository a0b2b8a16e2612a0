"""How a run reports itself while it runs: updates to `on_update`, retry notices, and a
prediction's stream read into updates."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

from playground.background import in_background
from playground.replicate import PredictionStream, RetryNotice, errors, retry_listener
from playground.replicate.types import Prediction, ServerSentEvent
from playground.results import RunUpdate

OnUpdate = Callable[[RunUpdate], Awaitable[None] | None]
STATUS_EVERY = 0.25  # seconds: how soon a prediction that has not streamed yet is reported


async def emit(on_update: OnUpdate, update: RunUpdate) -> None:
    outcome = on_update(update)
    if inspect.isawaitable(outcome):
        await outcome


async def read_stream(stream: PredictionStream, on_update: OnUpdate | None, started: float
                      ) -> tuple[Prediction | None, str, str]:
    """Reads `stream` to its end, reporting each piece: (the final prediction, text, logs).

    The stream is read by a task of its own, so that waiting for the first token can still
    report the prediction's status and any rate-limit retry of its create."""
    items: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
    pump = asyncio.ensure_future(_pump(stream, items))
    text, logs, status = "", "", ""

    async def report(delta: str = "", notice: str | None = None) -> None:
        if on_update is not None:
            pid = stream.prediction.id if stream.prediction else ""
            await emit(on_update, RunUpdate(pid, status or "starting", logs, None,
                                            time.monotonic() - started, notice, text, delta))

    getter: asyncio.Future[tuple[str, Any]] | None = None
    try:
        while True:
            # Not wait_for: on Python 3.11 it can swallow a cancel that lands as an item
            # arrives, and a Stop must always stop.
            getter = getter or asyncio.ensure_future(items.get())
            done, _ = await asyncio.wait({getter}, timeout=STATUS_EVERY)
            if not done:
                if stream.prediction is not None and not status:
                    status = stream.prediction.status
                    await report()
                continue
            kind, item = getter.result()
            getter = None
            if kind == "notice":
                await report(notice=item)
            elif kind == "end":
                return stream.prediction, text, logs  # after `done`: refreshed (status, metrics)
            elif kind == "stopped":  # failed or canceled: a result, not an exception
                return item.prediction, text, logs
            elif kind == "error":
                raise item
            else:
                event: ServerSentEvent = item
                status = "processing"  # the engine streams only once a worker runs it
                if event.event == "logs":
                    logs += event.data + "\n"
                    await report()
                elif event.event == "output" and event.data:
                    text += event.data
                    await report(event.data)
    finally:
        if getter is not None:
            getter.cancel()
        if not pump.done():
            pump.cancel()
            with contextlib.suppress(BaseException):
                await pump


async def _pump(stream: AsyncIterator[ServerSentEvent],
                items: asyncio.Queue[tuple[str, Any]]) -> None:
    """Reads the stream into `items`: ("event", e)..., then ("end"|"stopped"|"error", ...)."""
    def heard(update: RunUpdate) -> None:
        items.put_nowait(("notice", update.notice))

    try:
        with retries_reported(heard):
            async for event in stream:
                items.put_nowait(("event", event))
        items.put_nowait(("end", None))
    except (errors.PredictionFailed, errors.PredictionCanceled) as exc:
        items.put_nowait(("stopped", exc))
    except Exception as exc:
        items.put_nowait(("error", exc))


@contextlib.contextmanager
def retries_reported(on_update: OnUpdate | None) -> Iterator[None]:
    """Tell the caller when the client waits to retry (a 429, a flaky backend), so a person
    sees why nothing moves instead of a silent pause."""
    if on_update is None:
        yield
        return
    started = time.monotonic()

    def heard(notice: RetryNotice) -> None:
        reason = f"Rate limited ({notice.status})" if notice.status == 429 else (
            f"Backend busy ({notice.status})" if notice.status else "Connection problem")
        text = f"{reason}: retrying in {notice.wait:.0f} s"
        outcome = on_update(RunUpdate("", "retrying", "", None, time.monotonic() - started,
                                      notice=text))
        if inspect.isawaitable(outcome):
            in_background(outcome)

    with retry_listener(heard):
        yield

