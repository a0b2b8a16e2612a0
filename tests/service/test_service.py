"""The service end to end against the local engine, with small weightless test models."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PIL import Image
from schema_checks import render_transcript
from svc_helpers import image_bytes, noisy_photo, wav_bytes
from svc_models import ESRGAN, fake_models, fake_presets

from playground.engine.server import EngineThread
from playground.files import UnsupportedFile
from playground.presets import Preset
from playground.replicate import errors
from playground.results import RunResult, RunUpdate, parse_progress
from playground.service import Backend, Service
from playground.service import errors as service_errors
from playground.tasks import TABLE, TaskRow


@pytest.fixture
def engine(tmp_path: Path):
    thread = EngineThread(fake_models(), tmp_path / "engine").start()
    yield thread
    thread.stop()


@pytest.fixture
async def service(engine, tmp_path: Path) -> AsyncIterator[Service]:
    svc = Service(engine.url, data_dir=tmp_path / "data", presets=fake_presets())
    assert svc.backend == "local"
    yield svc
    await svc.aclose()


async def test_upscale_makes_a_local_file_of_the_right_size(service: Service,
                                                            tmp_path: Path) -> None:
    updates: list[RunUpdate] = []
    result = await service.upscale(image_bytes("PNG", (64, 48)), steps=5, delay=0.3,
                                   on_update=updates.append)
    assert result.ok, result.error
    assert result.model == "local/fake-upscale"
    [path] = result.files
    assert path.parent == tmp_path / "data" / "outputs" and path.suffix == ".png"
    with Image.open(path) as im:
        assert im.size == (128, 96)  # the local default scale is 2
    assert result.local_output == path
    assert result.input["scale"] == 2 and result.input["steps"] == 5
    assert result.input["image"].startswith("data:image/png;base64,iVBO…(")
    assert result.upload_notes == [f"upload: data URI, 64x48 {len(image_bytes('PNG', (64, 48)))} B"]
    assert parse_progress(result.logs) == 1.0
    assert updates and updates[0].prediction_id == result.prediction_id
    fractions = [u.progress for u in updates if u.progress is not None]
    assert fractions and fractions == sorted(fractions)
    summary = result.summary()
    assert summary.startswith("succeeded in ") and "(predict " in summary
    assert summary.endswith(" · local/fake-upscale")


async def test_run_task_runs_any_file_task_of_its_table(engine, tmp_path: Path) -> None:
    """A task added to the table (and its preset) runs with no method of its own."""
    table = TABLE.with_task(TaskRow("enlarge", "enlarge", "Enlarge", "tests.enlarge_tab",
                                    compare="image-to-image", file_kind="image"))
    big = Preset.model_validate({"id": "big", "title": "Big", "task": "enlarge", "model": ESRGAN,
                                 "local_model": "local/fake-upscale", "file_input": "image",
                                 "local_defaults": {"scale": 3}}, context={"tasks": table})
    svc = Service(engine.url, data_dir=tmp_path / "data", presets={**fake_presets(), "big": big},
                  tasks=table)
    try:
        result = await svc.run_task("enlarge", image_bytes("PNG", (20, 10)), steps=1)
        assert result.ok, result.error
        with Image.open(result.files[0]) as im:
            assert im.size == (60, 30)  # the preset's local scale
        same = await svc.run_task("upscale", image_bytes("PNG", (20, 10)), scale=1, steps=1)
        assert same.ok and same.model == "local/fake-upscale"
        with pytest.raises(ValueError, match="'chat' takes no file"):
            await svc.run_task("chat", None)
        with pytest.raises(KeyError, match="no task 'video'"):
            await svc.run_task("video", image_bytes("PNG", (20, 10)))
    finally:
        await svc.aclose()


async def test_large_upload_goes_through_the_files_api(service: Service, engine) -> None:
    big = noisy_photo((800, 600))
    assert len(big) > 256_000
    result = await service.run_model("local/fake-upscale", {"image": big, "scale": 0.5})
    assert result.ok, result.error
    assert result.input["image"].startswith(f"{engine.url}/v1/files/")
    assert result.upload_notes[0].startswith("upload: Files API, JPEG ")
    assert service.uploader.files_api is True
    with Image.open(result.files[0]) as im:
        assert im.size == (400, 300)


async def test_task_shrinks_large_images(service: Service) -> None:
    result = await service.upscale(noisy_photo((800, 600)), scale=1)
    assert result.ok, result.error
    assert result.upload_notes[0].startswith("upload.jpg: data URI, 800x600 ")
    assert " -> 256x192 " in result.upload_notes[0]  # the preset's local_max_image_side
    with Image.open(result.files[0]) as im:
        assert im.size == (256, 192)


async def test_transcribe_saves_nested_outputs(service: Service) -> None:
    audio = wav_bytes(0.2)
    result = await service.transcribe(audio, name_ignored=None)
    assert result.ok, result.error
    assert result.text == f"heard {len(audio)} bytes"
    txt = result.local_output["txt_file"]
    assert isinstance(txt, Path) and txt.suffix == ".txt"
    assert txt.read_text() == f"heard {len(audio)} bytes\n"
    assert result.files == [txt]
    assert result.local_output["segments"][0]["text"] == "heard"
    assert "model" not in result.input  # local_omit


async def _chat(service: Service, *args, **kwargs) -> tuple[list[RunUpdate], RunResult]:
    updates: list[RunUpdate] = []
    result = await service.chat(*args, on_update=updates.append, **kwargs)
    return [u for u in updates if u.delta], result


async def test_chat_streams_and_renders_history(service: Service) -> None:
    preset = fake_presets()["talk"]
    history = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]
    partials, result = await _chat(service, "And now?", history, temperature=0.1)
    assert len(partials) > 3
    texts = [u.text for u in partials]
    assert all(b.startswith(a) and b != a for a, b in zip(texts, texts[1:], strict=False))
    assert all(b.text == a.text + b.delta for a, b in zip(partials, partials[1:], strict=False))
    settings = preset.chat_for("local")
    expected = render_transcript(settings.format, "Be kind.",
                                 [("user", "Hi"), ("assistant", "Hello!")], "And now?",
                                 settings.prompt_template)
    assert partials[-1].text == expected
    assert "<|im_start|>assistant\nHello!<|im_end|>\n<|im_start|>user\nAnd now?" in expected
    assert result.ok
    assert result.text == expected
    assert result.input["temperature"] == 0.1
    assert result.prediction_id == partials[0].prediction_id


async def test_custom_backend_uses_the_pinned_ref_and_its_format(engine, tmp_path: Path) -> None:
    presets = fake_presets()
    svc = Service(engine.url, data_dir=tmp_path, presets=presets, backend="custom")
    # the pinned meta/ model does not exist here: the API's error propagates, typed
    with pytest.raises(errors.NotFound):
        await svc.chat("Hi", [])
    # a preset pinned to a model this server has: rendered for Llama 3, no prompt_template
    llama = presets["talk"].model_copy(update={"model": "local/fake-chat"})
    result = await svc.chat("Why?", [("Hi", "Hello!")], preset=llama,
                            system_prompt="Short answers.")
    assert result.text == (
        "[Short answers.] Hi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"
        "Hello!<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nWhy?")
    assert "prompt_template" not in result.input
    await svc.aclose()


async def test_chat_failure_comes_back_as_a_failed_result(service: Service) -> None:
    partials, result = await _chat(service, "x y z w", [("a", "b")], fail=True)
    assert result.status == "failed" and not result.ok
    assert "broke down" in (result.error or "")
    assert partials and result.text == partials[-1].text  # what it wrote before failing


async def test_empty_message_and_unknown_preset_are_refused(service: Service) -> None:
    with pytest.raises(service_errors.MissingInput):
        await service.chat("  \n", [])
    with pytest.raises(service_errors.UnknownPreset) as caught:
        await service.chat("Hi", [], preset="nope")
    assert caught.value.known == ["talk"] and "known: talk" in str(caught.value)


async def test_canceling_the_chat_cancels_the_prediction(service: Service) -> None:
    long = " ".join(["word"] * 400)
    first: asyncio.Future[RunUpdate] = asyncio.get_running_loop().create_future()

    def heard(update: RunUpdate) -> None:
        if update.delta and not first.done():
            first.set_result(update)

    task = asyncio.ensure_future(service.chat(long, [], on_update=heard))
    update = await asyncio.wait_for(first, 20)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    final = await service.client.predictions.wait(update.prediction_id, timeout=20)
    assert final.status == "canceled"


async def test_failed_prediction_keeps_logs(service: Service) -> None:
    result = await service.restore_faces(image_bytes("JPEG"))
    assert result.status == "failed"
    assert "no face found" in (result.error or "")
    assert "looking for faces" in result.logs
    assert result.files == []
    assert result.summary().startswith("failed after ")


async def test_cancel_while_running(service: Service) -> None:
    async def stop(update: RunUpdate) -> None:
        if update.status in ("starting", "processing"):
            await service.cancel(update.prediction_id)

    result = await service.upscale(image_bytes("PNG"), steps=50, delay=0.2, on_update=stop)
    assert result.status == "canceled"


async def test_errors_propagate_typed(service: Service, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not a picture")
    with pytest.raises(UnsupportedFile, match="^notes.txt is not an image"):
        await service.upscale(notes)
    with pytest.raises(errors.InvalidInput):
        await service.upscale(image_bytes("PNG"), scale=99)
    with pytest.raises(errors.NotFound):
        await service.run_model("local/nothing-here", {})
    with pytest.raises(service_errors.UnknownPreset, match="no upscale preset 'nope'"):
        await service.upscale(image_bytes("PNG"), preset="nope")


async def test_pil_and_path_inputs(service: Service, tmp_path: Path) -> None:
    path = tmp_path / "in.png"
    path.write_bytes(image_bytes("PNG", (10, 10)))
    result = await service.upscale(str(path), scale=3)
    with Image.open(result.files[0]) as im:
        assert im.size == (30, 30)
    pil = Image.open(io.BytesIO(image_bytes("PNG", (8, 4))))
    result = await service.run_model("local/fake-upscale", {"image": pil, "scale": 1})
    assert result.ok and result.upload_notes[0].startswith("image.png: data URI, 8x4")


def test_backend_from_url() -> None:
    assert Backend.for_url("https://api.replicate.com").kind == "replicate"
    assert Backend.for_url("http://127.0.0.1:8008").kind == "local"
    assert Backend.for_url("https://replicate-proxy.example.com").kind == "custom"


def test_service_never_reads_the_env_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPLICATE_API_TOKEN", "r8_from_env")
    svc = Service("http://127.0.0.1:1")
    assert not svc.client.has_token and not svc.has_token
    assert "r8_" not in repr(svc) and "r8_" not in repr(svc.client)
