"""One prediction over coglet's HTTP API: Cog's SSE on the POST itself (`log`, `output`,
`completed` events), inputs and outputs as data URIs.

File inputs arrive as local files (the engine fetched them through its guarded client) and go to
coglet as data URIs, so coglet's own downloader never sees a URL; file outputs come back as data
URIs and are written to the prediction's scratch folder, so the engine stores and serves them as
its own. coglet has one slot and answers a second prediction with 409: the engine's queue (one
worker thread per model) is in front of it.
"""

from __future__ import annotations

import base64
import contextlib
import json
import mimetypes
import threading
import time
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import httpx

from ..inputs import decode_data_uri
from ..models.base import Canceled, PredictContext

SLOT_WAIT = 30.0  # seconds a prediction waits for coglet to free its slot
Events = Generator[tuple[str, dict[str, Any]]]


class CogPredictionFailed(Exception):
    """The predictor's own failure, in coglet's words."""


def wire_inputs(values: dict[str, Any]) -> dict[str, Any]:
    """Local file inputs -> data URIs (coglet's own downloader never sees a URL)."""
    def wire(value: Any) -> Any:
        if isinstance(value, Path):
            kind = mimetypes.guess_type(value.name)[0] or "application/octet-stream"
            return f"data:{kind};base64,{base64.b64encode(value.read_bytes()).decode()}"
        if isinstance(value, list):
            return [wire(v) for v in value]
        return value

    return {k: wire(v) for k, v in values.items()}


def prediction_events(url: str, values: dict[str, Any], ctx: PredictContext
            ) -> Events:
    """Cog's SSE for one prediction: (event, data) pairs; a cancel reaches the worker."""
    pid = f"pg{int(time.time() * 1e6):x}"
    finished = threading.Event()

    def cancel_when_asked() -> None:
        while not finished.is_set():
            if ctx.cancel_event.wait(0.1):
                try:
                    httpx.post(f"{url}/predictions/{pid}/cancel", timeout=5)
                except httpx.HTTPError:
                    pass
                return

    threading.Thread(target=cancel_when_asked, daemon=True, name="cog-cancel").start()
    try:
        with _post(url, {"id": pid, "input": values}, ctx) as answer:
            name = ""
            for line in answer.iter_lines():
                if line.startswith("event:"):
                    name = line[6:].strip()
                elif line.startswith("data:") and name:
                    try:
                        data = json.loads(line[5:])
                    except ValueError:
                        continue
                    yield name, data if isinstance(data, dict) else {}
    finally:
        finished.set()


@contextlib.contextmanager
def _post(url: str, body: dict[str, Any], ctx: PredictContext) -> Iterator[httpx.Response]:
    """The prediction's SSE response. coglet frees its one slot a moment after a prediction's
    last event and answers 409 until then: the engine's queue already holds the others, so
    this one waits for the slot (a canceled one stops waiting)."""
    deadline = time.monotonic() + SLOT_WAIT
    while True:
        with httpx.stream("POST", f"{url}/predictions", json=body,
                          headers={"Accept": "text/event-stream"},
                          timeout=httpx.Timeout(10, read=None)) as answer:
            if answer.status_code == 200:
                yield answer
                return
            answer.read()
            if answer.status_code != 409 or time.monotonic() > deadline:
                raise CogPredictionFailed(_refusal(answer))
        ctx.check()
        time.sleep(0.02)


def _refusal(answer: httpx.Response) -> str:
    """coglet's 422 (`detail`) or other refusal, in a line."""
    try:
        body = answer.json()
    except ValueError:
        return f"the predictor's server answered HTTP {answer.status_code}"
    detail = body.get("detail") if isinstance(body, dict) else None
    if isinstance(detail, list):
        return "; ".join(f"{'.'.join(str(p) for p in d.get('loc', [])[2:])}: {d.get('msg')}"
                         for d in detail if isinstance(d, dict))
    return str((body or {}).get("error") or f"HTTP {answer.status_code}")


def _piece(value: Any, ctx: PredictContext, index: list[int]) -> Any:
    """An output value with its data URIs written to files (the engine stores them)."""
    if isinstance(value, str) and value.startswith("data:"):
        data, kind = decode_data_uri(value)
        index[0] += 1
        out = ctx.workdir / f"output-{index[0]}{mimetypes.guess_extension(kind) or ''}"
        out.write_bytes(data)
        return out
    if isinstance(value, list):
        return [_piece(v, ctx, index) for v in value]
    if isinstance(value, dict):
        return {k: _piece(v, ctx, index) for k, v in value.items()}
    return value


def _end(data: dict[str, Any]) -> None:
    status = data.get("status")
    if status == "canceled":
        raise Canceled()
    if status != "succeeded":
        error = str(data.get("error") or "the prediction failed")
        while error.startswith("Prediction failed: "):  # coglet says it twice
            error = error.removeprefix("Prediction failed: ")
        raise CogPredictionFailed(error)


def finished(events: Events, ctx: PredictContext) -> Any:
    with contextlib.closing(events):
        for name, data in events:
            if name == "log":
                ctx.log(str(data.get("data", "")))
            elif name == "completed":
                _end(data)
                return _piece(data.get("output"), ctx, [0])
    ctx.check()
    raise CogPredictionFailed("the predictor's server closed the stream before the end")


def streamed(events: Events, ctx: PredictContext,
              busy: threading.Lock) -> Iterator[Any]:
    """The output pieces as they come (the restart lock is held until the stream ends)."""
    busy.acquire()
    try:
        index = [0]
        for name, data in events:
            if name == "log":
                ctx.log(str(data.get("data", "")))
            elif name == "output":
                yield _piece(data.get("chunk"), ctx, index)
            elif name == "completed":
                _end(data)
                return
        ctx.check()
        raise CogPredictionFailed("the predictor's server closed the stream before the end")
    finally:
        events.close()
        busy.release()
