"""Many browsers at once: threads (and two stores, as two processes would) write safely."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

from hist_helpers import OWNER_A, OWNER_B, finished, saved

from playground.files.outputs import store as save_output
from playground.history import Filters, RunStore, Scope

THREADS = 8
EACH = 40


def test_threads_record_read_and_delete_at_once(store: RunStore, outputs: Path) -> None:
    same = b"\x89PNG" + b"s" * 64  # an output every run makes (a deterministic model)
    errors: list[BaseException] = []
    barrier = threading.Barrier(THREADS + 2)
    deleted: list[str] = []

    def writer(n: int) -> None:
        try:
            barrier.wait()
            for i in range(EACH):
                own = saved(outputs, f"{n}-{i}".encode() * 8, f"{n:08d}{i:08d}.bin")
                shared = save_output(same, ".png", outputs)  # as the service's saver does
                record = store.record(finished(inputs={"prompt": f"writer {n} run {i}",
                                                       "seed": i}, output=[own, shared]),
                                      OWNER_A if n % 2 else OWNER_B)
                if i % 10 == 0:
                    store.delete(record.id, Scope.of(record.owner))
                    deleted.append(record.id)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    def reader() -> None:
        try:
            barrier.wait()
            for _ in range(EACH):
                store.page(Scope.of(OWNER_A), Filters(text="writer"))
                store.count(Scope.shared())
        except BaseException as exc:  # pragma: no cover
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(THREADS)]
    threads += [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    everyone = Scope.shared()
    assert store.count(everyone) == THREADS * EACH - len(deleted)
    assert store.count(everyone, Filters(text="writer")) == THREADS * EACH - len(deleted)
    shared = outputs / f"{hashlib.sha256(same).hexdigest()[:16]}.png"
    assert shared.exists()  # deleted runs shared it with runs still kept
    kept = {f.name for r in _every(store) for f in r.files}
    on_disk = {p.name for p in outputs.iterdir()}
    assert on_disk == kept  # each deleted run's own file went, nothing else


def test_two_stores_on_one_database(data_dir: Path) -> None:
    """Two app processes (or the app and `playground history prune`) share one file."""
    one, two = RunStore(data_dir), RunStore(data_dir)
    errors: list[BaseException] = []

    def write(store: RunStore, owner: str) -> None:
        try:
            for i in range(60):
                store.record(finished(inputs={"prompt": f"p{i}"}), owner)
        except BaseException as exc:  # pragma: no cover
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(one, OWNER_A)),
               threading.Thread(target=write, args=(two, OWNER_B))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    try:
        assert not errors, errors
        assert one.count(Scope.shared()) == two.count(Scope.shared()) == 120
    finally:
        one.close()
        two.close()


def _every(store: RunStore) -> list:
    out, cursor = [], None
    while True:
        page = store.page(Scope.shared(), cursor=cursor, limit=200)
        out += page.runs
        if page.next_cursor is None:
            return out
        cursor = page.next_cursor
