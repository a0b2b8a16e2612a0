"""Recording runs: every field kept, files by reference, reopened after a restart."""

from __future__ import annotations

import base64
import sqlite3
from pathlib import Path

from hist_helpers import OWNER_A, finished, png, saved

from playground.history import FinishedRun, InputFile, RunStore, Scope
from playground.history.record import FILE_KEY, resolve_files

A = Scope.of(OWNER_A)


def test_a_run_keeps_every_field(store: RunStore, outputs: Path) -> None:
    out = saved(outputs, png((1, 2, 3)), "abcdef0123456789.png")
    run = finished(output=[out], prediction_id="p123", logs="step 1\nstep 2", error=None,
                   metrics={"predict_time": 1.25, "client_time": 2.5}, cost_usd=0.0012,
                   tab="compare", started_at=1_700_000_000.5)
    record = store.record(run, OWNER_A)
    again = store.get(record.id, A)
    assert again == record
    assert (record.task, record.tab, record.model, record.version) == (
        "image", "compare", "stability-ai/sdxl", "v1")
    assert (record.backend_kind, record.backend_url) == ("local", "http://127.0.0.1:8008")
    assert (record.prediction_id, record.status, record.logs) == ("p123", "succeeded",
                                                                  "step 1\nstep 2")
    assert record.metrics == {"predict_time": 1.25, "client_time": 2.5}
    assert record.cost_usd == 0.0012
    assert record.started_at == 1_700_000_000.5
    assert record.finished_at >= record.started_at
    assert record.owner == OWNER_A
    assert record.inputs == {"prompt": "a red fox in the snow", "seed": 7}
    assert record.output == [{FILE_KEY: out.name}]
    assert record.output_files() == [out.name]
    assert resolve_files(record.output, outputs) == [out]
    assert record.snippet == "a red fox in the snow"


def test_output_files_are_referenced_not_copied(store: RunStore, outputs: Path) -> None:
    out = saved(outputs, png(), "1111222233334444.png")
    store.record(finished(output={"image": out, "note": "done"}), OWNER_A)
    assert sorted(p.name for p in outputs.iterdir()) == [out.name]
    assert store.usage() == out.stat().st_size


def test_an_output_outside_the_folder_is_copied_in(store: RunStore, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.png"
    elsewhere.write_bytes(png((9, 9, 9)))
    record = store.record(finished(output=[elsewhere]), OWNER_A)
    name = record.output_files()[0]
    assert name != elsewhere.name and (store.files.folder / name).read_bytes() == \
        elsewhere.read_bytes()


def test_input_files_are_saved_by_content_never_inlined(store: RunStore, data_dir: Path) -> None:
    image = png((5, 6, 7), size=64)
    uri = "data:image/png;base64," + base64.b64encode(image).decode()
    record = store.record(finished(task="upscale", tab="upscale",
                                   inputs={"image": uri, "scale": 2}), OWNER_A)
    name = record.input_files()["image"]
    assert record.inputs == {"image": {FILE_KEY: name}, "scale": 2}
    assert (store.files.folder / name).read_bytes() == image
    assert name.endswith(".png")
    # the same bytes given as an InputFile are the same file: stored once
    second = store.record(finished(task="upscale", inputs={"image": InputFile(image, "a.png")}),
                          OWNER_A)
    assert second.input_files()["image"] == name
    assert len(list(store.files.folder.iterdir())) == 1
    raw = b"".join(p.read_bytes() for p in data_dir.glob("history.sqlite3*"))
    assert b"data:image" not in raw and base64.b64encode(image)[:40] not in raw


def test_history_survives_a_restart(data_dir: Path) -> None:
    first = RunStore(data_dir)
    record = first.record(finished(), OWNER_A)
    first.close()
    second = RunStore(data_dir)
    try:
        assert second.get(record.id, A) == record
        assert [r.id for r in second.page(A).runs] == [record.id]
    finally:
        second.close()


def test_failed_and_canceled_runs_are_kept_with_their_error(store: RunStore) -> None:
    failed = store.record(finished(status="failed", error="CUDA out of memory",
                                   logs="loading\nboom"), OWNER_A)
    assert store.get(failed.id, A).error == "CUDA out of memory"  # type: ignore[union-attr]
    assert failed.cache_key is None  # a failure is never served again


def test_hostile_values_are_stored_as_plain_data(store: RunStore) -> None:
    deep: object = "bottom"
    for _ in range(100_000):
        deep = [deep]
    run = finished(inputs={"prompt": "lone \ud800 surrogate and NUL \x00 here",
                           "guidance": float("nan"), "deep": deep, "scale": float("inf"),
                           "weird": object()},
                   logs="bad \udfff", metrics={"predict_time": float("nan"), "ok": 1.0,
                                                "flag": True, "text": "x"})
    record = store.record(run, OWNER_A)
    assert "\x00" not in record.inputs["prompt"] and "\ud800" not in record.inputs["prompt"]
    assert record.inputs["guidance"] is None and record.inputs["scale"] is None
    assert record.metrics == {"ok": 1.0}
    depth, value = 0, record.inputs["deep"]
    while isinstance(value, list):
        depth, value = depth + 1, value[0]
    assert depth <= 33 and "too deep" in value


def test_an_unreachable_file_is_named_not_fatal(store: RunStore, tmp_path: Path) -> None:
    record = store.record(finished(output=[tmp_path / "gone.png"]), OWNER_A)
    assert record.output == ["[missing file gone.png]"] and record.files == ()


def test_the_database_sits_beside_the_outputs_not_in_them(store: RunStore) -> None:
    assert store.path.parent == store.files.folder.parent
    assert store.files.folder not in store.path.parents


def test_wal_mode_and_schema_version(store: RunStore) -> None:
    conn = sqlite3.connect(store.path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 3
    finally:
        conn.close()


def test_snippets_for_text_outputs(store: RunStore) -> None:
    chat = store.record(FinishedRun(
        task="chat", tab="chat", model="local/smollm2", version=None, backend_kind="local",
        backend_url="http://127.0.0.1:8008", status="succeeded",
        inputs={"message": "What is a haiku?", "prompt": "<|im_start|>user..."},
        output=["A haiku ", "is a short ", "poem."]), OWNER_A)
    assert chat.snippet == "What is a haiku?"
    whisper = store.record(finished(task="transcribe", inputs={"audio": InputFile(b"RIFF")},
                                    output={"transcription": "  hello   there  "}), OWNER_A)
    assert whisper.snippet == "hello there"
