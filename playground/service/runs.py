"""`Runs`: how a prediction runs once its inputs are ready. Created, then polled or streamed to
its end, canceled on the backend when the caller gives up, and finished in one place (outputs
saved, the run recorded in the history, the hooks called). `Service` prepares the inputs."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable

from playground.files import OutputSaver, SavedOutput, shorten_all
from playground.history.recorder import INTERRUPTED, PendingRun, Recorder
from playground.replicate import AsyncClient, errors
from playground.replicate.types import Prediction
from playground.results import RunResult, RunUpdate, parse_progress

from . import secrets
from .gate import Gate, Slot, Visitor
from .history import pending_run
from .live import LiveRun, interruption
from .reporting import read_stream
from .request import RunRequest
from .routing import Router
from .schema import InputSchema

OnFinished = Callable[[RunResult], None]


class Runs:
    """The run loops a `Service` holds; `recorder` is None when there is no run history."""

    def __init__(self, router: Router, saver: OutputSaver, recorder: Recorder | None,
                 *, timeout: float | None) -> None:
        # each run's client: the backend's, or the engine's for its --cog models
        self.router, self.saver, self.recorder = router, saver, recorder
        self.timeout = timeout  # per prediction; None: wait as long as it runs
        self.on_finished: list[OnFinished] = []
        self.gate: Gate | None = None  # demo mode: the host's limits (service/gate.py)
        self.has_server_token = False  # a run without a token of its own spends the host's

    # --- the history ---------------------------------------------------------------------

    async def pending(self, request: RunRequest,
                      schema: InputSchema | None = None) -> PendingRun | None:
        """`request` as the history will record it (for `request.options.caller`); None
        without a history."""
        if self.recorder is None:
            return None
        return await pending_run(self.recorder, request, schema)

    def reused(self, pending: PendingRun | None) -> RunResult | None:
        """The saved result of an identical run, when the caller may have it: no backend call."""
        if self.recorder is None or pending is None:
            return None
        return self.recorder.cached(pending)

    # --- the run loops -------------------------------------------------------------------

    async def _enter(self, request: RunRequest) -> Slot | None:
        """Demo mode: wait for this run's turn (or be refused, `RunRefused`) before anything
        is sent."""
        if self.gate is None:
            return None
        caller = request.options.caller
        visitor = Visitor(caller.owner, caller.address) if caller is not None else Visitor("")
        return await self.gate.enter(
            visitor, request.ref, on_update=request.options.on_update,
            any_model=request.task == "model",
            owner_token=request.options.token is None and self.has_server_token)

    def _limit(self, slot: Slot | None) -> float | None:
        """The run's time limit: the service's, or the demo's when shorter."""
        limits = [t for t in (self.timeout, slot.max_seconds if slot else None) if t]
        return min(limits) if limits else None

    async def run(self, request: RunRequest, pending: PendingRun | None = None) -> RunResult:
        """Create, then poll to the end, reporting each change of status or logs."""
        return await self._gated(self._run, request, pending)

    async def stream(self, request: RunRequest, pending: PendingRun | None = None) -> RunResult:
        """Create with streaming; every piece of output is an update with `delta`."""
        return await self._gated(self._stream, request, pending)

    async def _gated(self, loop: Callable[[RunRequest, PendingRun | None, float | None],
                                          Awaitable[RunResult]],
                     request: RunRequest, pending: PendingRun | None) -> RunResult:
        """One run loop through demo mode's gate (when there is one): its turn first, its
        slot held until it ends."""
        slot = await self._enter(request)
        try:
            result = await loop(request, pending, self._limit(slot))
        except BaseException:
            if slot is not None:
                slot.abandon()
            raise
        if slot is not None:
            slot.finished(result.model, result.metrics)
        return result

    async def _run(self, request: RunRequest, pending: PendingRun | None,
                   timeout: float | None) -> RunResult:
        token = request.options.token
        started = time.monotonic()
        client = self.router.client_for(request.ref)
        prediction = await client.predictions.create(request.ref, dict(request.inputs),
                                                     token=token)
        self.router.remember(client, prediction.id)
        # in the history from now on
        live = LiveRun(self.recorder, pending, request.options.on_update)
        last: tuple[str, str] | None = None

        async def report(p: Prediction) -> None:
            nonlocal last
            state = (p.status, p.logs or "")
            if state == last:
                return
            last = state
            await live.update(RunUpdate(p.id, p.status, p.logs or "", parse_progress(p.logs),
                                        time.monotonic() - started))

        try:
            await report(prediction)
            prediction = await client.predictions.wait(
                prediction, timeout=timeout, on_update=report, token=token)
        except asyncio.CancelledError:  # the caller gave up (e.g. Stop in the UI): stop it too
            await self._shielded_cancel(client, prediction.id, token)
            await live.cut("canceled", INTERRUPTED, prediction.id)
            raise
        except Exception as exc:  # the backend was lost (a crash, the network): not canceled
            await live.cut("interrupted", interruption(exc), prediction.id)
            raise
        await live.settled()
        return await self.finished(prediction, request, started, pending)

    async def _stream(self, request: RunRequest, pending: PendingRun | None,
                      timeout: float | None) -> RunResult:
        token = request.options.token
        started = time.monotonic()
        client = self.router.client_for(request.ref)
        stream = client.stream(request.ref, dict(request.inputs), timeout=timeout,
                               token=token)
        # In the history once the backend has it, its text kept as it streams.
        live = LiveRun(self.recorder, pending, request.options.on_update)
        # the whole run, not one read: a stream that keeps talking is still stopped on time
        deadline = asyncio.timeout(timeout)
        try:
            async with deadline:
                final, text, logs = await read_stream(stream, live.update, started)
            if stream.prediction is not None:
                self.router.remember(client, stream.prediction.id)
            if final is not None and not final.done:  # "done" came before the status settled
                final = await client.predictions.wait(final, timeout=30, token=token)
        except BaseException as exc:
            await stream.aclose()
            if deadline.expired() and isinstance(exc, TimeoutError):
                exc = errors.PredictionTimedOut(stream.prediction or Prediction(
                    id="", status="starting"), timeout or 0.0)
            if stream.prediction is not None:  # stop it too, best effort
                created = stream.prediction.id
                self.router.remember(client, created)
                await self._shielded_cancel(client, created, token)
                if isinstance(exc, asyncio.CancelledError):  # the caller stopped it (Stop)
                    await live.cut("canceled", INTERRUPTED, created)
                else:  # the backend was lost (a crash, the network): nobody canceled it
                    await live.cut("interrupted", interruption(exc), created)
            if isinstance(exc, errors.PredictionTimedOut):
                raise exc from None
            raise
        await stream.aclose()
        await live.settled()
        if final is None:
            raise errors.ReplicateError("the stream ended before the prediction was created")
        if not final.logs and logs:
            final = final.model_copy(update={"logs": logs})
        if final.output is None and text:  # what was streamed, also when it stopped midway
            final = final.model_copy(update={"output": [text]})
        return await self.finished(final, request, started, pending)

    async def finished(self, p: Prediction, request: RunRequest, started: float,
                       pending: PendingRun | None = None) -> RunResult:
        """The one place every run ends: outputs saved locally, metrics, the run recorded in
        the history (for `pending.caller`), the hooks called."""
        if p.status == "succeeded" and p.output is not None:
            saved = await self.saver.save(p.output, token=request.options.token)
        else:
            saved = SavedOutput(p.output)
        # before any hook, log or page sees them
        inputs, p = secrets.redacted(request.options.secret_inputs, dict(request.inputs), p)
        metrics = dict(p.metrics or {})
        metrics["client_time"] = time.monotonic() - started  # downloads included
        metrics.setdefault("total_time", metrics["client_time"])
        result = RunResult(
            prediction_id=p.id, model=p.model or request.ref.partition(":")[0],
            version=p.version, input=shorten_all(inputs), status=p.status, output=p.output,
            files=saved.files, local_output=saved.value, logs=p.logs or "", metrics=metrics,
            error=None if p.error is None else str(p.error),
            upload_notes=list(request.upload_notes), output_problems=saved.problems,
            notes=list(request.notes), prediction=p,
        )
        if self.recorder is not None and pending is not None:
            # files copied and a row written: off the event loop
            kept = await asyncio.to_thread(self.recorder.record, pending, result)
            if kept is None:
                result.notes.append("This run could not be saved to the history.")
        for hook in self.on_finished:
            hook(result)
        return result

    async def _shielded_cancel(self, client: AsyncClient, prediction_id: str,
                               token: str | None) -> None:
        """Best effort, and not itself cancelable: the caller is already being torn down."""
        async def cancel() -> None:
            with contextlib.suppress(errors.ReplicateError):
                await client.predictions.cancel(prediction_id, token=token or None)

        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.shield(cancel())
