"""Streaming a prediction's output over server-sent events, with a polling fallback.

If the event stream breaks before `done` (dropped connection, read error, server gone), we poll
the prediction to the end and yield only the part of its final output not yet delivered, counted
in characters, so no token is lost or repeated.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from types import TracebackType
from typing import Any

import httpx
import httpx_sse

from . import errors
from ._http import DEFAULT_TIMEOUT, Requester
from ._predictions import Predictions, raise_for_status
from .types import Prediction, ServerSentEvent

logger = logging.getLogger("playground.replicate")

_EVENTS = frozenset({"output", "logs", "error", "done"})


class _StreamBroke(Exception):
    """The stream ended before `done`; fall back to polling."""


class PredictionStream:
    """`async for event in client.stream(...)`; `.prediction` is set once it is created."""

    def __init__(
        self,
        requester: Requester,
        predictions: Predictions,
        ref: str,
        input: dict[str, Any] | None,
        *,
        timeout: float | None,
        token: str | None,
        create_kwargs: dict[str, Any],
    ) -> None:
        self._requester = requester
        self._predictions = predictions
        self._ref = ref
        self._input = input
        self._timeout = timeout
        self._token = token
        self._create_kwargs = create_kwargs
        self.prediction: Prediction | None = None
        self.output_so_far = ""  # every output character yielded so far
        self._iterator: AsyncIterator[ServerSentEvent] | None = None

    def __aiter__(self) -> AsyncIterator[ServerSentEvent]:
        if self._iterator is None:
            self._iterator = self._events()
        return self._iterator

    async def aclose(self) -> None:
        if self._iterator is not None:
            await self._iterator.aclose()  # type: ignore[attr-defined]

    async def __aenter__(self) -> PredictionStream:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.aclose()

    async def _events(self) -> AsyncIterator[ServerSentEvent]:
        prediction = await self._predictions.create(
            self._ref, self._input, stream=True, token=self._token, **self._create_kwargs)
        self.prediction = prediction
        url = prediction.urls.stream if prediction.urls else None
        if url:
            try:
                async for event in self._read(url, prediction.id):
                    if event.event == "output":
                        self.output_so_far += event.data
                    yield event
                    if event.event == "done":
                        await self._refresh(prediction.id)
                        return
                raise _StreamBroke("the stream ended without a done event")
            except (httpx.TransportError, httpx_sse.SSEError, _StreamBroke) as exc:
                logger.info("stream of %s broke (%s); polling for the rest",
                            prediction.id, type(exc).__name__)
        async for event in self._finish_by_polling(prediction):
            yield event

    async def _read(self, url: str, prediction_id: str) -> AsyncIterator[ServerSentEvent]:
        target = self._requester.url(url)
        headers = {"Accept": "text/event-stream", "Cache-Control": "no-store",
                   **self._requester.auth_headers(target, self._token)}
        # Keep-alives come at least every 15 s, so a 30 s read timeout means a dead stream.
        timeout = httpx.Timeout(DEFAULT_TIMEOUT.connect, read=30.0, write=30.0, pool=30.0)
        async with httpx_sse.aconnect_sse(self._requester.http, "GET", str(target),
                                          headers=headers, timeout=timeout) as source:
            if source.response.status_code >= 400:
                raise _StreamBroke(f"stream answered {source.response.status_code}")
            async for sse in source.aiter_sse():
                if sse.event not in _EVENTS:
                    continue  # ignore unknown event names
                if sse.event == "error":
                    await self._fail(prediction_id, sse.data)
                event = ServerSentEvent(event=sse.event, data=sse.data, id=sse.id or None,
                                        prediction_id=prediction_id)
                if event.event == "done" and _reason(sse.data) == "canceled":
                    await self._refresh(prediction_id)
                    raise errors.PredictionCanceled(self._current(prediction_id, "canceled"))
                yield event

    async def _fail(self, prediction_id: str, data: str) -> None:
        """An `error` event: raise PredictionFailed with the server's message and logs."""
        detail = data
        try:
            parsed = json.loads(data)
            if isinstance(parsed, dict) and parsed.get("detail"):
                detail = str(parsed["detail"])
        except ValueError:
            pass
        await self._refresh(prediction_id)
        failed = self._current(prediction_id, "failed")
        if not failed.error:
            failed = failed.model_copy(update={"error": detail})
        raise errors.PredictionFailed(failed)

    async def _finish_by_polling(self, prediction: Prediction) -> AsyncIterator[ServerSentEvent]:
        final = await self._predictions.wait(prediction, timeout=self._timeout, token=self._token)
        self.prediction = final
        raise_for_status(final)
        rest = final.output_text()[len(self.output_so_far):]
        if rest:
            self.output_so_far += rest
            yield ServerSentEvent(event="output", data=rest, prediction_id=final.id)
        yield ServerSentEvent(event="done", data="{}", prediction_id=final.id)

    async def _refresh(self, prediction_id: str) -> None:
        """Best effort: fetch the final state (status, metrics, logs) for `.prediction`."""
        try:
            self.prediction = await self._predictions.get(prediction_id, token=self._token)
        except errors.ReplicateError as exc:
            logger.info("could not refresh %s: %s", prediction_id, exc)

    def _current(self, prediction_id: str, status: str) -> Prediction:
        current = self.prediction or Prediction(id=prediction_id)
        if not current.done:
            current = current.model_copy(update={"status": status})
        return current


def _reason(data: str) -> str | None:
    try:
        parsed = json.loads(data) if data else None
    except ValueError:
        return None
    return parsed.get("reason") if isinstance(parsed, dict) else None
