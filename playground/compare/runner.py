"""Running a comparison round: every entry at once, capped, each pane on its own.

`Runner.run_round` starts one task per entry under a semaphore (so a session never has more than
`max_concurrency` predictions in flight and never trips a rate limit), and yields a `PaneUpdate`
whenever a pane changes: status, logs, streamed chat text, the finished result. Each entry is
one service run (`RunUpdate`s, then a `RunResult`), so a failed prediction fails its pane the
same way in every task, chat included. A failing entry only fails its own pane. Closing the
generator early cancels what is still running.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from playground.results import RunResult, RunUpdate
from playground.service import OnUpdate

from .prices import PriceTable
from .session import CompareSession, Run, output_text, relative_name

DEFAULT_CONCURRENCY = 4
_DONE = object()
Job = tuple[Run, str, dict[str, Any], dict[str, Any]]  # run, ref, shared inputs, overrides


class Backend(Protocol):
    """What the runner needs (see `service_backend.ServiceBackend`, on the service)."""

    async def run(self, ref: str, input: dict[str, Any], *, token: str | None,
                  on_update: OnUpdate | None, stream: bool = False,
                  secret_inputs: frozenset[str] = frozenset()) -> RunResult:
        """One prediction to its end; with `stream`, the output arrives in updates.
        `secret_inputs` are sent but never kept (history, logs)."""
        ...

    async def resolve(self, ref: str, shared: dict[str, Any], overrides: dict[str, Any], *,
                      token: str | None) -> tuple[str, dict[str, Any]]:
        """The model to run and its input: a preset id becomes its model and default inputs;
        shared inputs are cut to what the model accepts (so a shared seed or prompt never makes
        a model refuse the request); overrides are sent as given and win."""
        ...

    async def cancel(self, prediction_id: str, *, token: str | None) -> None: ...

    async def finished(self, prediction_id: str, *, token: str | None) -> RunResult | None:
        """The prediction as the backend has it now (outputs saved if it succeeded)."""
        ...


@dataclass
class PaneUpdate:
    entry: int
    run: Run  # a snapshot, safe to keep


def describe_error(exc: BaseException) -> str:
    """One readable line (or a few) for a pane; never a traceback, never a token."""
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) <= 2000 else text[:1999] + "…"


def describe_failure(result: RunResult) -> str:
    """A failed or canceled run's line for its pane."""
    if result.canceled:
        return "Canceled"
    return describe_error(RuntimeError(result.error or "the model stopped without saying why"))


