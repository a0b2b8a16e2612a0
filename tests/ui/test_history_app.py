"""The history through the app: real runs from every tab (gradio_client -> app -> engine) land
in it with their files, the same run again in a tab is answered from it, and the database is
never served to a browser."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from gradio_client import Client, handle_file

from playground.history import RunStore, Scope

from .conftest import RunningApp
from .helpers import call

pytestmark = pytest.mark.models


def _records(app: RunningApp) -> dict[str, object]:
    """Every recorded run by prediction id (each gradio_client session is its own owner)."""
    store = RunStore(app.data_dir)
    try:
        runs = store.page(Scope.shared(), limit=200).runs
    finally:
        store.close()
    return {r.prediction_id: r for r in runs if r.prediction_id}


def _prediction_id(details: str) -> str:
    return details  # the details do not carry it: matched through the record's model below


def test_runs_from_every_tab_land_in_the_history_with_their_files(
        client: Client, app: RunningApp, media: dict[str, Path]) -> None:
    before = set(_records(app))
    calls = [
        ("/upscale", handle_file(media["small"]), 2, False, "real-esrgan-4x", "full"),
        ("/background", handle_file(media["small"]), "rembg"),
        ("/faces", handle_file(media["small"]), "v1.4", 2, "gfpgan"),
        ("/transcribe", handle_file(media["speech"]), "auto", "plain text", False, "whisper"),
        ("/chat", "Name a color.", "You are brief.", 16, 0, 0.9, "llama-3.1-405b-precise"),
    ]
    for api, *args in calls:
        out = call(client, api, *args)
        assert out.error is None, (api, out.error)
    new = [r for pid, r in _records(app).items() if pid not in before]
    by_tab = {r.tab: r for r in new}  # type: ignore[attr-defined]
    assert set(by_tab) == {"upscale", "background", "faces", "transcribe", "chat"}
    outputs = app.data_dir / "outputs"
    for tab, record in by_tab.items():
        assert record.status == "succeeded", tab  # type: ignore[attr-defined]
        names = record.output_files()  # type: ignore[attr-defined]
        assert names or tab == "chat", tab
        assert all((outputs / n).is_file() for n in names), tab
        if tab in ("upscale", "background", "faces", "transcribe"):
            kept = record.input_files()  # type: ignore[attr-defined]
            assert kept and all((outputs / n).is_file() for n in kept.values()), tab
    assert "paris" in by_tab["transcribe"].snippet.lower()  # type: ignore[attr-defined]
    assert by_tab["chat"].snippet == "Name a color."  # type: ignore[attr-defined]
    owners = {r.owner for r in new}  # type: ignore[attr-defined]
    assert len(owners) == 1  # one browser session, one owner
    assert not owners.pop().startswith("unclaimed-")  # each tab passed its caller on


def test_a_comparison_lands_in_the_history_one_run_per_entry(
        client: Client, app: RunningApp, media: dict[str, Path]) -> None:
    before = set(_records(app))
    out = call(client, "/compare", "image-to-image", "local/rembg", "local/real-esrgan", None,
               None, '{"model": "u2netp"}', '{"scale": 2}', "", "", "",
               handle_file(media["small"]), None, 1, "")
    assert out.error is None, out.error
    new = [r for pid, r in _records(app).items() if pid not in before]
    assert sorted(r.model for r in new) == ["local/real-esrgan", "local/rembg"]  # type: ignore[attr-defined]
    # both for this browser (the event's caller, passed to each run), not kept for nobody
    owners = {r.owner for r in new}  # type: ignore[attr-defined]
    assert len(owners) == 1 and not owners.pop().startswith("unclaimed-")
    outputs = app.data_dir / "outputs"
    for record in new:
        assert record.tab == "compare" and record.status == "succeeded"  # type: ignore[attr-defined]
        assert record.output_files() and record.input_files()  # type: ignore[attr-defined]
        assert all((outputs / n).is_file() for n in [  # type: ignore[attr-defined]
            *record.output_files(), *record.input_files().values()])  # type: ignore[attr-defined]


def test_the_same_upscale_again_is_answered_from_the_history(
        client: Client, media: dict[str, Path]) -> None:
    first = call(client, "/upscale", handle_file(media["small"]),
                 3, False, "real-esrgan-4x", "full")
    again = call(client, "/upscale", handle_file(media["small"]),
                 3, False, "real-esrgan-4x", "full")
    assert first.error is None and again.error is None
    *_, status, details, _logs = again.final
    assert "From history" in status and "not run again" in status
    assert "no request to the backend" in details
    assert Path(first.final[0][1]).read_bytes() == Path(again.final[0][1]).read_bytes()
    other = Client(client.src, verbose=False)  # another browser: never answered with mine
    theirs = call(other, "/upscale", handle_file(media["small"]),
                  3, False, "real-esrgan-4x", "full")
    assert theirs.error is None and "From history" not in theirs.final[2]


@pytest.mark.parametrize("name", ["history.sqlite3", "history.sqlite3-wal",
                                  "votes.sqlite3", "votes.sqlite3-wal",
                                  "ui-browser-secret", "private/browser-keys"])
def test_the_database_and_secrets_are_never_served(app: RunningApp, name: str) -> None:
    path = app.data_dir / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"")  # the WAL comes and goes: its path must be refused anyway
    for url in (f"{app.url}gradio_api/file={path}", f"{app.url}file={path}"):
        response = httpx.get(url, timeout=10)
        assert response.status_code in (403, 404), (url, response.status_code)
        assert b"SQLite format" not in response.content
