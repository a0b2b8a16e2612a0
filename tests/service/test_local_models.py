"""Presets against the local engine's models: schemas always, real runs with `-m models`."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PIL import Image
from schema_checks import check_inputs
from svc_helpers import image_bytes

from playground.engine.models import registry
from playground.engine.schema import input_schema
from playground.engine.server import EngineThread
from playground.presets import load_presets
from playground.service import Service

PRESETS = load_presets()
MODELS = {m.ref: m for m in registry()}


@pytest.mark.parametrize("preset", PRESETS.values(), ids=list(PRESETS))
def test_local_defaults_match_the_engine_schema(preset) -> None:
    model = MODELS.get(preset.local_model or "")
    assert model is not None, f"{preset.id}: no engine model {preset.local_model}"
    schema = input_schema(model)
    sent = preset.inputs_for("local")
    settings = preset.chat_for("local")
    if settings and settings.prompt_template:
        sent["prompt_template"] = settings.prompt_template
    assert check_inputs(sent, schema) == []
    if preset.file_input:
        assert schema["properties"][preset.file_input]["format"] == "uri"
    for w, h in preset.aspect_ratios_for("local").values():
        assert check_inputs({"width": w, "height": h}, schema) == []


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory):
    thread = EngineThread(registry(), tmp_path_factory.mktemp("engine")).start()
    yield thread
    thread.stop()


@pytest.fixture
async def service(engine, tmp_path: Path) -> AsyncIterator[Service]:
    svc = Service(engine.url, data_dir=tmp_path / "data")
    yield svc
    await svc.aclose()


def _need(ref: str) -> None:
    reason = MODELS[ref].availability()
    if reason:
        pytest.skip(reason)


@pytest.mark.models
async def test_chat_with_smollm(service: Service) -> None:
    _need("local/smollm2-135m-instruct")
    pieces: list[str] = []
    final = await service.chat("What is the capital of France?", [], temperature=0,
                               max_tokens=24, on_update=lambda u: pieces.append(u.delta))
    assert len([p for p in pieces if p]) > 3
    assert final.ok and "Paris" in final.text
    # a second turn, with the first in the history
    history = [("What is the capital of France?", final.text)]
    again = await service.chat("Say that again in one word.", history, temperature=0,
                               max_tokens=16)
    assert again.ok and again.text.strip() and not again.notes
    assert "<|im_start|>assistant\n" in again.input["prompt"]


@pytest.mark.models
async def test_a_conversation_too_long_for_4k_is_trimmed_and_answered(service: Service) -> None:
    """SmolLM2 reads 4096 tokens: older turns are left out (and said so), the answer comes."""
    _need("local/smollm2-135m-instruct")
    filler = "The lighthouse keeper counted the waves again. " * 60  # ~2900 characters
    history = [(f"Part {i}: {filler}", f"Noted part {i}.") for i in range(8)]
    result = await service.chat("What is the capital of France?", history, temperature=0,
                                max_tokens=16)
    assert result.ok, result.error
    assert result.notes and "oldest messages" in result.notes[0]
    assert "Part 0:" not in result.input["prompt"] and "Part 7:" in result.input["prompt"]


@pytest.mark.models
async def test_upscale_with_real_esrgan(service: Service) -> None:
    _need("local/real-esrgan")
    result = await service.upscale(image_bytes("PNG", (64, 48)))
    assert result.ok, result.error
    with Image.open(result.files[0]) as im:
        assert im.size == (256, 192)  # the default preset, "Real-ESRGAN 4x", is 4x here too


@pytest.mark.models
async def test_remove_background(service: Service) -> None:
    _need("local/rembg")
    from skimage import data

    result = await service.remove_background(Image.fromarray(data.astronaut()))
    assert result.ok, result.error
    with Image.open(result.files[0]) as im:
        assert im.mode == "RGBA" and im.size == (512, 512)


@pytest.mark.models
async def test_transcribe_speech(service: Service, tmp_path: Path) -> None:
    _need("local/whisper-tiny-en")
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        pytest.skip("espeak-ng is not installed")
    wav = tmp_path / "speech.wav"
    subprocess.run([espeak, "-w", str(wav), "hello world, this is a test"], check=True,
                   timeout=60)
    result = await service.transcribe(wav)
    assert result.ok, result.error
    assert "hello" in result.text.lower()
