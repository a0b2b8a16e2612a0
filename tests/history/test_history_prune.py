"""Deleting and pruning: files go with their last run, and only then."""

from __future__ import annotations

import time
from pathlib import Path

from hist_helpers import OWNER_A, OWNER_B, finished, saved

from playground.files.outputs import store as save_output
from playground.history import RunStore, Scope

A = Scope.of(OWNER_A)


def _names(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


def test_delete_keeps_a_file_another_run_still_uses(store: RunStore, outputs: Path) -> None:
    shared = saved(outputs, b"\x89PNG shared" + b"0" * 100, "aaaaaaaaaaaaaaaa.png")
    own = saved(outputs, b"\x89PNG own" + b"1" * 100, "bbbbbbbbbbbbbbbb.png")
    first = store.record(finished(output=[shared, own]), OWNER_A)
    second = store.record(finished(output=[shared]), OWNER_A)
    gone = store.delete(first.id, A)
    assert (gone.runs, gone.files, gone.bytes) == (1, 1, 108)
    assert _names(outputs) == {shared.name}
    store.delete(second.id, A)
    assert _names(outputs) == set()
    assert store.usage() == 0


def test_files_the_history_never_recorded_are_left_alone(store: RunStore, outputs: Path) -> None:
    older = saved(outputs, b"from before the history", "cccccccccccccccc.txt")
    run = store.record(finished(output=[saved(outputs, b"x" * 50, "dddddddddddddddd.bin")]),
                       OWNER_A)
    store.clear()
    assert _names(outputs) == {older.name}
    assert store.get(run.id, A) is None


def test_a_shared_input_and_output_file_counts_once(store: RunStore, outputs: Path) -> None:
    image = saved(outputs, b"\x89PNG" + b"2" * 200, "eeeeeeeeeeeeeeee.png")
    store.record(finished(inputs={"image": image}, output=[image]), OWNER_A)
    assert store.usage() == image.stat().st_size


def test_recording_past_the_cap_prunes_the_oldest_runs_first(data_dir: Path) -> None:
    store = RunStore(data_dir, max_bytes=2500)
    folder = store.files.folder
    folder.mkdir(parents=True)
    try:
        shared = saved(folder, b"s" * 100, "0000000000000000.bin")
        ids = []
        for i in range(5):
            own = saved(folder, bytes([65 + i]) * 1000, f"{i:016d}".replace("0", "f") + ".bin")
            ids.append(store.record(finished(output=[own, shared], started_at=1000.0 + i),
                                    OWNER_A if i % 2 else OWNER_B).id)
        # 5 x 1000 + 100 bytes: the three oldest go (everyone's), the shared file stays
        assert store.usage() <= 2500
        left = [r.id for r in store.page(Scope.shared()).runs]
        assert left == [ids[4], ids[3]]
        assert shared.exists()
        assert len(list(folder.iterdir())) == 3
        assert store.auto_pruned.runs == 3  # the tab reports it
    finally:
        store.close()


def test_a_single_run_bigger_than_the_cap_is_kept(data_dir: Path) -> None:
    store = RunStore(data_dir, max_bytes=10)
    store.files.folder.mkdir(parents=True)
    try:
        big = saved(store.files.folder, b"z" * 1000, "9999999999999999.bin")
        record = store.record(finished(output=[big]), OWNER_A)
        assert store.get(record.id, A) is not None and big.exists()
    finally:
        store.close()


def test_prune_by_age(store: RunStore) -> None:
    old = store.record(finished(started_at=time.time() - 40 * 86400), OWNER_A)
    new = store.record(finished(), OWNER_A)
    done = store.prune(None, older_than=time.time() - 30 * 86400)
    assert done.removed_ids == [old.id]
    assert [r.id for r in store.page(A).runs] == [new.id]


def test_clear_removes_everything(store: RunStore, outputs: Path) -> None:
    for i in range(3):
        store.record(finished(output=[saved(outputs, bytes([i]) * 10, f"{i}" * 16 + ".bin")]),
                     OWNER_B if i else OWNER_A)
    done = store.clear()
    assert (done.runs, done.files) == (3, 3)
    assert _names(outputs) == set() and store.count(Scope.shared()) == 0


def test_a_file_saved_again_by_a_run_still_finishing_is_kept(store: RunStore,
                                                             outputs: Path) -> None:
    """Run B (a deterministic model, the same output) saved its file and is not recorded yet
    when run A, the only recorded user of that file, is deleted: the file must stay for B."""
    data = b"\x89PNG same output" * 10
    first = save_output(data, ".png", outputs)
    a = store.record(finished(output=[first]), OWNER_A)
    time.sleep(0.01)
    again = save_output(data, ".png", outputs)  # B's saver: the same content, reused
    assert again == first
    done = store.delete(a.id, A)
    assert (done.runs, done.files) == (1, 0) and again.exists()
    b = store.record(finished(output=[again]), OWNER_A)
    assert store.usage() == len(data)
    store.delete(b.id, A)
    assert not again.exists()  # its last run gone, nothing saved it since: removed