class Runner:
    def __init__(self, backend: Backend, *, prices: PriceTable | None = None,
                 max_concurrency: int = DEFAULT_CONCURRENCY, data_dir: Path | None = None,
                 streaming_tasks: frozenset[str] = frozenset({"chat"}),
                 describe: Callable[[BaseException], str] = describe_error,
                 failed: Callable[[RunResult], str] = describe_failure) -> None:
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        self.backend = backend
        self.prices = prices if prices is not None else PriceTable.load()
        self.max_concurrency = max_concurrency
        self.data_dir = data_dir
        self.streaming_tasks = streaming_tasks
        self.describe = describe  # the UI passes its own wording of errors
        self.failed = failed  # ... and of failed or canceled runs
        self._running: list[asyncio.Task[None]] = []  # the round's entries, while it runs
        self._runs: list[Run] = []  # ... and their runs, in the same order
        self._token: str | None = None  # the running round's token (Stop cancels with it)
        self._cancels: set[asyncio.Task[None]] = set()  # cancel requests on their way
        self._canceled: set[str] = set()  # predictions Stop has asked the backend to cancel
        self._stopped = False

    async def run_round(self, session: CompareSession, *, token: str | None = None,
                        pinned: bool = False) -> AsyncIterator[PaneUpdate]:
        """Run every entry once as a new round (appended to `session.runs`).

        With `pinned`, each entry runs the exact model version its latest run used (replay).
        """
        previous = {r.entry: r for r in session.round_runs()} if pinned else {}
        round_no = session.last_round + 1
        # first, so that a session naming a file that is not the app's adds no empty round
        parts = [session.entry_parts(i, self.data_dir) for i in range(len(session.entries))]
        jobs = []
        for i, entry in enumerate(session.entries):
            ref = entry.ref
            if pinned and i in previous and previous[i].pinned_ref:
                ref = previous[i].pinned_ref or ref
            run = Run(round=round_no, entry=i, label=entry.title)
            session.runs.append(run)
            jobs.append((run, ref, *parts[i]))
        stream = session.task in self.streaming_tasks
        async with contextlib.aclosing(self._session_jobs(session, jobs, stream, token)) as up:
            async for update in up:
                yield update

    async def run_set(self, session: CompareSession, cells: list[tuple[int, int]], *,
                      token: str | None = None) -> AsyncIterator[PaneUpdate]:
        """Run a prompt set's (round, entry) cells, within the concurrency limit; a cell run
        before and not finished is run again in its place (`prompt_set.missing`)."""
        jobs = []
        for round_no, i in cells:
            shared, own = session.entry_parts(i, self.data_dir, round_no)
            session.runs = [r for r in session.runs if (r.round, r.entry) != (round_no, i)]
            run = Run(round=round_no, entry=i, label=session.entries[i].title)
            session.runs.append(run)
            jobs.append((run, session.entries[i].ref, shared, own))
        # a set's answers are read when done: no token-by-token stream for each of them
        async with contextlib.aclosing(self._session_jobs(session, jobs, False, token)) as up:
            async for update in up:
                yield update

    async def _session_jobs(self, session: CompareSession, jobs: list[Job], stream: bool,
                            token: str | None) -> AsyncIterator[PaneUpdate]:
        """A session's jobs run, its entries' secrets kept out of what they show."""
        hidden = _Secrets({i: session.secret_names(i) for i in range(len(session.entries))},
                          session.secret_values())
        # aclosing: closing this generator early must cancel the inner one's tasks right away
        async with contextlib.aclosing(self._run_all(jobs, stream=stream, token=token,
                                                     hidden=hidden)) as updates:
            async for update in updates:
                yield update

    def stop(self) -> None:
        """Stop the running round's entries: each one ends canceled (on the backend too) and
        its pane says so; those already finished keep their results. The round's updates
        then end by themselves, whether or not whoever reads them was canceled as well.

        An entry still waiting for its turn is dropped; one the backend has is canceled there,
        and ends when the backend says so (a prediction that finished first keeps its
        output); one being created is canceled as soon as its id is known. None is cut off
        mid-request: a prediction the backend made but the app never heard of would run on,
        and a Resume would run it again."""
        self._stopped = True
        for task, run in zip(self._running, self._runs, strict=False):
            if run.status == "queued":
                task.cancel()
            elif run.prediction_id and not run.done:
                self._cancel_on_backend(run.prediction_id)

    def _cancel_on_backend(self, prediction_id: str) -> None:
        if prediction_id in self._canceled:
            return
        self._canceled.add(prediction_id)

        async def cancel() -> None:
            with contextlib.suppress(Exception):
                await self.backend.cancel(prediction_id, token=self._token)

        task = asyncio.get_running_loop().create_task(cancel())
        self._cancels.add(task)
        task.add_done_callback(self._cancels.discard)

    async def settle(self, runs: list[Run], *, token: str | None = None) -> None:
        """After a Stop: give every unfinished run its final state. A prediction that finished on
        the backend before the stop reached it is shown as such, with its output; the others are
        canceled (on the backend too)."""
        for run in runs:
            if run.status in ("succeeded", "failed"):
                continue
            result = None
            if run.prediction_id:
                with contextlib.suppress(Exception):
                    result = await self.backend.finished(run.prediction_id, token=token)
            if result is not None and result.ok:
                run.error = None
                self._absorb(run, result)
                continue
            if run.prediction_id and run.status != "canceled":
                with contextlib.suppress(Exception):
                    await self.backend.cancel(run.prediction_id, token=token)
            run.status, run.error = "canceled", run.error or "Canceled"

    async def run_cells(self, cells: list[Job], *, token: str | None = None) -> list[Run]:
        """Run prepared (run, ref, shared, overrides) jobs, e.g. grid cells; returns the runs."""
        async for _ in self._run_all(cells, stream=False, token=token):
            pass
        return [job[0] for job in cells]

    async def _run_all(self, jobs: list[Job], *, stream: bool, token: str | None,
                       hidden: _Secrets | None = None) -> AsyncIterator[PaneUpdate]:
        hidden = hidden or _Secrets({}, [])
        queue: asyncio.Queue[Any] = asyncio.Queue()
        gate = asyncio.Semaphore(self.max_concurrency)

        def publish(run: Run) -> None:
            hidden.scrub(run)
            queue.put_nowait(PaneUpdate(run.entry, run.model_copy(deep=True)))

        async def one(run: Run, ref: str, shared: dict[str, Any],
                      overrides: dict[str, Any]) -> None:
            try:
                async with gate:
                    await self._run_one(run, ref, shared, overrides, stream, token, publish,
                                        hidden.names.get(run.entry, frozenset()))
            except asyncio.CancelledError:
                run.status, run.error = "canceled", run.error or "Canceled"
                if run.prediction_id:
                    with contextlib.suppress(Exception):
                        await asyncio.shield(self.backend.cancel(run.prediction_id, token=token))
                raise
            except Exception as exc:  # one failing pane never stops the others
                run.status, run.error = "failed", self.describe(exc)
            finally:
                publish(run)
                queue.put_nowait(_DONE)

        tasks = [asyncio.create_task(one(*job)) for job in jobs]
        self._running, self._runs, self._token = tasks, [job[0] for job in jobs], token
        if self._stopped:  # stopped before it began: nothing of it runs
            self.stop()
        for job in jobs:
            publish(job[0])  # every pane shows "queued" at once
        pending = len(tasks)
        try:
            while pending:
                item = await queue.get()
                if item is _DONE:
                    pending -= 1
                else:
                    yield item
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _run_one(self, run: Run, ref: str, shared: dict[str, Any],
                       overrides: dict[str, Any], stream: bool, token: str | None,
                       publish: Callable[[Run], None],
                       secrets: frozenset[str] = frozenset()) -> None:
        run.status = "starting"
        publish(run)
        ref, inputs = await self.backend.resolve(ref, shared, overrides, token=token)
        if self._stopped:  # Stop came while the model was looked up: nothing was sent
            raise asyncio.CancelledError
        run.model = ref.split(":", 1)[0]
        run.input = {k: SECRET_SHOWN if k in secrets else _jsonable(v, self.data_dir)
                     for k, v in inputs.items()}

        def on_update(update: RunUpdate) -> None:
            run.status = update.status if update.status != "retrying" else run.status
            run.waiting = update.notice if update.status == "queued" else None
            run.prediction_id = update.prediction_id or run.prediction_id
            if self._stopped and run.prediction_id:  # made as Stop came: cancel it now
                self._cancel_on_backend(run.prediction_id)
            run.logs = update.logs or run.logs
            if update.text:
                run.text = update.text
            publish(run)

        result = await self.backend.run(ref, inputs, token=token, on_update=on_update,
                                        stream=stream, secret_inputs=secrets)
        self._absorb(run, result)
        if not result.ok:
            run.error = self.failed(result)

    def _absorb(self, run: Run, result: RunResult) -> None:
        """Copy a finished run's result into the pane's record, and price it."""
        run.prediction_id = result.prediction_id or run.prediction_id
        run.model = result.model or run.model
        run.version = result.version or run.version
        run.status = result.status
        run.metrics = {k: float(v) for k, v in result.metrics.items()
                       if isinstance(v, int | float) and not isinstance(v, bool)}
        run.logs = result.logs or run.logs
        run.error = result.error or run.error
        text = output_text(result.output)
        run.text = text if text is not None else run.text
        run.files = [relative_name(f, self.data_dir) for f in result.files]
        estimate = self.prices.estimate(run.model, run.metrics.get("predict_time"),
                                       run.metrics)
        run.hardware, run.cost_usd = (estimate.hardware, estimate.usd) if estimate else (None, None)


SECRET_SHOWN = "(secret, not kept)"


@dataclass
class _Secrets:
    """A round's secret inputs: their names per entry, and their values (never shown)."""

    names: dict[int, frozenset[str]]
    values: list[str]

    def scrub(self, run: Run) -> None:
        """A model may echo a secret in its logs, error or text: it never reaches a pane or
        the session file."""
        for value in self.values:
            if len(value) < 4:  # a 1-3 character secret would blank out ordinary words
                continue
            run.logs = run.logs.replace(value, "[secret]")
            run.error = run.error.replace(value, "[secret]") if run.error else run.error
            run.text = run.text.replace(value, "[secret]") if run.text else run.text


def _jsonable(value: Any, base: Path | None) -> Any:
    """Inputs as the session records them: local files by name, long data URIs shortened."""
    if isinstance(value, Path):
        return relative_name(value, base)
    if isinstance(value, str) and value.startswith("data:") and len(value) > 120:
        return value[:60] + f"…({len(value)} chars)"
    return value

