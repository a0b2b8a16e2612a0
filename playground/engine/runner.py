"""Runs predictions: a queue and worker threads per model, cancellation, deadlines, logs.

A model is loaded on first use, under its lock, while its prediction is still `starting` (as a
cold boot is on Replicate): its logs say so, and the load's time is the prediction's
`load_time` metric, apart from `predict_time`. A model unused for `unload_after` seconds is
unloaded (never while a prediction of it runs) and its memory returned to the system; the next
prediction loads it again. What a model frees after its work goes back to the system too.
Every outcome of a model (output, exception, cancellation) ends in a terminal status; nothing a
model does takes the server down.
"""

from __future__ import annotations

import functools
import json
import logging
import queue
import shutil
import threading
import time
import traceback
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from . import fetch, inputs, jsonsafe, memory, redact
from .jobs import TERMINAL, Job
from .models.base import Canceled, EngineModel, ModelUnavailable, PredictContext
from .outputs import OutputStore
from .store import Store
from .webhooks import WebhookSender

SAVE_EVERY = 1.0  # seconds between saves of a running prediction's logs/output
STOP_WAIT = 10.0  # seconds a shutdown waits for running predictions to stop
UNLOAD_AFTER = 600.0  # seconds unused before a model is unloaded (0: never)
UNLOAD_RETRY = 60.0  # seconds before trying again when a model could not unload
LOADING = "loading the model"  # the first log line of a prediction that loads its model
TRIM_AFTER = 0.1  # seconds of work after which freed memory is returned to the system
log = logging.getLogger("playground.engine")


def done_data(status: str) -> str:
    """The `done` event's data: `{}`, or Replicate's `reason` when the prediction did not
    succeed (clients tell a canceled stream from a finished one by it)."""
    reason = {"canceled": "canceled", "failed": "error"}.get(status)
    return json.dumps({"reason": reason}) if reason else "{}"


def _loads(model: EngineModel) -> bool:
    """Whether the model has a `load` of its own (else there is nothing to load or unload)."""
    return type(model).load is not EngineModel.load


@dataclass
class ModelEntry:
    model: EngineModel
    schema: dict[str, Any]  # the full openapi_schema
    version_id: str
    # SimpleQueue: put/get in C, a cheaper hand-off to the worker than queue.Queue
    queue: queue.SimpleQueue[Job | None] = field(default_factory=queue.SimpleQueue)
    load_lock: threading.Lock = field(default_factory=threading.Lock)  # loads and unloads
    loaded: bool = False
    workers: list[threading.Thread] = field(default_factory=list)
    # Workers running a prediction: changed under the runner's lock (read without it when
    # queueing: an estimate); the unloader leaves a model alone unless it is 0.
    busy: int = 0
    last_used: float = 0.0  # time.monotonic() when its last prediction ended

    @property
    def input_schema(self) -> dict[str, Any]:
        return self.schema["components"]["schemas"]["Input"]

    @property
    def file_inputs(self) -> bool:
        return bool(inputs.file_fields(self.input_schema))

    @functools.cached_property
    def secret_inputs(self) -> frozenset[str]:
        return redact.secret_names(self.input_schema)


