"""Whose history: a browser reaches only its own runs, whatever id it sends."""

from __future__ import annotations

import pytest
from hist_helpers import OWNER_A, OWNER_B, finished

from playground.history import Filters, RunStore, Scope

A, B = Scope.of(OWNER_A), Scope.of(OWNER_B)


def test_two_browsers_do_not_see_each_others_runs(store: RunStore) -> None:
    mine = store.record(finished(inputs={"prompt": "a lighthouse at dawn", "seed": 1}), OWNER_A)
    theirs = store.record(finished(inputs={"prompt": "a lighthouse at dusk", "seed": 1}),
                          OWNER_B)
    assert [r.id for r in store.page(A).runs] == [mine.id]
    assert [r.id for r in store.page(B).runs] == [theirs.id]
    assert [r.id for r in store.page(A, Filters(text="lighthouse")).runs] == [mine.id]
    assert store.count(A) == 1 and store.count(B) == 1
    assert store.choices(A, "task") == ["image"]


def test_another_browsers_run_cannot_be_opened_or_deleted_by_id(store: RunStore) -> None:
    theirs = store.record(finished(), OWNER_B)
    assert store.get(theirs.id, A) is None
    assert store.delete(theirs.id, A).runs == 0
    assert store.get(theirs.id, B) == theirs  # still there


def test_the_shared_history_sees_every_run(store: RunStore) -> None:
    a = store.record(finished(), OWNER_A)
    b = store.record(finished(), OWNER_B)
    everyone = Scope.shared()
    assert {r.id for r in store.page(everyone).runs} == {a.id, b.id}
    assert store.get(a.id, everyone) == a
    assert {r.owner for r in store.page(everyone).runs} == {OWNER_A, OWNER_B}  # who ran it


def test_the_cache_never_serves_another_browsers_run(store: RunStore) -> None:
    store.record(finished(cache_key="k" * 64), OWNER_B)
    assert store.find_cached("k" * 64, A) is None
    assert store.find_cached("k" * 64, B) is not None


@pytest.mark.parametrize("bad", ["", "../../etc/passwd", "1 OR 1=1", "x" * 5000, "\x00",
                                 "ABCDEF0123456789", "0123456789abcde", None, 12])
def test_forged_run_ids_are_no_run(store: RunStore, bad: object) -> None:
    store.record(finished(), OWNER_A)
    assert store.get(bad, A) is None  # type: ignore[arg-type]
    assert store.delete(bad, A).runs == 0  # type: ignore[arg-type]
    assert store.count(A) == 1


@pytest.mark.parametrize("bad", ["", "short", "has space in it here", "a" * 65, "é" * 20,
                                 "../../../../etc/passwd"])
def test_forged_owner_ids_are_refused(store: RunStore, bad: str) -> None:
    with pytest.raises(ValueError):
        Scope.of(bad)
    with pytest.raises(ValueError):
        store.record(finished(), bad)


def test_clear_for_one_browser_leaves_the_others(store: RunStore) -> None:
    store.record(finished(), OWNER_A)
    kept = store.record(finished(), OWNER_B)
    assert store.clear(A).runs == 1
    assert [r.id for r in store.page(Scope.shared()).runs] == [kept.id]


def test_a_forged_cursor_starts_from_the_top(store: RunStore) -> None:
    record = store.record(finished(), OWNER_A)
    for cursor in ("'; DROP TABLE runs; --", "1e309~1", "abc", "9" * 40 + "~1"):
        assert [r.id for r in store.page(A, cursor=cursor).runs] == [record.id]
