"""`playground` killed with SIGKILL mid-chat, then started again on the same data folder: the
run is in the History, marked interrupted (never canceled), with the text it had streamed."""

from __future__ import annotations

import contextlib
import signal
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from gradio_client import Client

from playground.history import RunRecord, RunStore, Scope
from playground.history.store import APP_STOPPED

from .helpers import until
from .processes import Playground

pytestmark = [pytest.mark.models, pytest.mark.timeout(240)]

STORY = "Write a very long story about a dragon who learns to cook, with many chapters."


@pytest.fixture
def apps() -> Iterator[list[Playground]]:
    started: list[Playground] = []
    yield started
    for app in started:
        app.kill(signal.SIGTERM)


def _app(data: Path, log: Path) -> Playground:
    return Playground(["--backend", "local", "--tab", "chat", "--tab", "history"], data, log)


def _shown(job: Any) -> str:
    """The longest answer the page had been sent so far."""
    texts = [o[0] for o in job.outputs() if isinstance(o, tuple | list) and o
             and isinstance(o[0], str)]
    return max(texts, key=len, default="")


def _runs(data: Path) -> list[RunRecord]:
    store = RunStore(data)
    try:
        return store.page(Scope.shared()).runs
    finally:
        store.close()


def _raw(data: Path) -> list[tuple[str, str | None]]:
    """Each run's status and runner, read from the database as it is (no RunStore opened)."""
    with contextlib.closing(sqlite3.connect(f"file:{data / 'history.sqlite3'}?mode=ro",
                                            uri=True)) as conn:
        return conn.execute("SELECT status, runner FROM runs").fetchall()


def _saved_text(data: Path) -> str:
    runs = _runs(data)
    out = runs[0].output if runs else None
    return "".join(out) if isinstance(out, list) else ""


def test_a_chat_killed_midway_is_interrupted_with_its_text(tmp_path: Path,
                                                           apps: list[Playground]) -> None:
    data = tmp_path / "data"
    first = _app(data, tmp_path / "first.log")
    apps.append(first)
    client = Client(first.url, verbose=False)
    job = client.submit(STORY, "You are a storyteller.", 2048, 0.0, 0.9, "llama-3.1-405b", None,
                        api_name="/chat")
    # Enough text shown, and some of it already kept (a save a second at most), before the kill.
    assert until(lambda: len(_shown(job)) > 400, timeout=150), _shown(job)
    assert until(lambda: len(_saved_text(data)) > 200, timeout=30), _runs(data)
    shown = _shown(job)
    first.kill()

    # Between the kill and the restart, the database as the killed app left it (read as it is:
    # opening a RunStore would already mark the run interrupted): the run, still "running".
    left = _raw(data)
    assert [status for status, _ in left] == ["processing"] and left[0][1]

    second = _app(data, tmp_path / "second.log")
    apps.append(second)
    assert _raw(data) == [("interrupted", None)]  # by the restarted app itself
    [run] = _runs(data)
    assert run.snippet == STORY and run.model == "local/smollm2-135m-instruct"
    kept = "".join(run.output)
    # What was kept is what the page had shown (throttled saves: at most a second behind).
    assert len(kept) > 200 and (shown.startswith(kept) or kept.startswith(shown)), (kept, shown)
    assert run.error == APP_STOPPED
