"""A run as a row of the `runs` table, rows read back as `RunRecord`s (a `Page` of them), and
what a delete removed (`Pruned`): for `store.py`."""

from __future__ import annotations

import json
import math
import sqlite3
import time
from dataclasses import dataclass, field
from typing import Any

from playground.history.files import FileKeeper
from playground.history.record import FileRef, FinishedRun, RunRecord
from playground.history.redact import clean_text
from playground.history.search_text import SNIPPET_CHARS, list_texts

COLUMNS = ("seq, id, owner, task, tab, model, version, backend_kind, backend_url, "
           "prediction_id, status, inputs, output, logs, error, metrics, cost_usd, started_at, "
           "finished_at, cache_key, snippet")
STARTED_AT = 17  # the index of started_at in COLUMNS (page cursors)
# A run's status while it runs (the prediction's own words); any other status is an end.
RUNNING = ("starting", "processing")


@dataclass(frozen=True)
class Page:
    runs: list[RunRecord]
    next_cursor: str | None  # None: this was the last page


@dataclass
class Pruned:
    """What a prune or a delete removed."""

    runs: int = 0
    files: int = 0
    bytes: int = 0
    removed_ids: list[str] = field(default_factory=list)

    def add(self, other: Pruned) -> None:
        self.runs += other.runs
        self.files += other.files
        self.bytes += other.bytes
        self.removed_ids += other.removed_ids


def run_row(run: FinishedRun, owner: str, files: FileKeeper, search: str
            ) -> tuple[dict[str, Any], list[FileRef]]:
    """The columns of `run` (its files saved into `files`' folder) and the files it uses."""
    inputs = files.inputs(run.inputs, run.secret_inputs)
    output = files.output(run.output)
    now = time.time()
    took = run.metrics.get("client_time")
    started = run.started_at if run.started_at is not None else (
        now - float(took) if isinstance(took, int | float) else now)
    if not math.isfinite(started):
        started = now
    snippet, text = search_texts(run.snippet, inputs.value, output.value, search)
    return {
        "owner": owner, "task": clean_text(run.task),
        "tab": clean_text(run.tab), "model": clean_text(run.model),
        "version": clean_text(run.version) if run.version else None,
        "backend_kind": run.backend_kind, "backend_url": clean_text(run.backend_url),
        "prediction_id": clean_text(run.prediction_id) if run.prediction_id else None,
        "status": clean_text(run.status), "inputs": dumps(inputs.value),
        "output": dumps(output.value), "logs": clean_text(run.logs or ""),
        "error": clean_text(run.error) if run.error else None,
        "metrics": dumps(_numbers(run.metrics)),
        "cost_usd": run.cost_usd if isinstance(run.cost_usd, int | float)
        and math.isfinite(run.cost_usd) else None,
        "started_at": round(started, 6), "finished_at": round(now, 6),
        "cache_key": run.cache_key if run.status == "succeeded" else None,
        "snippet": snippet, "search_text": text,
    }, inputs.files + output.files


def search_texts(given: str | None, inputs: dict[str, Any], output: Any,
                 search: str) -> tuple[str, str]:
    """The snippet a list shows and the text search reads (lower-cased for a LIKE search)."""
    snippet, text = list_texts(inputs, output)
    if given:
        snippet = " ".join(clean_text(given).split())[:SNIPPET_CHARS]
        text = f"{snippet}\n{text}"
    return snippet, text.lower() if search == "like" else text


def records(conn: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> list[RunRecord]:
    """Rows of COLUMNS as records, each with its files."""
    if not rows:
        return []
    seqs = [r[0] for r in rows]
    refs: dict[int, list[FileRef]] = {s: [] for s in seqs}
    marks = ", ".join("?" for _ in seqs)
    sizes = ("SELECT rf.run_seq, rf.role, rf.key, rf.name, coalesce(f.size, 0) "
             "FROM run_files rf LEFT JOIN files f ON f.name = rf.name "
             f"WHERE rf.run_seq IN ({marks}) ORDER BY rf.rowid")
    for seq, role, key, name, size in conn.execute(sizes, seqs):
        refs[seq].append(FileRef(role, key, name, int(size)))
    return [RunRecord(
        id=r[1], owner=r[2], task=r[3], tab=r[4], model=r[5], version=r[6],
        backend_kind=r[7], backend_url=r[8], prediction_id=r[9], status=r[10],
        inputs=json.loads(r[11]), output=json.loads(r[12]) if r[12] else None,
        files=tuple(refs[r[0]]), logs=r[13], error=r[14], metrics=json.loads(r[15]),
        cost_usd=r[16], started_at=r[17], finished_at=r[18], cache_key=r[19],
        snippet=r[20]) for r in rows]


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def _numbers(metrics: dict[str, Any]) -> dict[str, float]:
    out: dict[str, float] = {}
    for key, value in metrics.items():
        if isinstance(value, int | float) and not isinstance(value, bool) and \
                value == value and abs(value) != float("inf"):
            out[clean_text(str(key))] = value
    return out
