"""Between the service and the history: a run before it is sent, its record when it ends, and
an identical earlier run that answers it instead of the backend.

Whose run it is travels with it: the service's methods take `caller=Caller(owner, tab)` and the
`PendingRun` carries it, so every step below reads `pending.caller` (nothing hidden in the
task's context). The service calls `pending()` before anything is sent, `cached()` to skip the
backend, `begin()` once the backend has the prediction (the run is in the history while it
runs, so a crash cannot lose it), `progress()` as it streams, and `record()` / `interrupted()`
from the one place every run ends (in place of the row `begin` made).
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from playground.history.cache import cache_key, repeatable
from playground.history.record import BackendKind, FinishedRun, RunRecord, is_owner_id
from playground.history.rows import RUNNING
from playground.history.runs import Caller, Estimate, RunHistory
from playground.results import RunResult

log = logging.getLogger("playground.history")
# The backend a ref runs on, when not always the same one (the engine's --cog models beside
# Replicate): its kind and URL, recorded with each run and part of its cache key.
Route = Callable[[str], tuple[BackendKind, str]]
INTERRUPTED = "Interrupted: stopped before it finished (Cancel, or the page was closed or reloaded)"

@dataclass
class PendingRun:
    """A run as the service is about to send it."""

    task: str
    ref: str
    inputs: dict[str, Any]  # as they will be sent; uploads as InputFile (their bytes)
    key: str | None = None  # set when an identical run may answer it
    snippet: str | None = None  # what the list shows (a chat's message, not its whole prompt)
    secrets: frozenset[str] = frozenset()
    may_reuse: bool = False  # an identical saved run may answer it (see `cached`)
    # whose run, from which tab; None (a script calling the service): kept under an id no
    # browser holds, never answered from the history
    caller: Caller | None = None
    started_at: float = field(default_factory=time.time)
    record_id: str | None = None  # its row in the history, once `Recorder.begin` stored it


class Recorder:
    """Records every run into `history`, for the caller its `PendingRun` names."""

    def __init__(self, history: RunHistory, *, backend_kind: BackendKind, backend_url: str,
                 estimate: Estimate | None = None, route: Route | None = None) -> None:
        self.history = history
        self.backend_kind = backend_kind
        self.backend_url = backend_url.rstrip("/")
        self.estimate = estimate
        self.route = route

    def backend_of(self, ref: str) -> tuple[BackendKind, str]:
        """Which backend a run of `ref` goes to: its kind and URL."""
        if self.route is None:
            return self.backend_kind, self.backend_url
        kind, url = self.route(ref)
        return kind, url.rstrip("/")

    def pending(self, task: str, ref: str, inputs: dict[str, Any], *, deterministic: bool,
                caller: Caller | None = None, secret_inputs: frozenset[str] = frozenset(),
                snippet: str | None = None, key_inputs: dict[str, Any] | None = None,
                keyable: bool = True) -> PendingRun:
        """`caller`: whose run (None: nobody's, see `PendingRun.caller`). `key_inputs`: what
        an identical run is recognised by, when not `inputs` (the files as the user gave them,
        before any shrinking: found without decoding an image)."""
        key = None
        if keyable and repeatable(inputs, deterministic=deterministic):
            model, _, version = ref.partition(":")
            key = cache_key(backend_url=self.backend_of(ref)[1], model=model,
                            version=version or None,
                            inputs=inputs if key_inputs is None else key_inputs,
                            secrets=secret_inputs)
        # A seed the tab drew at random still keys the saved run (typing that seed in later
        # finds it), but never answers this run from the history.
        chosen = deterministic or caller is None or caller.seed_chosen
        return PendingRun(task, ref, inputs, key, snippet, secret_inputs,
                          may_reuse=key is not None and chosen, caller=caller)

    def cached(self, pending: PendingRun) -> RunResult | None:
        """The saved result of an identical run of this caller's, or None (run it)."""
        caller = pending.caller
        if caller is None or not caller.reuse or not pending.may_reuse:
            return None
        scope = self.history.scope(caller.owner)
        record = None if scope is None else self.history.store.find_cached(pending.key, scope)
        if record is None:
            return None
        return self.history.result_of(record, took=time.time() - pending.started_at)

    def begin(self, pending: PendingRun, prediction_id: str | None, status: str) -> bool:
        """Store the run as it starts (the backend has it): in the history while it runs.
        False when it could not be stored (logged; the run goes on, recorded when it ends)."""
        model, _, version = pending.ref.partition(":")
        kind, url = self.backend_of(pending.ref)
        record = self._keep(FinishedRun(
            task=self._task(pending), tab=self._tab(pending), model=model, version=version or None,
            backend_kind=kind, backend_url=url,
            status=status if status in RUNNING else "starting", inputs=pending.inputs,
            prediction_id=prediction_id or None, started_at=pending.started_at,
            secret_inputs=pending.secrets, snippet=pending.snippet), pending, begin=True)
        pending.record_id = None if record is None else record.id
        return record is not None

    def progress(self, pending: PendingRun, status: str, output: Any, logs: str) -> None:
        """What a running run has written so far (its text, logs): kept should the app die."""
        if pending.record_id is None:
            return
        try:
            self.history.store.progress(pending.record_id, output=output, logs=logs,
                                        status=status if status in RUNNING else "processing")
        except Exception as exc:  # the run itself goes on: never fail it for its record
            log.warning("could not save a run's progress: %s", type(exc).__name__)

    def record(self, pending: PendingRun, result: RunResult) -> RunRecord | None:
        """Keep a finished run; a failure to keep it is logged and said, never raised."""
        kind, url = self.backend_of(pending.ref)
        run = FinishedRun(
            task=self._task(pending), tab=self._tab(pending), model=result.model,
            version=result.version, backend_kind=kind,
            backend_url=url, status=result.status, inputs=pending.inputs,
            output=result.local_output, prediction_id=result.prediction_id or None,
            logs=result.logs, error=result.error, metrics=dict(result.metrics),
            cost_usd=self._cost(result), started_at=pending.started_at,
            secret_inputs=pending.secrets, cache_key=pending.key, snippet=pending.snippet)
        return self._keep(run, pending)

    def interrupted(self, pending: PendingRun, prediction_id: str | None, *,
                    status: str = "canceled", error: str = INTERRUPTED, output: Any = None,
                    logs: str = "") -> RunRecord | None:
        """A run that ended before its prediction did, with what it had written so far:
        "canceled" when it was stopped here (Stop, or the page went away: the prediction was
        canceled too), "interrupted" when the backend was lost (`error` says how)."""
        model, _, version = pending.ref.partition(":")
        kind, url = self.backend_of(pending.ref)
        return self._keep(FinishedRun(
            task=self._task(pending), tab=self._tab(pending), model=model, version=version or None,
            backend_kind=kind, backend_url=url, status=status,
            inputs=pending.inputs, output=output, prediction_id=prediction_id, logs=logs,
            error=error, started_at=pending.started_at, secret_inputs=pending.secrets,
            snippet=pending.snippet), pending)

    def _keep(self, run: FinishedRun, pending: PendingRun, *,
              begin: bool = False) -> RunRecord | None:
        """Stored for `pending.caller`: as a run starting (`begin`), in place of the row
        `begin` made (`pending.record_id`), or as a new run."""
        caller, record_id = pending.caller, pending.record_id
        # No caller (a script calling the service): kept under an id no browser holds, so
        # only the shared history shows it.
        owner = caller.owner if caller is not None and is_owner_id(caller.owner) else \
            f"unclaimed-{secrets.token_urlsafe(12)}"
        store = self.history.store
        try:
            if begin:
                return store.begin(run, owner)
            if record_id is not None:
                return store.finish(record_id, run, owner)
            return store.record(run, owner)
        except Exception as exc:  # the run itself worked: never fail it for its record
            log.warning("could not record a run in the history: %s", type(exc).__name__)
            return None

    @staticmethod
    def _task(pending: PendingRun) -> str:
        caller = pending.caller
        return caller.task if caller is not None and caller.task else pending.task

    @staticmethod
    def _tab(pending: PendingRun) -> str:
        caller = pending.caller
        return caller.tab if caller is not None else pending.task

    def _cost(self, result: RunResult) -> float | None:
        if self.estimate is None or not result.ok:
            return None
        try:
            return self.estimate(result.model, dict(result.metrics))
        except (TypeError, ValueError, KeyError):
            return None