class Runner:
    def __init__(self, store: Store, outputs: OutputStore, workroot: Path,
                 webhooks: WebhookSender, lookup: inputs.LocalLookup,
                 allow_private_urls: bool, unload_after: float = UNLOAD_AFTER) -> None:
        self.store = store
        self.outputs = outputs
        self.workroot = workroot
        self.webhooks = webhooks
        self.lookup = lookup
        self.allow_private_urls = allow_private_urls
        self.active: dict[str, Job] = {}
        self._lock = threading.Lock()
        self.closed = False
        self.unload_after = unload_after
        self._entries: list[ModelEntry] = []  # models that have workers (have been used)
        self._unloader: threading.Thread | None = None
        self._wake = threading.Event()  # stops the unloader's wait (on close)

    # lifecycle of a prediction

    def submit(self, entry: ModelEntry, job: Job, *, held: bool = False) -> None:
        """Queue a prediction. Its record is saved before anyone can learn of it: here, or,
        when the caller `held` its response until the prediction ends or `ensure_saved` is
        called (`Prefer: wait`), no webhook announces it and a worker is free, by the worker
        as it starts it (off the event loop, and together with the move to `processing`)."""
        with self._lock:
            self.active[job.id] = job
            if not entry.workers:
                for i in range(max(1, entry.model.concurrency)):
                    t = threading.Thread(target=self._work, args=(entry,), daemon=True,
                                         name=f"engine-{entry.model.name}-{i}")
                    entry.workers.append(t)
                    t.start()
                self._entries.append(entry)
                if self.unload_after > 0 and self._unloader is None:
                    self._unloader = threading.Thread(target=self._unload_idle, daemon=True,
                                                      name="engine-unloader")
                    self._unloader.start()
        waits = entry.queue.qsize() + entry.busy >= len(entry.workers)  # behind others
        if not held or waits or job.rec.get("webhook"):
            self._save(job)
        self.webhooks.event(job, "start")
        deadline = job.rec.get("deadline_ts")
        if deadline:
            timer = threading.Timer(max(0.0, deadline - time.time()), self.cancel, (job.id,))
            timer.daemon = True
            timer.start()
        entry.queue.put(job)

    def fail_now(self, job: Job, error: str) -> None:
        """A prediction that cannot run at all (unavailable model): created, then failed."""
        with self._lock:
            self.active[job.id] = job
        self._save(job)
        self.webhooks.event(job, "start")
        self._finish(job, "failed", error=error)

    def cancel(self, pid: str) -> bool:
        job = self.active.get(pid)
        if job is None:
            return False
        with job.lock:
            queued = not job.picked and job.rec["status"] == "starting"
            job.picked = job.picked or queued  # a worker that pops it later skips it
        job.cancel_event.set()
        if queued:
            self._finish(job, "canceled")
        return True

    def get(self, pid: str) -> dict[str, Any] | None:
        job = self.active.get(pid)
        return job.snapshot() if job else self.store.get_prediction(pid)

    def close(self, wait: float = STOP_WAIT) -> None:
        """Stop taking work. Running predictions are told to cancel but stay unsaved, so a
        restart reports them as interrupted. Waits (bounded) for them to stop: a native runtime
        (llama.cpp) still generating when the interpreter exits aborts the whole process."""
        jobs = list(self.active.values())
        for job in jobs:
            self.ensure_saved(job)  # a restart reports it as interrupted
        self.closed = True
        self._wake.set()
        for job in jobs:
            job.cancel_event.set()
        deadline = time.monotonic() + wait
        for job in jobs:
            if job.picked:  # queued jobs never run now; running ones end at their next check()
                job.done.wait(max(0.0, deadline - time.monotonic()))

    # the worker

    def _work(self, entry: ModelEntry) -> None:
        while not self.closed:
            job = entry.queue.get()
            if job is None or self.closed:
                return
            with job.lock:
                if job.picked:
                    continue
                job.picked = True
            with self._lock:
                entry.busy += 1
            start = time.monotonic()
            try:
                self._run(entry, job)
            except Exception as exc:  # last resort: never lose the worker
                self._finish(job, "failed", error=f"engine error: {exc}")
            finally:
                with self._lock:
                    entry.busy -= 1
                    entry.last_used = time.monotonic()
            # What the model freed goes back to the system, unless the next prediction is
            # already waiting to reuse it; after work that dwarfs the trim (engine/memory.py).
            if entry.last_used - start >= TRIM_AFTER and entry.queue.empty():
                memory.trim()

    # loading and unloading

    def _load(self, entry: ModelEntry, job: Job, ctx: PredictContext) -> float | None:
        """Load the model unless it is loaded; the seconds it took, or None. The prediction
        stays `starting` meanwhile; its logs say that the model is loading."""
        if entry.loaded:  # set under load_lock; an unload cannot start while we are busy
            return None
        with entry.load_lock:
            if entry.loaded:
                return None
            if not _loads(entry.model):  # nothing to load: nothing to say
                entry.loaded = True
                return None
            ctx.log(LOADING)
            self.ensure_saved(job)  # a load takes seconds: the prediction is listed meanwhile
            start = time.perf_counter()
            entry.model.load(ctx)
            took = time.perf_counter() - start
            entry.loaded = True
            ctx.log(f"the model is loaded ({took:.2f} s)")
            return round(took, 6)

    def _unload_idle(self) -> None:
        """The unloader thread: unloads each model unused for `unload_after` seconds."""
        while not self.closed:
            wait = self.unload_after  # a model loaded from now on is unused for no longer
            for entry in list(self._entries):
                if not entry.loaded or not _loads(entry.model):
                    continue
                left = entry.last_used + self.unload_after - time.monotonic()
                if left <= 0:
                    if self._unload(entry):
                        continue
                    left = min(UNLOAD_RETRY, self.unload_after)  # in use: look again later
                wait = min(wait, left)
            self._wake.wait(wait)

    def _unload(self, entry: ModelEntry) -> bool:
        """Unload `entry` if it is loaded, idle and unused for long enough; False when it is
        still loaded afterwards (in use, or the model could not unload now)."""
        if not entry.load_lock.acquire(blocking=False):  # loading: in use
            return False
        try:
            with self._lock:
                idle = time.monotonic() - entry.last_used
                if entry.busy or not entry.loaded or idle < self.unload_after or self.closed:
                    return not entry.loaded
                entry.loaded = False  # a prediction picked from now on loads it again
            try:
                done = entry.model.unload()
            except Exception as exc:  # a model's own failure: it stays as it is
                log.warning("engine: unloading %s failed: %s: %s", entry.model.ref,
                            type(exc).__name__, redact.message(str(exc))[:300])
                done = False
            if not done:
                entry.loaded = True
                return False
            memory.release()
            log.info("engine: unloaded %s after %.0f s unused", entry.model.ref, idle)
            return True
        finally:
            entry.load_lock.release()

    def _log(self, job: Job, line: str) -> None:
        text = redact.line(job.scrub(jsonsafe.repair(str(line)).rstrip("\n")))
        if text is None:
            return
        with job.lock:
            job.rec["logs"] = (job.rec.get("logs") or "") + text + "\n"
        job.emit("logs", text)
        self.webhooks.event(job, "logs")
        self._save_soon(job)

    def _run(self, entry: ModelEntry, job: Job) -> None:
        ctx = PredictContext(workdir=self.workroot / job.id,
                             log=lambda line: self._log(job, line), cancel_event=job.cancel_event)
        try:
            ctx.check()
            load_time = self._load(entry, job, ctx)
            ctx.check()
            job.update(status="processing", started_ts=time.time())
            if job.saved:
                # like logs and output, a running state is saved at most once a second (a
                # restart fails starting and processing ones alike)
                self._save_soon(job)
            else:
                self._save(job)
            if load_time is not None:  # counted apart: predict_time starts after the load
                ctx.metrics["load_time"] = load_time
            ctx.check()
            values = {**job.rec["input"], **job.secrets}
            if entry.file_inputs:  # only then is a scratch directory needed before predict
                values = inputs.resolve_files(entry.input_schema, values, ctx.workdir,
                                              self.lookup, self.allow_private_urls)
            parsed = entry.model.Input.model_validate(values)
            result = entry.model.predict(parsed, ctx)
            output = self._collect(entry, job, result, ctx)
            ctx.check()
            self._finish(job, "succeeded", output=output, metrics=ctx.metrics)
        except Canceled:
            self._finish(job, "canceled")
        except ModelUnavailable as exc:
            self._finish(job, "failed", error=str(exc))
        except (fetch.FetchError, ValidationError) as exc:
            self._finish(job, "failed", error=str(exc))
        except Exception as exc:
            if job.cancel_event.is_set():
                self._finish(job, "canceled")
                return
            # a model's own failure: one plain line for the caller; the traceback stays in
            # the server's debug log (it names server paths)
            self._log(job, f"{type(exc).__name__}: {exc}")
            log.warning("engine: %s failed: %s: %s", entry.model.ref, type(exc).__name__,
                        redact.message(job.scrub(str(exc)))[:300])
            if log.isEnabledFor(logging.DEBUG):
                log.debug("engine: %s traceback:\n%s", entry.model.ref,
                          job.scrub("".join(traceback.format_exception(exc))))
            self._finish(job, "failed", error=str(exc) or type(exc).__name__)
        finally:
            if ctx.workdir_made:
                shutil.rmtree(ctx.workdir, ignore_errors=True)

    def _collect(self, entry: ModelEntry, job: Job, result: Any, ctx: PredictContext) -> Any:
        is_iter = isinstance(result, Iterator) or (
            isinstance(result, Iterable)
            and not isinstance(result, str | bytes | dict | list | tuple | BaseModel | Path)
        )
        if not is_iter:
            return self.outputs.convert(result, job.id)
        pieces: list[Any] = []
        with job.lock:
            job.rec["output"] = pieces
        for piece in result:
            ctx.check()
            converted = self.outputs.convert(piece, job.id)
            with job.lock:
                pieces.append(converted)
            job.emit("output", converted)
            self.webhooks.event(job, "output")
            self._save_soon(job)
        return list(pieces)

    def _finish(self, job: Job, status: str, *, output: Any = None,
                error: str | None = None, metrics: dict[str, float] | None = None) -> None:
        now = time.time()
        with job.lock:
            if job.rec["status"] in TERMINAL:
                return
            rec = job.rec
            if error is not None:
                error = redact.message(job.scrub(jsonsafe.repair(error))) or "the model failed"
            rec["status"] = status
            rec["completed_ts"] = now
            rec["error"] = error
            if status == "succeeded":
                rec["output"] = output
            times: dict[str, float] = {"total_time": round(now - rec["created_ts"], 6)}
            if rec.get("started_ts"):
                times["predict_time"] = round(now - rec["started_ts"], 6)
            rec["metrics"] = {**(metrics or {}), **times}
            if error:
                job.events.append(("error", json.dumps({"detail": error})))
            job.events.append(("done", done_data(status)))
            job.done.set()
        self._save(job)
        self.outputs.finished(job.id)
        job.notify()
        if not self.closed:  # interrupted by shutdown: a restart reports it, not a webhook
            self.webhooks.event(job, "completed")
        with self._lock:
            self.active.pop(job.id, None)

    def _save_soon(self, job: Job) -> None:
        if time.monotonic() - job.last_saved >= SAVE_EVERY:
            self._save(job)

    def ensure_saved(self, job: Job) -> None:
        if not job.saved:
            self._save(job)

    def _save(self, job: Job) -> None:
        if self.closed:
            return
        with job.save_lock:  # two threads' saves of one job land in the order they were taken
            job.last_saved = time.monotonic()
            job.saved = True
            rec = job.snapshot()
            try:
                self.store.save_prediction(rec)
            except jsonsafe.UnsafeJSON as exc:  # inputs are checked at the door; this is a model's
                log.warning("engine: prediction %s repaired before storing (%s)", job.id, exc)
                self.store.save_prediction(jsonsafe.repair(rec))
