"""The service and the history on the local engine's real models: every task recorded with its
files, an identical run answered with no request at all (counted on the engine), a re-run byte
for byte, and the history still there after a restart."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from playground.engine.models import registry
from playground.engine.server import EngineThread
from playground.history import Filters, RunStore, Scope
from playground.results import RunUpdate
from playground.service import Caller, RunHistory, Service

pytestmark = pytest.mark.models
ME = "service-history-owner-01"
OTHER = "service-history-other-01"


class Counting:
    """ASGI middleware: every HTTP request the engine receives, counted."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.requests: list[str] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.requests.append(f"{scope['method']} {scope['path']}")
        await self.app(scope, receive, send)


@pytest.fixture(scope="module")
def counted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[EngineThread, Counting]]:
    engine = EngineThread(registry(), tmp_path_factory.mktemp("engine"))
    counter: list[Counting] = []

    def wrap(app: Any) -> Counting:
        counter.append(Counting(app))
        return counter[0]

    engine.app.add_middleware(wrap)  # type: ignore[arg-type]
    engine.start()
    yield engine, counter[0] if counter else Counting(None)
    engine.stop()


@pytest.fixture
async def service(counted: tuple[EngineThread, Counting],
                  tmp_path: Path) -> AsyncIterator[Service]:
    engine, _ = counted
    store = RunStore(tmp_path / "data")
    svc = Service(engine.url, data_dir=tmp_path / "data", backend="local",
                  history=RunHistory(store))
    yield svc
    await svc.aclose()
    store.close()


