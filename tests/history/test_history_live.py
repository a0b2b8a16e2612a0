"""Runs kept while they run: stored as they start, their text saved as it streams (at most once
a second), their end written in place, and a run whose process died marked interrupted by the
next store opened on the folder, never one whose process still runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from hist_helpers import OWNER_A, finished, png

from playground.history import Filters, InputFile, RunStore, Scope
from playground.history.recorder import PendingRun, Recorder
from playground.history.runs import Caller, RunHistory
from playground.history.store import APP_STOPPED
from playground.results import RunUpdate
from playground.service.live import LiveRun

A = Scope.of(OWNER_A)
CHAT = {"task": "chat", "tab": "chat", "model": "local/smollm2-135m-instruct", "version": None,
        "inputs": {"prompt": "Tell me about lighthouses"}, "metrics": {}}


def _begun(store: RunStore) -> str:
    return store.begin(finished(**CHAT, status="starting"), OWNER_A).id


@pytest.mark.parametrize("fts", [True, False])
def test_a_run_is_listed_as_it_runs_and_ends_in_place(data_dir: Path, fts: bool) -> None:
    store = RunStore(data_dir, fts=fts)
    try:
        run_id = _begun(store)
        assert [(r.id, r.status) for r in store.page(A).runs] == [(run_id, "starting")]
        assert store.progress(run_id, status="processing", output=["Lighthouses guide "],
                              logs="loading")
        [running] = store.page(A).runs
        assert (running.status, running.output, running.logs) == (
            "processing", ["Lighthouses guide "], "loading")
        assert store.count(A, Filters(text="guide")) == 1  # the search follows the text
        assert store.page(A, Filters(ended=True)).runs == []  # not a result yet

        ended = store.finish(run_id, finished(**CHAT, output=["Lighthouses guide ships."],
                                              cache_key="k1"), OWNER_A)
        assert ended.id == run_id and ended.status == "succeeded" and ended.cache_key == "k1"
        assert [r.id for r in store.page(A, Filters(ended=True)).runs] == [run_id]
        assert store.count(A, Filters(text="ships")) == 1
        assert store.count(A) == 1
        # a save still on its way when the run ended changes nothing
        assert not store.progress(run_id, status="processing", output=["Light"], logs="")
        assert store.get(run_id, A).output == ["Lighthouses guide ships."]  # type: ignore[union-attr]
    finally:
        store.close()


def test_a_run_whose_process_died_is_interrupted_one_still_running_is_not(
        data_dir: Path) -> None:
    first = RunStore(data_dir)
    run_id = _begun(first)
    first.progress(run_id, status="processing", output=["Lighthouses guide "], logs="")
    other = RunStore(data_dir)  # another app on the same folder, while the first one runs
    try:
        assert other.recovered == 0
        assert other.get(run_id, A).status == "processing"  # type: ignore[union-attr]
    finally:
        other.close()
    first.close()  # its process ends: the run never finished
    again = RunStore(data_dir)
    try:
        assert again.recovered == 1
        run = again.get(run_id, A)
        assert run is not None
        assert (run.status, run.error, run.output) == (
            "interrupted", APP_STOPPED, ["Lighthouses guide "])
        assert not any((data_dir / "private" / "running").iterdir())  # its lock file gone
    finally:
        again.close()


def test_a_running_run_is_never_pruned(data_dir: Path) -> None:
    store = RunStore(data_dir, max_bytes=0)  # every file is past the cap
    try:
        run_id = store.begin(finished(status="processing", inputs={
            "image": InputFile(png((1, 2, 3)))}), OWNER_A).id
        older = store.record(finished(inputs={"image": InputFile(png((4, 5, 6)))}), OWNER_A)
        store.record(finished(inputs={"image": InputFile(png((7, 8, 9)))}), OWNER_A)
        # the oldest ended run went, not the one still running (older still)
        assert store.get(older.id, A) is None
        assert store.get(run_id, A) is not None
    finally:
        store.close()


async def test_the_text_is_saved_at_most_once_a_second_and_always_at_the_end(
        store: RunStore) -> None:
    recorder = Recorder(RunHistory(store), backend_kind="local",
                        backend_url="http://127.0.0.1:8008")
    pending = PendingRun("chat", "local/smollm2-135m-instruct", {"prompt": "Hi"},
                         caller=Caller(OWNER_A, "chat"))
    now = [0.0]
    live = LiveRun(recorder, pending, None, clock=lambda: now[0])
    text = ""
    for step in range(31):  # a word every 0.1 s for 3 s
        now[0] = step / 10
        text += f"w{step} "
        await live.update(RunUpdate("p1", "processing", text=text, delta=f"w{step} "))
    # begun at 0 s, then saved at 1, 2 and 3 s: never more than once a second
    assert live.saves == 4
    assert pending.record_id is not None
    saved = store.get(pending.record_id, A)
    assert saved is not None and saved.output == [text]  # the save at 3 s had it all
    now[0] = 3.05
    await live.update(RunUpdate("p1", "processing", text=text + "end", delta="end"))
    assert live.saves == 4  # too soon after the last one
    await live.cut("canceled", "Stopped", "p1")  # the end: always written
    run = store.get(pending.record_id, A)
    assert run is not None and (run.status, run.output) == ("canceled", [text + "end"])


def test_a_run_deleted_while_it_ran_is_recorded_anew_when_it_ends(store: RunStore) -> None:
    run_id = _begun(store)
    assert store.delete(run_id, A).runs == 1
    assert not store.progress(run_id, status="processing", output=["late"], logs="")
    ended = store.finish(run_id, finished(**CHAT, output=["done"]), OWNER_A)
    assert ended.id != run_id and [r.id for r in store.page(A).runs] == [ended.id]
