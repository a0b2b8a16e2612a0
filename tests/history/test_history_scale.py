"""10,000 runs: every page, filter and search answers from an index, never by scanning them all.

Nothing here is timed (the machine is shared); the query plans say whether it stays fast."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from hist_helpers import OWNER_A, OWNER_B

from playground.history import Filters, RunStore, Scope

N = 10_000
TASKS = ["image", "chat", "transcribe", "upscale", "rembg", "faces"]
MODELS = ["stability-ai/sdxl", "meta/llama", "openai/whisper", "nightmareai/real-esrgan"]
STATUSES = ["succeeded"] * 8 + ["failed", "canceled"]
WORDS = ["fox", "lighthouse", "astronaut", "unicorn", "watercolor", "harbor", "cathedral",
         "tiger", "meadow", "nebula", "robot", "violin"]
T0 = 1_750_000_000.0
A, B = Scope.of(OWNER_A), Scope.of(OWNER_B)


def _rows(n: int) -> Iterator[dict[str, object]]:
    rng = random.Random(12)
    for i in range(n):
        prompt = " ".join(rng.sample(WORDS, 3)) + f" number{i}"
        yield {
            "id": f"{i:016x}", "owner": OWNER_A if i % 4 else OWNER_B,
            "task": TASKS[i % len(TASKS)], "tab": TASKS[i % len(TASKS)],
            "model": MODELS[i % len(MODELS)], "version": "v1", "backend_kind": "local",
            "backend_url": "http://127.0.0.1:8008", "status": rng.choice(STATUSES),
            "inputs": f'{{"prompt": "{prompt}"}}', "output": "null",
            # every 7th run shares its start time with the next: the cursor must break ties
            "started_at": T0 + (i - i % 7 % 2) * 60.0, "finished_at": T0 + i * 60.0 + 5,
            "snippet": prompt, "search_text": prompt,
        }


def _fill(store: RunStore) -> None:
    rows = list(_rows(N))
    if store.search == "like":
        for row in rows:
            row["search_text"] = str(row["search_text"]).lower()
    names = ", ".join(rows[0])
    marks = ", ".join(f":{k}" for k in rows[0])
    conn = store._conn
    conn.execute("BEGIN")
    conn.executemany(f"INSERT INTO runs ({names}) VALUES ({marks})", rows)
    conn.execute("COMMIT")
    conn.execute("ANALYZE")


@pytest.fixture(scope="module", params=["fts5", "like"])
def big(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> RunStore:
    folder: Path = tmp_path_factory.mktemp(f"big-{request.param}")
    store = RunStore(folder, fts=request.param == "fts5")
    assert store.search == request.param
    _fill(store)
    yield store
    store.close()


def _expected(scope_owner: str | None, **where: object) -> list[dict[str, object]]:
    rows = [r for r in _rows(N) if scope_owner is None or r["owner"] == scope_owner]
    for column, value in where.items():
        if column == "text":
            rows = [r for r in rows if all(w in str(r["search_text"]).split()
                                           for w in str(value).split())]
        else:
            rows = [r for r in rows if r[column] == value]
    return rows


def test_paging_walks_every_run_once_newest_first(big: RunStore) -> None:
    seen: list[tuple[float, str]] = []
    cursor = None
    pages = 0
    while True:
        page = big.page(A, cursor=cursor, limit=100)
        seen += [(r.started_at, r.id) for r in page.runs]
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break
    assert len(seen) == len({i for _, i in seen}) == big.count(A) == 7500
    assert pages == 75
    times = [t for t, _ in seen]
    assert times == sorted(times, reverse=True)


@pytest.mark.parametrize("filters,where", [
    (Filters(task="upscale"), {"task": "upscale"}),
    (Filters(model="meta/llama"), {"model": "meta/llama"}),
    (Filters(status="failed"), {"status": "failed"}),
    (Filters(task="chat", status="succeeded"), {"task": "chat", "status": "succeeded"}),
])
def test_filters_count_right(big: RunStore, filters: Filters, where: dict[str, str]) -> None:
    assert big.count(A, filters) == len(_expected(OWNER_A, **where))
    page = big.page(A, filters, limit=50)
    assert len(page.runs) == 50
    assert all(getattr(r, k) == v for r in page.runs for k, v in where.items())


def test_date_filter(big: RunStore) -> None:
    since, until = T0 + 1000 * 60, T0 + 2000 * 60
    got = big.count(A, Filters(since=since, until=until))
    want = [r for r in _expected(OWNER_A) if since <= float(r["started_at"]) < until]  # type: ignore[arg-type]
    assert got == len(want) > 0


@pytest.mark.parametrize("text", ["fox", "fox tiger", "FOX Tiger", "number123", "nebu"])
def test_search_finds_the_same_runs_either_way(big: RunStore, text: str) -> None:
    got = {r.id for r in _all(big, A, Filters(text=text))}
    words = text.lower().split()
    want = {str(r["id"]) for r in _expected(OWNER_A)
            if all(any(t.startswith(w) for t in str(r["search_text"]).split()) for w in words)}
    assert got == want and got


def test_search_with_fts_syntax_is_just_words(big: RunStore) -> None:
    for text in ['fox" OR "x', "NEAR(fox tiger)", "fox*", "-fox", "'); DROP TABLE runs; --",
                 "\x00", "%", "_"]:
        big.page(A, Filters(text=text))  # no error
    assert big.count(A, Filters(text="%")) == big.count(A)  # no words: no text filter


def _all(store: RunStore, scope: Scope, filters: Filters) -> list:
    out, cursor = [], None
    while True:
        page = store.page(scope, filters, cursor=cursor, limit=200)
        out += page.runs
        cursor = page.next_cursor
        if cursor is None:
            return out


@pytest.mark.parametrize("scope,filters", [
    (A, Filters()),
    (A, Filters(task="image")),
    (A, Filters(model="meta/llama")),
    (A, Filters(status="failed")),
    (A, Filters(since=T0, until=T0 + 86400)),
    (Scope.shared(), Filters()),
    (Scope.shared(), Filters(since=T0)),
])
def test_pages_come_from_an_index_in_order(big: RunStore, scope: Scope, filters: Filters) -> None:
    first = big.page(scope, filters, limit=24)
    for cursor in (None, first.next_cursor):
        plan = big.plan(scope, filters, cursor=cursor)
        assert "USING INDEX" in plan or "USING COVERING INDEX" in plan, plan
        assert "TEMP B-TREE" not in plan, plan  # no sort of every matching row
        assert "SCAN runs\n" not in plan + "\n", plan


def test_search_uses_the_full_text_index(big: RunStore) -> None:
    plan = big.plan(A, Filters(text="fox"))
    assert "SCAN runs\n" not in plan + "\n", plan  # never every run read and matched
    if big.search == "fts5":
        # the matching rows come from the full-text index, then by primary key
        assert "runs_fts VIRTUAL TABLE" in plan and "INTEGER PRIMARY KEY" in plan, plan
    else:  # LIKE: the owner's rows from their index, newest first, until a page is full
        assert "USING INDEX runs_owner" in plan and "TEMP B-TREE" not in plan, plan
