"""Finding runs: filters, text search and keyset paging, as one SQL query each time.

Pages are newest first and keyed on (started_at, seq) of the last row shown, never on an
OFFSET, so page 400 of 10,000 runs costs what page 1 does. The cursor a browser holds is opaque
text; a forged one is read as "from the start", never as SQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from playground.history.record import Scope

PAGE_SIZE = 24
MAX_PAGE_SIZE = 200
_CURSOR = re.compile(r"^(\d{1,12}(?:\.\d{1,20})?)~(\d{1,18})$")
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Filters:
    task: str | None = None
    tab: str | None = None
    model: str | None = None
    status: str | None = None
    since: float | None = None  # epoch seconds, inclusive
    until: float | None = None  # epoch seconds, exclusive
    text: str | None = None  # words, each matched as a prefix, all required
    ended: bool = False  # only runs that have ended (leave out those still running)


@dataclass(frozen=True)
class Cursor:
    started_at: float
    seq: int

    def encode(self) -> str:
        return f"{self.started_at!r}~{self.seq}"  # repr: the exact float back

    @classmethod
    def decode(cls, text: str | None) -> Cursor | None:
        found = _CURSOR.match(text or "")
        return cls(float(found.group(1)), int(found.group(2))) if found else None


def words(text: str | None) -> list[str]:
    return _WORD.findall((text or "").lower())[:16]


def fts_query(text: str | None) -> str | None:
    """`a cat's "hat` -> `"a"* "cat"* "s"* "hat"*`: words only, no FTS5 syntax from a user."""
    found = words(text)
    return " ".join(f'"{w}"*' for w in found) if found else None


def where(scope: Scope, filters: Filters, *, search: str,
          after: Cursor | None = None) -> tuple[str, list[Any]]:
    """The WHERE clause (and its parameters) for a page of `scope`'s runs."""
    clauses: list[str] = []
    params: list[Any] = []
    if scope.owner is not None:
        clauses.append("owner = ?")
        params.append(scope.owner)
    for column in ("task", "tab", "model", "status"):
        value = getattr(filters, column)
        if value:
            clauses.append(f"{column} = ?")
            params.append(value)
    if filters.ended:
        clauses.append("runner IS NULL")
    if filters.since is not None:
        clauses.append("started_at >= ?")
        params.append(filters.since)
    if filters.until is not None:
        clauses.append("started_at < ?")
        params.append(filters.until)
    if filters.text:
        if search == "fts5":
            query = fts_query(filters.text)
            if query:
                clauses.append("seq IN (SELECT rowid FROM runs_fts WHERE runs_fts MATCH ?)")
                params.append(query)
        else:
            for word in words(filters.text):
                clauses.append("search_text LIKE ? ESCAPE '\\'")
                params.append("%" + word.replace("\\", "\\\\").replace("%", "\\%")
                              .replace("_", "\\_") + "%")
    if after is not None:
        clauses.append("(started_at, seq) < (?, ?)")
        params += [after.started_at, after.seq]
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params
