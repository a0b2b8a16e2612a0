"""A Cog predictor folder as an engine model (`--cog DIR`): `local/<name>`, its own schema.

The engine keeps its own /v1 surface (queue, store, GET, list, cancel, Replicate's SSE) and the
model's one worker thread drives a coglet server (`process.py`), one prediction at a time (coglet
has one slot and answers a second with 409). Each prediction is Cog's SSE on the POST itself:
its `log` events become the prediction's logs, its `output` chunks the engine's stream, its
`completed` event the end. File inputs arrive as local files (the engine fetched them through its
guarded client) and go to coglet as data URIs; file outputs come back as data URIs and are
written to the prediction's scratch folder, so the engine stores and serves them as its own.
"""

from __future__ import annotations

import base64
import contextlib
import json
import mimetypes
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict

from ..inputs import decode_data_uri
from ..models.base import Canceled, EngineModel, ModelUnavailable, PredictContext
from .process import CogProcess

INSPECTOR = Path(__file__).with_name("inspect_predictor.py")
INSPECT_WAIT = 300.0  # seconds importing predict.py may take
RELOAD_POLL = 1.0  # seconds between looks at predict.py's mtime
NEWS_LINES = 50  # lines of setup() output kept for the next prediction's logs
SLOT_WAIT = 30.0  # seconds a prediction waits for coglet to free its slot
EMPTY_SCHEMA: dict[str, Any] = {
    "openapi": "3.0.2", "info": {"title": "Cog", "version": "0.1.0"}, "paths": {},
    "components": {"schemas": {"Input": {"type": "object", "title": "Input", "properties": {}},
                               "Output": {"title": "Output"}}},
}


class AnyInput(BaseModel):
    """The values as checked against the predictor's schema (coglet checks them again)."""

    model_config = ConfigDict(extra="allow")


class CogPredictionFailed(Exception):
    """The predictor's own failure, in coglet's words."""


