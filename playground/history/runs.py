"""The history as the service hands it to the tabs: a browser's own runs, or everyone's.

Every method takes an owner id (the UI's comes from the browser's owner cookie, but any value
at all is checked): outside the shared history an id that is not well formed sees nothing, and
a well-formed one sees only its own runs.
"""

from __future__ import annotations

import json
import secrets
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playground.files import human_size
from playground.history.query import Filters
from playground.history.record import RunRecord, Scope, is_owner_id, resolve_files
from playground.history.store import Page, Pruned, RunStore
from playground.results import Reused, RunResult

Estimate = Callable[[str, dict[str, Any]], float | None]  # (model, metrics) -> USD or None


@dataclass(frozen=True)
class Caller:
    """Who starts a run, and from where; the tabs say it, the service records it."""

    owner: str  # the browser's owner id (from its owner cookie: ui/serving/owners.py)
    tab: str  # image, chat, ..., compare, models, history
    reuse: bool = True  # False ("Run anyway", "Run again"): never answered from the history
    seed_chosen: bool = True  # False: the tab drew the seed at random (never answered either)
    task: str | None = None  # recorded as this task (Run again of an upscale is an upscale)
    address: str = ""  # the client's address (demo mode counts runs by it too); never stored


def new_owner_id() -> str:
    return secrets.token_urlsafe(18)  # 24 characters


class RunHistory:
    """`store` scoped per browser (or shared, with `--shared-history`)."""

    def __init__(self, store: RunStore, *, shared: bool = False,
                 estimate: Estimate | None = None) -> None:
        self.store = store
        self.shared = shared
        self.estimate = estimate

    def scope(self, owner: Any) -> Scope | None:
        """The runs `owner` may reach; None when it may reach none (no or a forged id)."""
        if self.shared:
            return Scope.shared()
        return Scope.of(owner) if is_owner_id(owner) else None

    def page(self, owner: Any, filters: Filters | None = None, cursor: str | None = None,
             limit: int = 24) -> Page:
        scope = self.scope(owner)
        if scope is None:
            return Page([], None)
        return self.store.page(scope, filters, cursor, limit)

    def count(self, owner: Any, filters: Filters | None = None) -> int:
        scope = self.scope(owner)
        return 0 if scope is None else self.store.count(scope, filters)

    def choices(self, owner: Any, column: str) -> list[str]:
        scope = self.scope(owner)
        return [] if scope is None else self.store.choices(scope, column)

    def get(self, owner: Any, run_id: Any) -> RunRecord | None:
        scope = self.scope(owner)
        return None if scope is None or not isinstance(run_id, str) else self.store.get(
            run_id, scope)

    def delete(self, owner: Any, run_id: Any) -> Pruned:
        scope = self.scope(owner)
        if scope is None or not isinstance(run_id, str):
            return Pruned()
        return self.store.delete(run_id, scope)

    def last(self, owner: Any, tab: str, *, running: bool = False) -> RunRecord | None:
        """The newest run started from `tab` that has ended (one still running is not a result
        yet), or with `running` the newest whatever its state (a reloaded tab: the page's own
        run may still be being stopped)."""
        runs = self.page(owner, Filters(tab=tab, ended=not running), limit=1).runs
        return runs[0] if runs else None

    # --- a record's files ---------------------------------------------------------------

    def output_paths(self, record: RunRecord) -> list[Path]:
        return [p for p in (self.store.file_path(n) for n in record.output_files())
                if p is not None and p.is_file()]

    def input_values(self, record: RunRecord) -> dict[str, Any]:
        """The inputs with saved files as local Paths (secrets stay out: `{"$secret": ...}`)."""
        return resolve_files(record.inputs, self.store.files.folder)

    def local_output(self, record: RunRecord) -> Any:
        return resolve_files(record.output, self.store.files.folder)

    def result_of(self, record: RunRecord, *, took: float | None = None) -> RunResult:
        """A saved run as a result (files local): answering an identical run (`took`: the
        lookup's seconds; marked `reused`), or shown again after a reload (its own times)."""
        local = self.local_output(record)
        metrics = dict(record.metrics)
        if took is not None:
            metrics.update(client_time=took, total_time=took)
        return RunResult(
            prediction_id=record.prediction_id or record.id, model=record.model,
            version=record.version, input=_shown(record.inputs), status=record.status,
            output=_as_text(local), files=self.output_paths(record), local_output=local,
            logs=record.logs, error=record.error,
            metrics=metrics, reused=Reused(record.id, record.started_at) if took is not None
            else None)

    def bundle(self, owner: Any, run_id: Any, folder: Path) -> Path | None:
        """A zip of the run's record (`run.json`) and its files, written into `folder`."""
        record = self.get(owner, run_id)
        if record is None:
            return None
        dest = folder / f"run-{record.id}.zip"
        with zipfile.ZipFile(dest, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("run.json", json.dumps(record.to_json(), indent=2,
                                                    ensure_ascii=False))
            done: set[str] = set()
            for ref in record.files:
                path = self.store.file_path(ref.name)
                if ref.name in done or path is None or not path.is_file():
                    continue
                done.add(ref.name)
                archive.write(path, f"{ref.role}s/{ref.name}")
        return dest

    def usage_line(self) -> str:
        """"1.2 GB of 5.0 GB kept on this server (all browsers' runs)" (and what the last
        automatic prune removed): the store is one for every browser, so the figure says so."""
        used = human_size(self.store.usage())
        cap = self.store.max_bytes
        line = (f"{used} of files kept" if cap is None else f"{used} of {human_size(cap)} kept"
                ) + " on this server (all browsers' runs)"
        pruned = self.store.auto_pruned
        if pruned.runs:
            which = "run was" if pruned.runs == 1 else f"{pruned.runs} runs were"
            line += (f"; the oldest {which} pruned to stay under the cap "
                     f"({human_size(pruned.bytes)} freed)")
        return line


def _as_text(value: Any) -> Any:
    """Local Paths as strings: what `output` holds for a file is a location, not an object."""
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, dict):
        return {k: _as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_text(v) for v in value]
    return value


def _shown(inputs: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.get("$file") if isinstance(v, dict) and "$file" in v else v)
            for k, v in inputs.items()}
