"""The service end to end against the local engine, with small weightless test models."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PIL import Image
from svc_helpers import image_bytes, noisy_photo, wav_bytes
from svc_models import fake_models, fake_presets

from playground.chat_prompt import render_transcript
from playground.engine.server import EngineThread
from playground.files import UnsupportedFile
from playground.replicate import errors
from playground.results import RunUpdate, parse_progress
from playground.service import Service, infer_backend


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


async def test_chat_streams_and_renders_history(service: Service) -> None:
    preset = fake_presets()["talk"]
    history = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]
    updates = [u async for u in service.chat("And now?", history, temperature=0.1)]
    partials, final = updates[:-1], updates[-1]
    assert len(partials) > 3
    assert all(not u.done for u in partials) and final.done
    texts = [u.text_so_far for u in partials]
    assert all(b.startswith(a) and b != a for a, b in zip(texts, texts[1:], strict=False))
    settings = preset.chat_for("local")
    expected = render_transcript(settings.format, "Be kind.",
                                 [("user", "Hi"), ("assistant", "Hello!")], "And now?",
                                 settings.prompt_template)
    assert final.text_so_far == expected
    assert "<|im_start|>assistant\nHello!<|im_end|>\n<|im_start|>user\nAnd now?" in expected
    result = final.result
    assert result is not None and result.ok
    assert result.text == expected
    assert result.input["temperature"] == 0.1
    assert final.prediction_id == result.prediction_id == partials[0].prediction_id


async def test_custom_backend_uses_the_pinned_ref_and_its_format(engine, tmp_path: Path) -> None:
    presets = fake_presets()
    svc = Service(engine.url, data_dir=tmp_path, presets=presets, backend="custom")
    # the pinned meta/ model does not exist here: the API's error propagates, typed
    with pytest.raises(errors.NotFound):
        async for _ in svc.chat("Hi", []):
            pass
    # a preset pinned to a model this server has: rendered for Llama 3, no prompt_template
    llama = presets["talk"].model_copy(update={"model": "local/fake-chat"})
    updates = [u async for u in svc.chat("Why?", [("Hi", "Hello!")], preset=llama,
                                         system_prompt="Short answers.")]
    assert updates[-1].text_so_far == (
        "[Short answers.] Hi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"
        "Hello!<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nWhy?")
    assert "prompt_template" not in updates[-1].result.input
    await svc.aclose()


async def test_chat_failure_comes_back_as_a_failed_result(service: Service) -> None:
    updates = [u async for u in service.chat("x y z w", [("a", "b")], fail=True)]
    final = updates[-1]
    assert final.done and final.result is not None
    assert final.result.status == "failed"
    assert "broke down" in (final.result.error or "")
    with pytest.raises(errors.PredictionFailed):
        final.result.raise_for_status()


async def test_closing_the_chat_cancels_the_prediction(service: Service) -> None:
    long = " ".join(["word"] * 400)
    stream = service.chat(long, [])
    first = await stream.__anext__()
    assert first.prediction_id
    await stream.aclose()
    final = await service.client.predictions.wait(first.prediction_id, timeout=20)
    assert final.status == "canceled"


async def test_failed_prediction_keeps_logs(service: Service) -> None:
    result = await service.restore_faces(image_bytes("JPEG"))
    assert result.status == "failed"
    assert "no face found" in (result.error or "")
    assert "looking for faces" in result.logs
    assert result.files == []
    assert result.summary().startswith("failed after ")
    with pytest.raises(errors.PredictionFailed, match="no face found"):
        result.raise_for_status()


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
    with pytest.raises(KeyError, match="no upscale preset 'nope'"):
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
    assert infer_backend("https://api.replicate.com") == "replicate"
    assert infer_backend("http://127.0.0.1:8008") == "local"
    assert infer_backend("https://replicate-proxy.example.com") == "custom"


def test_service_never_reads_the_env_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPLICATE_API_TOKEN", "r8_from_env")
    svc = Service("http://127.0.0.1:1")
    assert not svc.client.has_token and not svc.has_token
    assert "r8_" not in repr(svc) and "r8_" not in repr(svc.client)
