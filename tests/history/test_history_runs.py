"""RunHistory: the store as the tabs see it, scoped by whatever owner id a browser sends."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from hist_helpers import OWNER_A, OWNER_B, finished, png, saved

from playground.history import InputFile, RunStore
from playground.history.runs import RunHistory, new_owner_id


@pytest.fixture
def history(store: RunStore) -> RunHistory:
    return RunHistory(store)


@pytest.mark.parametrize("owner", [None, "", "short", 42, {"id": OWNER_A}, "../" * 10])
def test_a_browser_without_a_valid_id_sees_nothing(history: RunHistory, owner: object) -> None:
    record = history.store.record(finished(), OWNER_A)
    assert history.page(owner).runs == []
    assert history.count(owner) == 0
    assert history.get(owner, record.id) is None
    assert history.delete(owner, record.id).runs == 0
    assert history.choices(owner, "model") == []


def test_new_owner_ids_are_valid_and_distinct() -> None:
    ids = {new_owner_id() for _ in range(100)}
    assert len(ids) == 100
    assert all(RunHistory.scope(RunHistory(None), i) is not None for i in ids)  # type: ignore[arg-type]


def test_shared_history_reaches_every_run(store: RunStore) -> None:
    shared = RunHistory(store, shared=True)
    record = store.record(finished(), OWNER_B)
    assert shared.get(OWNER_A, record.id) == record
    assert shared.get(None, record.id) == record


def test_last_run_of_a_tab(history: RunHistory) -> None:
    store = history.store
    older = store.record(finished(tab="upscale", started_at=100.0), OWNER_A)
    store.record(finished(tab="image", started_at=200.0), OWNER_A)
    store.record(finished(tab="upscale", started_at=300.0), OWNER_B)
    assert history.last(OWNER_A, "upscale") == older
    assert history.last(OWNER_A, "chat") is None


def test_bundle_has_the_record_and_every_file(history: RunHistory, outputs: Path,
                                              tmp_path: Path) -> None:
    out = saved(outputs, png((4, 4, 4)), "abababababababab.png")
    image = png((9, 8, 7))
    record = history.store.record(finished(task="upscale", output=[out],
                                           inputs={"image": InputFile(image), "scale": 2}),
                                  OWNER_A)
    path = history.bundle(OWNER_A, record.id, tmp_path)
    assert path is not None and path.parent == tmp_path
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        assert names == {"run.json", f"outputs/{out.name}",
                         f"inputs/{record.input_files()['image']}"}
        assert json.loads(archive.read("run.json"))["id"] == record.id
        assert archive.read(f"outputs/{out.name}") == out.read_bytes()
    assert history.bundle(OWNER_B, record.id, tmp_path) is None  # not theirs


def test_input_values_give_paths_back(history: RunHistory) -> None:
    image = png((1, 2, 3))
    record = history.store.record(finished(inputs={"image": InputFile(image), "scale": 2}),
                                  OWNER_A)
    values = history.input_values(record)
    assert isinstance(values["image"], Path) and values["image"].read_bytes() == image
    assert values["scale"] == 2


def test_usage_line_reports_the_cap_and_pruning(data_dir: Path) -> None:
    store = RunStore(data_dir, max_bytes=1500)
    store.files.folder.mkdir(parents=True)
    history = RunHistory(store)
    try:
        for i in range(3):
            store.record(finished(output=[saved(store.files.folder, bytes([i]) * 1000,
                                                f"{i}" * 16 + ".bin")]), OWNER_A)
        line = history.usage_line()
        assert line.startswith("1.0 kB of 1.5 kB kept")
        assert "the oldest 2 runs were pruned" in line and "(2.0 kB freed)" in line
    finally:
        store.close()