@pytest.fixture(scope="module")
def small_png(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from skimage import data as skdata

    path = tmp_path_factory.mktemp("media") / "small.png"
    Image.fromarray(skdata.astronaut()).resize((64, 64)).save(path)
    return path


@pytest.fixture(scope="module")
def speech(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("speech") / "speech.wav"
    subprocess.run(["espeak-ng", "-w", str(path), "The capital of France is Paris."],
                   check=True, capture_output=True)
    return path


def _requests(counted: tuple[EngineThread, Counting]) -> list[str]:
    return counted[1].requests


async def test_every_task_lands_in_the_history_with_its_files(
        service: Service, small_png: Path, speech: Path) -> None:
    assert service.history is not None
    up = await service.upscale(str(small_png), scale=2, caller=Caller(ME, "upscale"))
    bg = await service.remove_background(str(small_png), caller=Caller(ME, "background"))
    faces = await service.restore_faces(str(small_png), caller=Caller(ME, "faces"))
    said = await service.transcribe(str(speech), caller=Caller(ME, "transcribe"))
    chat = await service.chat("Say hello.", [], max_tokens=8, temperature=0,
                              caller=Caller(ME, "chat"))
    any_model = await service.run_model("local/real-esrgan", {"image": small_png, "scale": 3},
                                        caller=Caller(ME, "compare"))
    results = [up, bg, faces, said, chat, any_model]
    assert all(r.ok for r in results), [r.error for r in results]
    page = service.history.page(ME, limit=50).runs
    assert [r.tab for r in page] == ["compare", "chat", "transcribe", "faces", "background",
                                     "upscale"]
    assert [r.task for r in page] == ["model", "chat", "transcribe", "faces", "rembg",
                                      "upscale"]
    folder = service.output_dir
    for record, result in zip(page, reversed(results), strict=True):
        assert record.status == "succeeded" and record.prediction_id == result.prediction_id
        assert record.owner == ME and record.backend_kind == "local"
        assert record.backend_url == service.base_url
        for name in record.output_files():
            assert (folder / name).is_file()
        assert {folder / n for n in record.output_files()} == set(result.files)
        raw = str(record.inputs)
        assert "data:" not in raw and "base64" not in raw  # files by reference only
    # the upload is kept as the bytes sent, under its content hash
    upscale = page[-1]
    assert (folder / upscale.input_files()["image"]).is_file()
    assert page[1].snippet == "Say hello."  # the message, not the rendered prompt
    assert "paris" in page[2].snippet.lower()
    assert service.history.count(ME, Filters(text="paris")) == 1
    assert service.history.page(OTHER).runs == []


async def test_an_identical_run_makes_no_request_at_all(
        service: Service, counted: tuple[EngineThread, Counting], small_png: Path) -> None:
    first = await service.upscale(str(small_png), scale=2, caller=Caller(ME, "upscale"))
    before = len(_requests(counted))
    again = await service.upscale(str(small_png), scale=2, caller=Caller(ME, "upscale"))
    during = _requests(counted)[before:]
    assert first.reused is None and again.reused is not None
    assert during == []  # no create, no upload, no poll, no download
    assert again.ok and again.files == first.files
    assert again.files[0].read_bytes() == first.files[0].read_bytes()
    assert again.metrics["client_time"] < 1.0
    assert service.history is not None and service.history.count(ME) == 1  # not recorded twice


async def test_run_anyway_and_run_again_reproduce_byte_for_byte(
        service: Service, counted: tuple[EngineThread, Counting], small_png: Path) -> None:
    first = await service.upscale(str(small_png), scale=2, caller=Caller(ME, "upscale"))
    before = len(_requests(counted))
    anyway = await service.upscale(str(small_png), scale=2,
                                   caller=Caller(ME, "upscale", reuse=False))
    assert anyway.reused is None
    assert any("predictions" in r for r in _requests(counted)[before:])
    assert anyway.files[0].read_bytes() == first.files[0].read_bytes()
    # Run again from the History tab: the stored inputs on the stored model, as they were
    assert service.history is not None
    record = service.history.page(ME).runs[0]
    inputs = service.history.input_values(record)
    rerun = await service.run_model(record.model, inputs,
                                    caller=Caller(ME, "history", reuse=False))
    assert rerun.ok and rerun.reused is None
    assert rerun.files[0].read_bytes() == first.files[0].read_bytes()
    assert service.history.count(ME) == 3


async def test_no_answer_from_history_without_a_fixed_seed(
        service: Service, counted: tuple[EngineThread, Counting]) -> None:
    me = Caller(ME, "chat")
    await service.chat("Count to three.", [], max_tokens=6, caller=me)
    before = len(_requests(counted))
    unseeded = await service.chat("Count to three.", [], max_tokens=6, caller=me)
    assert unseeded.reused is None and len(_requests(counted)) > before
    seeded = await service.chat("Count to three.", [], max_tokens=6, seed=11, caller=me)
    before = len(_requests(counted))
    same = await service.chat("Count to three.", [], max_tokens=6, seed=11, caller=me)
    assert same.reused is not None and _requests(counted)[before:] == []
    assert same.text == seeded.text
    drawn = await service.chat("Count to three.", [], max_tokens=6, seed=11,  # drawn at random
                               caller=Caller(ME, "chat", seed_chosen=False))
    assert drawn.reused is None


async def test_another_browser_is_never_answered_with_my_run(
        service: Service, counted: tuple[EngineThread, Counting], small_png: Path) -> None:
    await service.upscale(str(small_png), scale=2, caller=Caller(ME, "upscale"))
    before = len(_requests(counted))
    theirs = await service.upscale(str(small_png), scale=2, caller=Caller(OTHER, "upscale"))
    assert theirs.reused is None and len(_requests(counted)) > before


async def test_a_stopped_run_is_kept_as_canceled_with_the_text_shown(service: Service) -> None:
    shown: list[str] = [""]

    def seen(update: RunUpdate) -> None:
        if update.text:
            shown[0] = update.text

    task = asyncio.ensure_future(service.chat("Write a very long story.", [], max_tokens=400,
                                              on_update=seen, caller=Caller(ME, "chat")))
    while len(shown[0]) < 100 and not task.done():
        await asyncio.sleep(0.1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert service.history is not None
    last = service.history.last(ME, "chat")
    assert last is not None and last.status == "canceled"
    assert "Interrupted" in (last.error or "") and last.snippet == "Write a very long story."
    # what the user was shown when they pressed Stop, every character of it
    assert len(shown[0]) >= 100 and last.output == [shown[0]]


async def test_the_history_survives_a_restart(counted: tuple[EngineThread, Counting],
                                              tmp_path: Path, small_png: Path) -> None:
    engine, _ = counted
    data = tmp_path / "data"
    store = RunStore(data)
    first = Service(engine.url, data_dir=data, backend="local", history=RunHistory(store))
    result = await first.upscale(str(small_png), scale=2, caller=Caller(ME, "upscale"))
    await first.aclose()
    store.close()
    store = RunStore(data)
    try:
        again = Service(engine.url, data_dir=data, backend="local", history=RunHistory(store))
        runs = store.page(Scope.of(ME)).runs
        assert len(runs) == 1 and runs[0].prediction_id == result.prediction_id
        answered = await again.upscale(str(small_png), scale=2, caller=Caller(ME, "upscale"))
        assert answered.reused is not None and answered.reused.run_id == runs[0].id
        await again.aclose()
    finally:
        store.close()
