"""The history database's schema, as a list of migrations from the first release on.

`PRAGMA user_version` is the number of migrations applied. Each migration runs once, in its own
transaction, so a database from any earlier release opens and is brought up to date; one made by
a newer release is refused (its columns could mean something this code does not know).

Versions:
  1  runs, their files, and the files themselves (for the size cap and shared-file deletes)
  2  text search: an FTS5 index over prompts and transcripts, or, where SQLite was built
     without FTS5, a lower-cased copy searched with LIKE
  3  runs kept while they run: `runner` names the app process running one (NULL once it
     ended), so a run whose process died (a kill -9) is found and marked interrupted; the
     search index follows a row's text as it is updated
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

Migration = Callable[[sqlite3.Connection, bool], None]


class SchemaTooNew(RuntimeError):
    """The database was written by a newer release of the playground."""


V1 = """
CREATE TABLE runs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    owner TEXT NOT NULL,
    task TEXT NOT NULL,
    tab TEXT NOT NULL,
    model TEXT NOT NULL,
    version TEXT,
    backend_kind TEXT NOT NULL,
    backend_url TEXT NOT NULL,
    prediction_id TEXT,
    status TEXT NOT NULL,
    inputs TEXT NOT NULL,
    output TEXT,
    logs TEXT NOT NULL DEFAULT '',
    error TEXT,
    metrics TEXT NOT NULL DEFAULT '{}',
    cost_usd REAL,
    started_at REAL NOT NULL,
    finished_at REAL NOT NULL,
    cache_key TEXT,
    snippet TEXT NOT NULL DEFAULT '',
    search_text TEXT NOT NULL DEFAULT ''
);
CREATE INDEX runs_owner_time ON runs (owner, started_at DESC, seq DESC);
CREATE INDEX runs_time ON runs (started_at DESC, seq DESC);
CREATE INDEX runs_owner_task ON runs (owner, task, started_at DESC, seq DESC);
CREATE INDEX runs_owner_model ON runs (owner, model, started_at DESC, seq DESC);
CREATE INDEX runs_owner_status ON runs (owner, status, started_at DESC, seq DESC);
CREATE INDEX runs_owner_tab ON runs (owner, tab, started_at DESC, seq DESC);
CREATE INDEX runs_cache ON runs (cache_key, owner) WHERE cache_key IS NOT NULL;

CREATE TABLE files (
    name TEXT PRIMARY KEY,
    size INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE run_files (
    run_seq INTEGER NOT NULL REFERENCES runs (seq) ON DELETE CASCADE,
    role TEXT NOT NULL,
    key TEXT NOT NULL,
    name TEXT NOT NULL REFERENCES files (name)
);
CREATE INDEX run_files_run ON run_files (run_seq);
CREATE INDEX run_files_name ON run_files (name);
"""

V2_FTS = """
CREATE VIRTUAL TABLE runs_fts USING fts5(
    search_text, content='runs', content_rowid='seq', tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER runs_fts_insert AFTER INSERT ON runs BEGIN
    INSERT INTO runs_fts (rowid, search_text) VALUES (new.seq, new.search_text);
END;
CREATE TRIGGER runs_fts_delete AFTER DELETE ON runs BEGIN
    INSERT INTO runs_fts (runs_fts, rowid, search_text) VALUES ('delete', old.seq, old.search_text);
END;
INSERT INTO runs_fts (runs_fts) VALUES ('rebuild');
INSERT INTO meta (key, value) VALUES ('search', 'fts5');
"""

V2_LIKE = """
UPDATE runs SET search_text = lower(search_text);
INSERT INTO meta (key, value) VALUES ('search', 'like');
"""


def has_fts5(conn: sqlite3.Connection) -> bool:
    try:
        conn.execute("CREATE VIRTUAL TABLE temp.fts5_probe USING fts5(x)")
        conn.execute("DROP TABLE temp.fts5_probe")
        return True
    except sqlite3.OperationalError:
        return False


V3 = """
ALTER TABLE runs ADD COLUMN runner TEXT;
CREATE INDEX runs_running ON runs (runner) WHERE runner IS NOT NULL;
"""

# A running row's text is saved as it streams: the FTS index follows (v2 indexed inserts only).
V3_FTS = """
CREATE TRIGGER runs_fts_update AFTER UPDATE OF search_text ON runs BEGIN
    INSERT INTO runs_fts (runs_fts, rowid, search_text) VALUES ('delete', old.seq, old.search_text);
    INSERT INTO runs_fts (rowid, search_text) VALUES (new.seq, new.search_text);
END;
"""


def _v1(conn: sqlite3.Connection, fts: bool) -> None:
    _run(conn, V1)


def _v2(conn: sqlite3.Connection, fts: bool) -> None:
    conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    _run(conn, V2_FTS if fts else V2_LIKE)


def _v3(conn: sqlite3.Connection, fts: bool) -> None:
    _run(conn, V3)
    # the search v2 chose for this database, whatever this SQLite could do now
    row = conn.execute("SELECT value FROM meta WHERE key = 'search'").fetchone()
    if row is not None and row[0] == "fts5":
        _run(conn, V3_FTS)


MIGRATIONS: list[Migration] = [_v1, _v2, _v3]
LATEST = len(MIGRATIONS)


def version_of(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, *, fts: bool | None = None, upto: int = LATEST) -> int:
    """Apply the missing migrations (up to `upto`, for tests); returns the version reached.

    `fts=False` builds the LIKE search even where FTS5 exists (tests of that path)."""
    current = version_of(conn)
    if current > LATEST:
        raise SchemaTooNew(f"the history database has schema version {current}; this "
                           f"playground knows up to {LATEST}: update the playground")
    use_fts = has_fts5(conn) if fts is None else fts
    for number in range(current + 1, upto + 1):
        # statement by statement (executescript would commit): each step is all-or-nothing
        conn.execute("BEGIN IMMEDIATE")
        try:
            if version_of(conn) >= number:  # another process got there first
                conn.execute("ROLLBACK")
                continue
            MIGRATIONS[number - 1](conn, use_fts)
            conn.execute(f"PRAGMA user_version = {number}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return version_of(conn)


def _run(conn: sqlite3.Connection, script: str) -> None:
    """Each statement of `script` (trigger bodies, `BEGIN ... END;`, kept whole)."""
    buf = ""
    for line in script.strip().splitlines():
        buf += line + "\n"
        if sqlite3.complete_statement(buf):
            conn.execute(buf)
            buf = ""
    if buf.strip():
        conn.execute(buf)