class CogModel(EngineModel):
    Input = AnyInput
    output_schema: dict[str, Any] = {}
    title = ""
    caveat = "your Cog predictor, run here by coglet"

    def __init__(self, directory: Path, name: str, predict_ref: str, python: str,
                 reload: bool = False) -> None:
        self.directory = directory
        self.name = name  # type: ignore[misc]  # one class, one instance per folder
        self.title = name  # type: ignore[misc]
        self.predict_ref = predict_ref
        self.python = python
        self.reload = reload
        self.schema: dict[str, Any] = EMPTY_SCHEMA
        self.problem: str | None = "starting: setup() has not finished"
        self.ready = threading.Event()  # set once setup ran or failed (problem says which)
        self.reloaded_at: float | None = None
        self._news: list[str] = []  # said in the next prediction's logs (setup, reloaded)
        self._news_lock = threading.Lock()
        self._process: CogProcess | None = None
        self._stop = threading.Event()
        self._busy = threading.Lock()  # a prediction, or a restart: one at a time
        self._on_change: Callable[[], None] = lambda: None
        self._workdir = Path()

    @property
    def description(self) -> str:  # type: ignore[override]
        said = f"Cog predictor {self.predict_ref} in the folder {self.directory.name}"
        if self.reloaded_at is not None:
            said += f" (reloaded at {time.strftime('%H:%M:%S', time.localtime(self.reloaded_at))})"
        return said

    @property
    def streams(self) -> bool:  # type: ignore[override]
        return self.output_schema.get("x-cog-array-type") == "iterator"

    def openapi(self) -> dict[str, Any] | None:
        return self.schema

    def availability(self) -> str | None:
        if not self.ready.is_set():
            return None  # starting: a prediction waits for setup()
        return self.problem

    # lifecycle (the engine calls start once, close at shutdown)

    def start(self, workdir: Path, on_change: Callable[[], None]) -> None:
        """Reads the predictor's schema now (the engine serves it from its first request);
        its server and setup() start in the background (predictions wait for them)."""
        self._workdir = workdir
        self._on_change = on_change
        error = self._describe()
        threading.Thread(target=self._boot, args=(error,), daemon=True,
                         name=f"cog-{self.name}").start()

    def close(self) -> None:
        self._stop.set()
        if self._process is not None:
            self._process.stop()

    def _boot(self, error: str | None) -> None:
        self._serve(error)
        if self.reload:
            self._watch()

    def _describe(self) -> str | None:
        """The predictor's schema from its code; None, or why it cannot be read."""
        self.ready.clear()
        schema, error = self._inspect()
        self.schema = schema or EMPTY_SCHEMA
        self.output_schema = self.schema["components"]["schemas"]["Output"]
        self._on_change()
        return f"cannot load {self.predict_ref}: {error}" if error else None

    def _serve(self, error: str | None) -> None:
        """Start the predictor's server and wait for setup(); never raises."""
        if error is None:
            self._process = CogProcess(self.directory, self._workdir, self.python,
                                       self.predict_ref, self.schema, self._printed)
            try:
                self._process.start()
                failed = self._process.wait_ready(self._stop)
            except OSError as exc:
                failed = f"coglet could not start: {exc}"
            if failed:
                error = f"setup() failed: {failed}"
                self._process.stop()
        self.problem = error
        self._report(error)
        self.ready.set()

    def _printed(self, line: str) -> None:
        """What the predictor printed outside a prediction (its setup()): on the terminal,
        and in the next prediction's logs."""
        print(f"local/{self.name} setup: {line}", file=sys.stderr, flush=True)
        with self._news_lock:
            self._news = [*self._news, f"setup: {line}"][-NEWS_LINES:]

    def _report(self, error: str | None) -> None:
        what = "reloaded" if self.reloaded_at is not None else "started"
        line = f"local/{self.name}: {what}" + (f", unavailable: {error}" if error else "")
        print(line, file=sys.stderr, flush=True)

    def _inspect(self) -> tuple[dict[str, Any] | None, str | None]:
        """(schema, None), or (None, why) when predict.py cannot be imported or described."""
        try:
            done = subprocess.run(
                [self.python, str(INSPECTOR), str(self.directory.resolve()), self.predict_ref],
                cwd=self.directory, capture_output=True, text=True, timeout=INSPECT_WAIT,
                stdin=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return None, f"cannot read the predictor: {exc}"
        lines = done.stdout.strip().splitlines()
        try:
            result = json.loads(lines[-1]) if lines else {}
        except ValueError:
            result = {}
        if "schema" in result:
            return result["schema"], None
        return None, str(result.get("error") or "cannot read the predictor (no answer)")

    def _watch(self) -> None:
        """--cog-reload: a change to the predictor's file restarts its server."""
        file = self.directory / self.predict_ref.partition(":")[0]
        seen = _mtime(file)
        while not self._stop.wait(RELOAD_POLL):
            now = _mtime(file)
            if now == seen:
                continue
            seen = now
            with self._busy:  # the prediction running now ends first
                if self._process is not None:
                    self._process.stop()
                error = self._describe()  # the engine takes the new schema at its door
                self.reloaded_at = time.time()
                with self._news_lock:
                    self._news.append(f"reloaded: {file.name} changed")
                self._serve(error)

    # a prediction

    def predict(self, inputs: BaseModel, ctx: PredictContext) -> Any:
        values = _wire_inputs(inputs.model_dump())
        while not self.ready.wait(0.2):
            ctx.check()
        with self._busy:
            process = self._process
            if self.problem or process is None or not process.alive():
                raise ModelUnavailable(self.problem or "the predictor's server stopped")
            with self._news_lock:
                news, self._news = self._news, []
            for line in news:
                ctx.log(line)
            events = _events(process.url, values, ctx)
            if self.streams:
                return _streamed(events, ctx, self._busy)
            return _finished(events, ctx)


def _mtime(file: Path) -> float:
    try:
        return file.stat().st_mtime
    except OSError:
        return 0.0


def _wire_inputs(values: dict[str, Any]) -> dict[str, Any]:
    """Local file inputs -> data URIs (coglet's own downloader never sees a URL)."""
    def wire(value: Any) -> Any:
        if isinstance(value, Path):
            kind = mimetypes.guess_type(value.name)[0] or "application/octet-stream"
            return f"data:{kind};base64,{base64.b64encode(value.read_bytes()).decode()}"
        if isinstance(value, list):
            return [wire(v) for v in value]
        return value

    return {k: wire(v) for k, v in values.items()}


def _events(url: str, values: dict[str, Any], ctx: PredictContext
            ) -> Generator[tuple[str, dict[str, Any]]]:
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


def _finished(events: Generator[tuple[str, dict[str, Any]]], ctx: PredictContext) -> Any:
    with contextlib.closing(events):
        for name, data in events:
            if name == "log":
                ctx.log(str(data.get("data", "")))
            elif name == "completed":
                _end(data)
                return _piece(data.get("output"), ctx, [0])
    ctx.check()
    raise CogPredictionFailed("the predictor's server closed the stream before the end")


def _streamed(events: Generator[tuple[str, dict[str, Any]]], ctx: PredictContext,
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
