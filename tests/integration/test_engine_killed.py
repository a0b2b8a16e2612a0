"""The engine (`playground engine`, a real process) killed with SIGKILL mid-run while the
service lives on: the run is in the history as interrupted with the error said plainly, never as
canceled (nobody canceled it), and a streamed answer keeps every character the user was shown."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from PIL import Image

from playground.history import RunStore, Scope
from playground.replicate import errors
from playground.results import RunUpdate
from playground.service import Caller, RunHistory, Service

from .processes import Playground

pytestmark = [pytest.mark.models, pytest.mark.timeout(240)]

ME = "engine-killed-owner-0001"
STORY = "Write a very long story about a dragon who learns to cook, with many chapters."


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Playground]:
    proc = Playground(["engine"], tmp_path / "engine-data", tmp_path / "engine.log",
                      ready="/v1/models")
    yield proc
    proc.kill()


@pytest.fixture
async def service(engine: Playground, tmp_path: Path) -> AsyncIterator[Service]:
    store = RunStore(tmp_path / "data")
    svc = Service(engine.url, data_dir=tmp_path / "data", backend="local",
                  history=RunHistory(store))
    yield svc
    await svc.aclose()
    store.close()


async def _until(check: object, what: str) -> None:
    """Poll (without blocking the loop) until `check()`; the bound only stops a hang."""
    for _ in range(1500):
        if check():  # type: ignore[operator]
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"never: {what}")


async def test_a_streamed_answer_cut_by_an_engine_crash(engine: Playground,
                                                        service: Service) -> None:
    shown: list[str] = [""]

    def seen(update: RunUpdate) -> None:
        if update.text:
            shown[0] = update.text

    task = asyncio.ensure_future(service.chat(STORY, [], max_tokens=2048, temperature=0,
                                              on_update=seen, caller=Caller(ME, "chat")))
    await _until(lambda: len(shown[0]) > 300 or task.done(), "300 characters streamed")
    engine.kill()
    with pytest.raises(errors.ConnectionFailed):
        await task
    assert service.history is not None
    run = service.history.last(ME, "chat")
    assert run is not None
    assert run.status == "interrupted", run
    assert "connection" in (run.error or "").lower(), run.error
    # Every character the user was shown is kept (the last one arrived before the crash).
    assert "".join(run.output) == shown[0]


async def test_a_polled_run_cut_by_an_engine_crash(engine: Playground, service: Service,
                                                   tmp_path: Path) -> None:
    picture = tmp_path / "noise.png"
    Image.effect_noise((1024, 768), 60).convert("RGB").save(picture)  # seconds of CPU tiles
    statuses: list[str] = []
    task = asyncio.ensure_future(service.upscale(
        str(picture), scale=4, on_update=lambda u: statuses.append(u.status),
        caller=Caller(ME, "upscale")))
    await _until(lambda: "processing" in statuses or task.done(), "processing")
    engine.kill()
    with pytest.raises(errors.ConnectionFailed):
        await task
    assert service.history is not None
    store: RunStore = service.history.store
    [run] = store.page(Scope.of(ME)).runs
    assert run.status == "interrupted", run
    assert "connection" in (run.error or "").lower(), run.error
    assert run.input_files(), "the picture it was given is kept"
