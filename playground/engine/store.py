"""SQLite persistence for predictions, uploaded files and a few settings.

Records are stored as JSON next to the few columns we query by. One connection guarded by a
lock: the server's event loop and the worker threads all write through it. WAL with
synchronous=NORMAL: a committed write survives a crash of the process.

Saves of predictions are group-committed: a save queues its row, and whichever saver takes
the lock first writes every queued row in one transaction; the others find theirs written
and return. Each save still returns only once its row is committed (or raises), but 64 busy
workers share a few commits instead of queueing for 64 (a commit costs about five rows).
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from . import jsonsafe

CHECKPOINT_EVERY = 1.0  # seconds between WAL checkpoints
_UPSERT = (
    "INSERT INTO predictions (id, model, status, stream_token, data) VALUES (?,?,?,?,?)"
    " ON CONFLICT(id) DO UPDATE SET status=excluded.status, data=excluded.data"
    " WHERE status NOT IN ('succeeded', 'failed', 'canceled')"  # a final record stays
)
ID_RE = re.compile(r"^[a-z0-9]{1,64}$")
RESTARTED = "engine restarted"
log = logging.getLogger("playground.engine")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS predictions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT UNIQUE NOT NULL,
    model TEXT NOT NULL,
    status TEXT NOT NULL,
    stream_token TEXT,
    data TEXT NOT NULL
);
DROP INDEX IF EXISTS predictions_stream;
CREATE INDEX IF NOT EXISTS predictions_stream_token ON predictions(stream_token)
    WHERE stream_token IS NOT NULL;
CREATE TABLE IF NOT EXISTS files (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT UNIQUE NOT NULL,
    expires_at TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def valid_id(value: str) -> bool:
    """Ids end up in file paths: only lowercase letters and digits, never `..` or `/`."""
    return bool(ID_RE.match(value))


_REQUIRED = ("id",)


def _load(data: str) -> dict[str, Any] | None:
    """A stored record, repaired if an older engine stored NaN or lone surrogates; None (with
    a warning) for a row that is not a record at all: one bad row never breaks a listing."""
    try:
        rec = jsonsafe.repair(json.loads(data))
    except (ValueError, RecursionError):
        rec = None
    if not isinstance(rec, dict) or not all(isinstance(rec.get(k), str) for k in _REQUIRED):
        log.warning("engine: skipping a stored record that cannot be read")
        return None
    return rec

class _Checkpointer:
    """Copies the WAL back into the database from its own thread and connection, so the
    fsyncs of a checkpoint never stall a request's commit (with synchronous=NORMAL a commit
    itself does not fsync: it survives a crash of the process, the guarantee we give)."""

    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True, name="store-checkpoint")
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(CHECKPOINT_EVERY):
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("PRAGMA wal_checkpoint(PASSIVE)")
        self._db.close()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)


class Store:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA wal_autocheckpoint=0")  # _Checkpointer does it
        self._lock = threading.Lock()
        with self._lock:
            self._db.executescript(_SCHEMA)
        self._queue_lock = threading.Lock()  # guards the three below; never held for I/O
        self._queued: list[tuple[Any, ...]] = []
        self._queued_count = 0  # rows ever queued: a save's ticket
        self._committed_count = 0  # rows ever committed (tickets up to it are written)
        self._checkpointer = _Checkpointer(path)
        self.closed = False

    def close(self) -> None:
        self._checkpointer.stop()
        with self._lock:
            self.closed = True
            self._db.close()  # the last connection to close checkpoints and removes the WAL

    def _exec(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            if self.closed:
                return []
            return self._db.execute(sql, args).fetchall()

    # predictions

    def mark_interrupted(self) -> int:
        """Predictions that were queued or running when the engine stopped can never finish."""
        rows = self._exec(
            "SELECT data FROM predictions WHERE status IN ('starting', 'processing')"
        )
        for (data,) in rows:
            rec = _load(data)
            if rec is None:
                continue
            rec["status"] = "failed"
            rec["error"] = RESTARTED
            rec["completed_ts"] = rec.get("completed_ts") or time.time()
            self.save_prediction(rec)
        return len(rows)

    def save_prediction(self, rec: dict[str, Any]) -> None:
        """Raises jsonsafe.UnsafeJSON (and stores nothing) for a record that is not strict JSON."""
        row = (rec["id"], rec["model"], rec["status"], rec.get("stream_token"),
               jsonsafe.dumps(rec))
        with self._queue_lock:
            self._queued.append(row)
            self._queued_count += 1
            ticket = self._queued_count
        with self._lock:
            if self.closed or self._committed_count >= ticket:
                return  # a peer's transaction wrote this row
            with self._queue_lock:
                rows, self._queued = self._queued, []
                upto = self._queued_count
            try:
                self._db.execute("BEGIN")
                self._db.executemany(_UPSERT, rows)  # in the order the saves were taken
                self._db.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    self._db.execute("ROLLBACK")
                with self._queue_lock:  # not written: the next saver tries them again
                    self._queued[:0] = rows
                raise
            self._committed_count = upto

    def get_prediction(self, pid: str) -> dict[str, Any] | None:
        rows = self._exec("SELECT data FROM predictions WHERE id = ?", (pid,))
        return _load(rows[0][0]) if rows else None

    def prediction_by_stream(self, token: str) -> dict[str, Any] | None:
        rows = self._exec("SELECT data FROM predictions WHERE stream_token = ?", (token,))
        return _load(rows[0][0]) if rows else None

    def list_predictions(
        self, limit: int, before: int | None = None, after: int | None = None
    ) -> list[tuple[int, dict[str, Any]]]:
        """Newest first. `before`/`after` are exclusive sequence bounds (cursor pages)."""
        if after is not None:
            rows = self._exec(
                "SELECT seq, data FROM predictions WHERE seq > ? ORDER BY seq ASC LIMIT ?",
                (after, limit),
            )
            rows.reverse()
        elif before is not None:
            rows = self._exec(
                "SELECT seq, data FROM predictions WHERE seq < ? ORDER BY seq DESC LIMIT ?",
                (before, limit),
            )
        else:
            rows = self._exec(
                "SELECT seq, data FROM predictions ORDER BY seq DESC LIMIT ?", (limit,)
            )
        loaded = [(seq, _load(data)) for seq, data in rows]
        return [(seq, rec) for seq, rec in loaded if rec is not None]

    def has_predictions(self, before: int | None = None, after: int | None = None) -> bool:
        if before is not None:
            rows = self._exec("SELECT 1 FROM predictions WHERE seq < ? LIMIT 1", (before,))
        else:
            rows = self._exec("SELECT 1 FROM predictions WHERE seq > ? LIMIT 1", (after,))
        return bool(rows)

    def run_count(self, model: str) -> int:
        rows = self._exec("SELECT COUNT(*) FROM predictions WHERE model = ?", (model,))
        return int(rows[0][0]) if rows else 0

    # files

    def save_file(self, rec: dict[str, Any]) -> None:
        self._exec(
            "INSERT OR REPLACE INTO files (id, expires_at, data) VALUES (?,?,?)",
            (rec["id"], rec["expires_at"], jsonsafe.dumps(rec)),
        )

    def get_file(self, fid: str) -> dict[str, Any] | None:
        rows = self._exec("SELECT data FROM files WHERE id = ?", (fid,))
        return _load(rows[0][0]) if rows else None

    def delete_file(self, fid: str) -> bool:
        found = bool(self._exec("SELECT 1 FROM files WHERE id = ?", (fid,)))
        self._exec("DELETE FROM files WHERE id = ?", (fid,))
        return found

    def list_files(self) -> list[dict[str, Any]]:
        rows = self._exec("SELECT data FROM files ORDER BY seq DESC")
        return [rec for (d,) in rows if (rec := _load(d)) is not None]

    def expired_files(self, now_iso: str) -> list[str]:
        return [r[0] for r in self._exec("SELECT id FROM files WHERE expires_at < ?", (now_iso,))]

    # settings

    def get_kv(self, key: str) -> str | None:
        rows = self._exec("SELECT value FROM kv WHERE key = ?", (key,))
        return rows[0][0] if rows else None

    def set_kv(self, key: str, value: str) -> None:
        self._exec("INSERT OR REPLACE INTO kv (key, value) VALUES (?, ?)", (key, value))
