"""The run store: one SQLite database beside the outputs folder, safe for many browsers at once.

Every thread gets its own connection (WAL, so readers never wait for the writer); writes are
short `BEGIN IMMEDIATE` transactions, and one lock in the process orders "is this file still
used?" against a run being recorded, so a delete never removes a file a new run just took.
Reads and deletes take a `Scope`: outside the shared history a browser reaches only its own runs,
whatever id it sends.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from playground.history import query, rows, schema
from playground.history.files import FileKeeper
from playground.history.record import (
    FileRef,
    FinishedRun,
    RunRecord,
    Scope,
    is_owner_id,
    is_run_id,
)
from playground.history.redact import clean_text
from playground.history.rows import COLUMNS, Page, Pruned
from playground.history.runners import Runners

DB_NAME = "history.sqlite3"
DEFAULT_MAX_BYTES = 5 * 1000**3  # outputs kept before the oldest runs are pruned
_PRUNE_BATCH = 50
# What a run whose app process died before it ended (a kill -9, a crash) is marked with.
APP_STOPPED = ("Interrupted: the playground stopped while this ran (closed, crashed or killed); "
               "what it had written by then is kept")


class RunStore:
    """`RunStore(data_dir)`: the database at data_dir/history.sqlite3, files in data_dir/outputs.

    `max_bytes` caps the outputs the history keeps (None: no cap); recording past it prunes the
    oldest runs, with the files no other run uses. `fts=False` forces the LIKE search."""

    def __init__(self, data_dir: Path, *, max_bytes: int | None = DEFAULT_MAX_BYTES,
                 fts: bool | None = None, files_dir: Path | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.path = self.data_dir / DB_NAME
        self.files = FileKeeper(files_dir or self.data_dir / "outputs")
        self.max_bytes = max_bytes
        self.auto_pruned = Pruned()  # what recording past the cap removed since opening
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._guard = threading.Lock()  # the list of connections
        self._write = threading.Lock()  # recording vs. deleting files, within this process
        with self._guard:
            conn = self._connect()
            schema.migrate(conn, fts=fts)
            row = conn.execute("SELECT value FROM meta WHERE key = 'search'").fetchone()
            self.search = str(row[0])  # "fts5" or "like"
        # Runs this process starts are claimed by it while they run; those of a process that
        # died (a kill -9 mid-run) are marked interrupted now, as this store opens.
        self.runners = Runners(self.data_dir)
        self.recovered = self.recover()

    # --- connections ---------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None,
                               check_same_thread=False)
        conn.execute("PRAGMA busy_timeout = 30000")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        self._all.append(conn)
        self._local.conn = conn
        return conn

    @property
    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            with self._guard:
                conn = self._connect()
        return conn

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def close(self) -> None:
        """Runs still running here are left to the next store opened on the folder (marked
        interrupted then)."""
        self.runners.close()
        with self._guard:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()

    # --- writing ---------------------------------------------------------------------------

    def record(self, run: FinishedRun, owner: str) -> RunRecord:
        """Store a finished run (its files saved by content hash); returns the stored record."""
        return self._insert(run, owner, None)

    def begin(self, run: FinishedRun, owner: str) -> RunRecord:
        """Store a run as it starts (`run.status`: "starting" or "processing"), claimed by
        this process until `finish`: should the process die first, the next store opened on
        this folder marks it interrupted, with what `progress` had kept."""
        return self._insert(run, owner, self.runners.mine())

    def progress(self, run_id: str, *, status: str, output: Any, logs: str) -> bool:
        """A running run so far: its status, output (the text streamed) and logs; no files.
        False when there is no such running row (deleted, or it has already ended)."""
        if not is_run_id(run_id):
            return False
        kept = self.files.output(output)
        with self._write, self._transaction() as conn:
            row = conn.execute("SELECT inputs, snippet FROM runs WHERE id = ? AND runner IS "
                               "NOT NULL", (run_id,)).fetchone()
            if row is None:
                return False
            _, text = rows.search_texts(row[1], json.loads(row[0]), kept.value, self.search)
            conn.execute(
                "UPDATE runs SET status = ?, output = ?, logs = ?, search_text = ?, "
                "finished_at = ? WHERE id = ? AND runner IS NOT NULL",
                (clean_text(status), rows.dumps(kept.value), clean_text(logs or ""), text,
                 round(time.time(), 6), run_id))
        return True

    def finish(self, run_id: str | None, run: FinishedRun, owner: str) -> RunRecord:
        """A run as it ended, in place of the row `begin` stored (the same id, owner and place
        in the list); recorded anew when that row is gone (deleted while it ran) or `run_id`
        is None."""
        if not is_owner_id(owner):
            raise ValueError("not an owner id")
        row, refs = rows.run_row(run, owner, self.files, self.search)
        with self._write, self._transaction() as conn:
            found = conn.execute("SELECT seq, owner FROM runs WHERE id = ?", (run_id,)
                                 ).fetchone() if run_id and is_run_id(run_id) else None
            if found is None:
                run_id = secrets.token_hex(8)
                seq = self._insert_row(conn, {"id": run_id, **row, "runner": None})
            else:
                seq, row["owner"] = found
                sets = ", ".join(f"{k} = :{k}" for k in row)
                conn.execute(f"UPDATE runs SET {sets}, runner = NULL WHERE seq = :seq",
                             {**row, "seq": seq})
                conn.execute("DELETE FROM run_files WHERE run_seq = ?", (seq,))
            self._add_files(conn, seq, refs)
        return self._after_write(run_id)

    def recover(self) -> int:
        """Mark every run whose process died before it ended as interrupted (its text so far
        kept); returns how many. Runs of a live process (this one, or another app on the same
        folder) are left running."""
        runners = [r[0] for r in self._conn.execute(
            "SELECT DISTINCT runner FROM runs WHERE runner IS NOT NULL")]
        count = 0
        for runner in runners:
            if self.runners.alive(runner):
                continue
            with self._write, self._transaction() as conn:
                count += conn.execute(
                    "UPDATE runs SET status = 'interrupted', error = ?, runner = NULL "
                    "WHERE runner = ?", (APP_STOPPED, runner)).rowcount
            self.runners.forget(runner)
        return count

    def _insert(self, run: FinishedRun, owner: str, runner: str | None) -> RunRecord:
        if not is_owner_id(owner):
            raise ValueError("not an owner id")
        row, refs = rows.run_row(run, owner, self.files, self.search)
        run_id = secrets.token_hex(8)
        with self._write, self._transaction() as conn:
            seq = self._insert_row(conn, {"id": run_id, **row, "runner": runner})
            self._add_files(conn, seq, refs)
        return self._after_write(run_id)

    @staticmethod
    def _insert_row(conn: sqlite3.Connection, row: dict[str, Any]) -> int:
        names, marks = ", ".join(row), ", ".join(f":{k}" for k in row)
        seq = conn.execute(f"INSERT INTO runs ({names}) VALUES ({marks})", row).lastrowid
        assert seq is not None
        return seq

    @staticmethod
    def _add_files(conn: sqlite3.Connection, seq: int, refs: list[FileRef]) -> None:
        conn.executemany("INSERT OR IGNORE INTO files (name, size) VALUES (?, ?)",
                         [(f.name, f.size) for f in refs])
        conn.executemany(
            "INSERT INTO run_files (run_seq, role, key, name) VALUES (?, ?, ?, ?)",
            [(seq, f.role, f.key, f.name) for f in refs])

    def _after_write(self, run_id: str) -> RunRecord:
        """The size cap kept (the oldest runs pruned), and the record as stored."""
        if self.max_bytes is not None:
            pruned = self.prune(self.max_bytes, keep_newest=1)
            self.auto_pruned.add(pruned)
        record = self._get(run_id, None)
        assert record is not None
        return record

    def delete(self, run_id: str, scope: Scope) -> Pruned:
        """Delete one of `scope`'s runs, and its files unless another run uses them."""
        if not is_run_id(run_id):
            return Pruned()
        row = self._conn.execute(
            "SELECT seq FROM runs WHERE id = ?" + (" AND owner = ?" if scope.owner else ""),
            (run_id, scope.owner) if scope.owner else (run_id,)).fetchone()
        return self._delete_seqs([row[0]]) if row else Pruned()

    def prune(self, max_bytes: int | None = None, *, older_than: float | None = None,
              keep_newest: int = 0) -> Pruned:
        """Delete the oldest runs (everyone's) until the files fit `max_bytes`, and every run
        started before `older_than` (epoch seconds). The newest `keep_newest` runs stay, and
        so does every run still running (its process is writing to it)."""
        total = Pruned()
        while True:
            usage = self.usage()
            over = max_bytes is not None and usage > max_bytes
            hits = self._conn.execute(
                "SELECT seq, started_at FROM runs WHERE runner IS NULL "
                "ORDER BY started_at, seq LIMIT ?",
                (_PRUNE_BATCH,)).fetchall()
            newest = self._newest_seqs(keep_newest)
            chosen: list[int] = []
            for seq, started in hits:
                if seq in newest:
                    continue
                if older_than is not None and started < older_than:
                    chosen.append(seq)
                elif over:
                    chosen.append(seq)
                    over = False  # one at a time past the cap: stop as soon as it fits
            if not chosen:
                return total
            total.add(self._delete_seqs(chosen))

    def clear(self, scope: Scope | None = None) -> Pruned:
        """Delete every run (of `scope`, or everyone's), with their unshared files."""
        total = Pruned()
        where = " WHERE owner = ?" if scope is not None and scope.owner else ""
        params = (scope.owner,) if where and scope is not None else ()
        while True:
            hits = self._conn.execute(f"SELECT seq FROM runs{where} LIMIT 500", params).fetchall()
            if not hits:
                return total
            total.add(self._delete_seqs([r[0] for r in hits]))

    def _newest_seqs(self, count: int) -> set[int]:
        if count <= 0:
            return set()
        hits = self._conn.execute("SELECT seq FROM runs ORDER BY started_at DESC, seq DESC "
                                  "LIMIT ?", (count,)).fetchall()
        return {r[0] for r in hits}

    def _delete_seqs(self, seqs: Sequence[int]) -> Pruned:
        marks = ", ".join("?" for _ in seqs)
        with self._write:
            with self._transaction() as conn:
                ids = [r[0] for r in conn.execute(
                    f"SELECT id FROM runs WHERE seq IN ({marks})", list(seqs))]
                # each file with the time its last deleted run was recorded
                names = conn.execute(
                    "SELECT rf.name, max(r.finished_at) FROM run_files rf JOIN runs r ON "
                    f"r.seq = rf.run_seq WHERE rf.run_seq IN ({marks}) GROUP BY rf.name",
                    list(seqs)).fetchall()
                conn.execute(f"DELETE FROM run_files WHERE run_seq IN ({marks})", list(seqs))
                conn.execute(f"DELETE FROM runs WHERE seq IN ({marks})", list(seqs))
                unused: list[tuple[str, float]] = []
                for name, recorded in names:
                    if conn.execute("SELECT 1 FROM run_files WHERE name = ? LIMIT 1",
                                    (name,)).fetchone() is None:
                        conn.execute("DELETE FROM files WHERE name = ?", (name,))
                        unused.append((name, recorded))
            # after the commit, still under the lock: no new run can take these files now
            removed = [self._unlink(name, recorded) for name, recorded in unused]
        done = [size for size in removed if size is not None]
        return Pruned(len(ids), len(done), sum(done), ids)

    def _unlink(self, name: str, recorded: float) -> int | None:
        """Remove a file no run uses; its size, or None when it stays. A file saved again
        after its run was recorded stays: a run still finishing (not yet recorded) saved the
        same content and is about to use it."""
        path = self.files.path_of(name)
        if path is None:
            return None
        try:
            stat = path.stat()
            if stat.st_mtime > recorded:
                return None
            path.unlink()
        except FileNotFoundError:
            return None
        return stat.st_size

    # --- reading ---------------------------------------------------------------------------

    def get(self, run_id: str, scope: Scope) -> RunRecord | None:
        """One of `scope`'s runs; None for an id that is not theirs (or not an id at all)."""
        if not is_run_id(run_id):
            return None
        return self._get(run_id, scope)

    def _get(self, run_id: str, scope: Scope | None) -> RunRecord | None:
        sql = f"SELECT {COLUMNS} FROM runs WHERE id = ?"
        params: list[Any] = [run_id]
        if scope is not None and scope.owner is not None:
            sql += " AND owner = ?"
            params.append(scope.owner)
        hits = self._conn.execute(sql, params).fetchall()
        found = self._records(hits)
        return found[0] if found else None

    def page(self, scope: Scope, filters: query.Filters | None = None,
             cursor: str | None = None, limit: int = query.PAGE_SIZE) -> Page:
        """Newest first; pass `next_cursor` back for the next page."""
        limit = max(1, min(int(limit), query.MAX_PAGE_SIZE))
        where, params = query.where(scope, filters or query.Filters(), search=self.search,
                                    after=query.Cursor.decode(cursor))
        hits = self._conn.execute(
            f"SELECT {COLUMNS} FROM runs{where} ORDER BY started_at DESC, seq DESC LIMIT ?",
            [*params, limit + 1]).fetchall()
        more = len(hits) > limit
        hits = hits[:limit]
        runs = self._records(hits)
        last = hits[-1] if hits else None
        next_cursor = query.Cursor(last[rows.STARTED_AT], last[0]).encode() if more and last \
            else None
        return Page(runs, next_cursor)

    def count(self, scope: Scope, filters: query.Filters | None = None) -> int:
        where, params = query.where(scope, filters or query.Filters(), search=self.search)
        return int(self._conn.execute(f"SELECT count(*) FROM runs{where}", params).fetchone()[0])

    def plan(self, scope: Scope, filters: query.Filters | None = None,
             cursor: str | None = None) -> str:
        """EXPLAIN QUERY PLAN of `page`'s query (tests check that it uses an index)."""
        where, params = query.where(scope, filters or query.Filters(), search=self.search,
                                    after=query.Cursor.decode(cursor))
        hits = self._conn.execute(
            f"EXPLAIN QUERY PLAN SELECT {COLUMNS} FROM runs{where} "
            "ORDER BY started_at DESC, seq DESC LIMIT ?", [*params, 25]).fetchall()
        return "\n".join(str(r[-1]) for r in hits)

    def choices(self, scope: Scope, column: str) -> list[str]:
        """The tasks, models or statuses `scope` has runs of (for the filter menus)."""
        if column not in ("task", "model", "status"):
            raise ValueError(column)
        where = " WHERE owner = ?" if scope.owner else ""
        hits = self._conn.execute(f"SELECT DISTINCT {column} FROM runs{where} ORDER BY 1",
                                  (scope.owner,) if scope.owner else ()).fetchall()
        return [r[0] for r in hits]

    def find_cached(self, key: str | None, scope: Scope) -> RunRecord | None:
        """The newest succeeded run of `scope` with this cache key whose files all still exist."""
        if not key:
            return None
        sql = f"SELECT {COLUMNS} FROM runs WHERE cache_key = ? AND status = 'succeeded'"
        params: list[Any] = [key]
        if scope.owner is not None:
            sql += " AND owner = ?"
            params.append(scope.owner)
        hits = self._conn.execute(sql + " ORDER BY started_at DESC, seq DESC LIMIT 3",
                                  params).fetchall()
        for record in self._records(hits):
            paths = [self.files.path_of(f.name) for f in record.files]
            if all(p is not None and p.is_file() for p in paths):
                return record
        return None

    def usage(self) -> int:
        """Bytes of the files the history keeps (each shared file counted once)."""
        return int(self._conn.execute("SELECT total(size) FROM files").fetchone()[0])

    def file_path(self, name: str) -> Path | None:
        return self.files.path_of(name)

    def _records(self, found: list[tuple[Any, ...]]) -> list[RunRecord]:
        return rows.records(self._conn, found)
