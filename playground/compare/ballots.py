"""Blind battles kept across sessions, for the leaderboard of every comparison on this server:
`data_dir/votes.sqlite3`, beside the run history and, like it, never served.

A round's battles are kept per voter and replaced whenever that voter's verdicts on the round
change (a Reveal before the votes were in leaves none). A voter is stored only as an opaque
id: a hash of the browser's owner id, which itself is random.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import time
from pathlib import Path

from .leaderboard import Battle, battles_of
from .session import CompareSession

DB_NAME = "votes.sqlite3"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS battles (
    session TEXT NOT NULL, round INTEGER NOT NULL, voter TEXT NOT NULL, task TEXT NOT NULL,
    a TEXT NOT NULL, b TEXT NOT NULL, outcome TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS battles_task ON battles (task);
CREATE INDEX IF NOT EXISTS battles_round ON battles (session, round, voter);
"""


def voter_id(owner: str) -> str:
    return hashlib.sha256(f"compare-voter:{owner}".encode()).hexdigest()[:24]


class BallotBox:
    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / DB_NAME
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        with self._connect() as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10)

    def keep_round(self, session: CompareSession, round_no: int, owner: str) -> None:
        """The round's blind battles as `owner` voted them now, in place of the last ones."""
        found = battles_of(session, round_no=round_no)
        voter = voter_id(owner)
        now = time.time()
        with self._lock, self._connect() as conn:
            conn.execute("DELETE FROM battles WHERE session = ? AND round = ? AND voter = ?",
                         (session.id, round_no, voter))
            conn.executemany(
                "INSERT INTO battles VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(session.id, round_no, voter, session.task, b.a, b.b, b.outcome, now)
                 for b in found])

    def battles(self, task: str) -> list[Battle]:
        """Every kept battle of `task`'s comparisons, oldest first."""
        with self._connect() as conn:
            rows = conn.execute("SELECT a, b, outcome FROM battles WHERE task = ? "
                                "ORDER BY at, rowid", (task,)).fetchall()
        return [Battle(a, b, outcome) for a, b, outcome in rows
                if outcome in ("a", "b", "tie")]
