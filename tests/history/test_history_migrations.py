"""A database from the first release (schema version 1) opens and is brought up to date."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hist_helpers import OWNER_A, finished

from playground.history import Filters, RunStore, SchemaTooNew, Scope, schema

A = Scope.of(OWNER_A)
V1_ROW = {
    "id": "00000000000000aa", "owner": OWNER_A, "task": "chat", "tab": "chat",
    "model": "meta/llama", "version": None, "backend_kind": "replicate",
    "backend_url": "https://api.replicate.com", "status": "succeeded",
    "inputs": '{"message": "Tell me about Lighthouses"}', "output": '["They guide ships."]',
    "started_at": 1_700_000_000.0, "finished_at": 1_700_000_003.0,
    "snippet": "Tell me about Lighthouses", "search_text": "Tell me about Lighthouses\nThey guide",
}


def _v1_database(folder: Path) -> Path:
    folder.mkdir(parents=True)
    path = folder / "history.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    assert schema.migrate(conn, upto=1) == 1
    names = ", ".join(V1_ROW)
    conn.execute(f"INSERT INTO runs ({names}) VALUES ({', '.join('?' for _ in V1_ROW)})",
                 list(V1_ROW.values()))
    conn.close()
    return path


@pytest.mark.parametrize("fts", [True, False])
def test_a_version_1_database_is_migrated_and_searchable(tmp_path: Path, fts: bool) -> None:
    _v1_database(tmp_path / "data")
    store = RunStore(tmp_path / "data", fts=fts)
    try:
        assert schema.version_of(store._conn) == schema.LATEST
        assert store.search == ("fts5" if fts else "like")
        found = store.page(A, Filters(text="lighthouse")).runs
        assert [r.id for r in found] == ["00000000000000aa"]
        assert found[0].output == ["They guide ships."]
        # and new runs land beside it
        store.record(finished(inputs={"prompt": "a lighthouse in fog"}), OWNER_A)
        assert store.count(A, Filters(text="lighthouse")) == 2
    finally:
        store.close()


def test_a_fresh_database_gets_every_migration(tmp_path: Path) -> None:
    store = RunStore(tmp_path / "d")
    try:
        assert schema.version_of(store._conn) == schema.LATEST == len(schema.MIGRATIONS)
    finally:
        store.close()


def test_a_database_from_a_newer_release_is_refused(tmp_path: Path) -> None:
    path = _v1_database(tmp_path / "data")
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(SchemaTooNew, match="version 99"):
        RunStore(tmp_path / "data")


def test_a_failed_migration_leaves_the_database_as_it_was(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    _v1_database(tmp_path / "data")

    def broken(conn: sqlite3.Connection, fts: bool) -> None:
        conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(schema, "MIGRATIONS", [schema.MIGRATIONS[0], broken])
    with pytest.raises(RuntimeError):
        RunStore(tmp_path / "data")
    conn = sqlite3.connect(tmp_path / "data" / "history.sqlite3")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'meta'").fetchone()[0] == 0
    conn.close()
