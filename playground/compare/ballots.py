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
from typing import Literal

from pydantic import ValidationError

from .leaderboard import Battle, battles_of
from .session import CompareSession, RoomVote
from .strict import SESSION_ID

DB_NAME = "votes.sqlite3"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS battles (
    session TEXT NOT NULL, round INTEGER NOT NULL, voter TEXT NOT NULL, task TEXT NOT NULL,
    a TEXT NOT NULL, b TEXT NOT NULL, outcome TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS battles_task ON battles (task);
CREATE INDEX IF NOT EXISTS battles_round ON battles (session, round, voter);
CREATE TABLE IF NOT EXISTS shared (
    id TEXT PRIMARY KEY, host TEXT NOT NULL, session TEXT NOT NULL, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS room_votes (
    session TEXT NOT NULL, round INTEGER NOT NULL, voter TEXT NOT NULL, entry INTEGER NOT NULL,
    verdict TEXT NOT NULL, at REAL NOT NULL, UNIQUE (session, round, voter, entry));
"""
RoomAnswer = Literal["counted", "already", "gone"]


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

    # -- sessions shared for voting (compare.room) ------------------------------------------

    def share(self, session: CompareSession, owner: str) -> bool:
        """Keep `session` as it is now for its room to see (again: the latest round). False,
        and nothing changed, when another browser shared it (a voter's page holds a copy
        with the same id: it must not replace the host's)."""
        shown = session.model_copy(update={"votes": [], "room_votes": []})
        host = voter_id(owner)
        with self._lock, self._connect() as conn:
            row = conn.execute("SELECT host FROM shared WHERE id = ?", (session.id,)).fetchone()
            if row is not None and row[0] != host:
                return False
            conn.execute("INSERT OR REPLACE INTO shared VALUES (?, ?, ?, ?)",
                         (session.id, host, shown.model_dump_json(), time.time()))
        return True

    def shared(self, room: object) -> CompareSession | None:
        """The shared session `room` names (a value from a link: anything), or None."""
        if not isinstance(room, str) or not SESSION_ID.fullmatch(room):
            return None
        with self._connect() as conn:
            row = conn.execute("SELECT session FROM shared WHERE id = ?", (room,)).fetchone()
        if row is None:
            return None
        try:
            return CompareSession.model_validate_json(row[0])
        except ValidationError:
            return None

    def room_vote(self, room: str, round_no: int, owner: str, entry: int,
                  verdict: str) -> RoomAnswer:
        """One browser's verdict on one output of a shared round: kept once, never changed."""
        session = self.shared(room)
        if session is None or verdict not in ("better", "worse", "tie") or not any(
                r.round == round_no and r.entry == entry for r in session.runs):
            return "gone"
        with self._lock, self._connect() as conn:
            done = conn.execute("INSERT OR IGNORE INTO room_votes VALUES (?, ?, ?, ?, ?, ?)",
                                (room, round_no, voter_id(owner), entry, verdict, time.time()))
        return "counted" if done.rowcount == 1 else "already"

    def room_votes(self, room: str) -> list[RoomVote]:
        with self._connect() as conn:
            rows = conn.execute("SELECT round, entry, verdict, voter FROM room_votes "
                                "WHERE session = ? ORDER BY at, rowid", (room,)).fetchall()
        return [RoomVote(round=r, entry=e, verdict=v, voter=who) for r, e, v, who in rows]
