"""A Cog predictor folder as an engine model (`--cog DIR`): `local/<name>`, its own schema.

The engine keeps its own /v1 surface (queue, store, GET, list, cancel, Replicate's SSE) and the
model's one worker thread drives a coglet server (`process.py`), one prediction at a time, over
its HTTP API (`wire.py`). This module is the predictor's life: its schema read from its code
(`inspect_predictor.py`), its server started and its setup() waited for, what it printed, its
failures (listed as unavailable), and `--cog-reload`.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from .. import redact
from ..models.base import EngineModel, ModelUnavailable, PredictContext
from .process import CogProcess, predictor_env
from .wire import finished, prediction_events, streamed, wire_inputs

INSPECTOR = Path(__file__).with_name("inspect_predictor.py")
INSPECT_WAIT = 300.0  # seconds importing predict.py may take
RELOAD_POLL = 1.0  # seconds between looks at predict.py's mtime
NEWS_LINES = 50  # lines of setup() output kept for the next prediction's logs
STOPPED = ("the predictor's server stopped: start the engine again (or, with --cog-reload, "
           "save predict.py)")
EMPTY_SCHEMA: dict[str, Any] = {
    "openapi": "3.0.2", "info": {"title": "Cog", "version": "0.1.0"}, "paths": {},
    "components": {"schemas": {"Input": {"type": "object", "title": "Input", "properties": {}},
                               "Output": {"title": "Output"}}},
}


class AnyInput(BaseModel):
    """The values as checked against the predictor's schema (coglet checks them again)."""

    model_config = ConfigDict(extra="allow")


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
        if self.problem is None and self._process is not None and not self._process.alive():
            self.problem = STOPPED
        # the model's listing is seen by API callers: no server paths (an import error may
        # name one)
        return redact.message(self.problem) if self.problem else None

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
                stdin=subprocess.DEVNULL, env=predictor_env(self.python, self.directory))
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
        values = wire_inputs(inputs.model_dump())
        if not self.ready.is_set():
            ctx.log("waiting for the predictor's setup() to finish")
        while not self.ready.wait(0.2):
            ctx.check()
        with self._busy:
            process = self._process
            if self.problem or process is None or not process.alive():
                raise ModelUnavailable(self.availability() or STOPPED)
            with self._news_lock:
                news, self._news = self._news, []
            for line in news:
                ctx.log(line)
            events = prediction_events(process.url, values, ctx)
            if self.streams:
                return streamed(events, ctx, self._busy)
            return finished(events, ctx)


def _mtime(file: Path) -> float:
    try:
        return file.stat().st_mtime
    except OSError:
        return 0.0


