"""Our async client (`playground.replicate`) against the engine with the real models."""

from __future__ import annotations

import base64
import mimetypes
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from playground.replicate import (
    AsyncClient,
    InvalidInput,
    NotFound,
    PredictionCanceled,
    PredictionFailed,
)

from .conftest import SPOKEN
from .helpers import CHAT, LONG_CHAT, png

pytestmark = [pytest.mark.models, pytest.mark.timeout(120)]


def data_uri(path: Path) -> str:
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{kind};base64,{base64.b64encode(path.read_bytes()).decode()}"


def leaf(fields: list[str]) -> set[str]:
    return {f.rsplit(".", 1)[-1] for f in fields}


@pytest.fixture
async def client(engine: Any) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(base_url=engine.url) as c:
        yield c


async def test_run_upscales(client: AsyncClient, media: dict[str, Path]) -> None:
    out = await client.run("local/real-esrgan", {"image": data_uri(media["tiny"]), "scale": 3})
    assert isinstance(out, str) and out.startswith("data:image/png;base64,")
    assert png(base64.b64decode(out.split(",", 1)[1])).size == (120, 96)


async def test_stream_chat_at_temperature_zero_names_paris(client: AsyncClient) -> None:
    stream = client.stream(CHAT, {"prompt": "What is the capital of France?",
                                  "temperature": 0, "max_tokens": 64})
    pieces = [ev.data async for ev in stream if ev.event == "output"]
    assert len(pieces) > 1  # streamed, not one block
    assert "paris" in "".join(pieces).lower()
    assert stream.prediction is not None and stream.prediction.status == "succeeded"
    assert stream.prediction.output_text() == "".join(pieces)


async def test_transcribes_espeak_speech(client: AsyncClient, media: dict[str, Path]) -> None:
    out = await client.run("local/whisper-tiny-en", {"audio": data_uri(media["speech"])})
    text = out["transcription"].lower()
    for word in ("quick", "brown", "fox", "jump", "lazy", "dog"):
        assert word in text, (word, text, SPOKEN)
    assert out["detected_language"] == "english"  # openai/whisper gives the full name
    assert out["segments"] and out["segments"][0]["start"] >= 0


async def test_invalid_input_names_the_field(client: AsyncClient,
                                             media: dict[str, Path]) -> None:
    with pytest.raises(InvalidInput) as info:
        await client.predictions.create(
            "local/real-esrgan", {"image": data_uri(media["tiny"]), "scale": 99})
    # The engine says `input.scale`; Replicate itself says `input` and names it in the text.
    assert info.value.status == 422 and leaf(info.value.fields) == {"scale"}
    assert "scale" in str(info.value)
    with pytest.raises(InvalidInput) as info:
        await client.predictions.create("local/whisper-tiny-en", {"sound": "x"})
    # Missing and unknown fields: `input`, as Replicate says, and the name in the description.
    assert info.value.fields == ["input", "input"]
    text = " ".join(f["description"] for f in info.value.invalid_fields)
    assert "audio is required" in text and "sound" in text and "sound" in str(info.value)


async def test_unknown_model_is_not_found(client: AsyncClient) -> None:
    with pytest.raises(NotFound):
        await client.run("local/no-such-model", {"prompt": "x"})
    with pytest.raises(NotFound):
        await client.models.get("local/no-such-model")


async def test_sd_turbo_fails_with_a_readable_reason(client: AsyncClient) -> None:
    with pytest.raises(PredictionFailed) as info:
        await client.run("local/sd-turbo", {"prompt": "an astronaut riding a horse"})
    error = info.value.prediction.error or ""
    assert "diffusion weights" in error and "stability-ai/sdxl" in error
    assert "Traceback" not in error and "diffusion weights" in str(info.value)
    model = await client.models.get("local/sd-turbo")
    assert "not available offline" in (model.description or "").lower()
    assert (model.model_extra or {})["playground"]["available"] is False


async def test_cancel_mid_stream(client: AsyncClient) -> None:
    stream = client.stream(CHAT, LONG_CHAT)
    pieces: list[str] = []
    # `done` carries {"reason": "canceled"}, so the client raises instead of ending quietly.
    with pytest.raises(PredictionCanceled) as info:
        async for ev in stream:
            if ev.event == "output":
                pieces.append(ev.data)
                if len(pieces) == 5:
                    assert stream.prediction is not None
                    await client.predictions.cancel(stream.prediction.id)
    assert info.value.prediction.status == "canceled"
    assert stream.prediction is not None
    final = await client.predictions.get(stream.prediction.id)
    assert final.status == "canceled"
    assert 5 <= len(final.output or []) < 4000 and final.output_text().startswith("".join(pieces))


@pytest.mark.parametrize(("ref", "field", "kind", "content", "expected"), [
    ("local/whisper-tiny-en", "audio", "audio/wav", b"", "the file is empty"),
    ("local/whisper-tiny-en", "audio", "audio/wav", b"RIFF....not audio",
     "cannot read the input as audio"),
    ("local/rembg", "image", "image/png", b"my notes", "cannot read the input as an image"),
])
async def test_unreadable_files_fail_readably(client: AsyncClient, ref: str, field: str,
                                              kind: str, content: bytes, expected: str) -> None:
    uri = f"data:{kind};base64,{base64.b64encode(content).decode()}"
    with pytest.raises(PredictionFailed) as info:
        await client.run(ref, {field: uri})
    error = info.value.prediction.error or ""
    assert expected in error
    assert "/work/" not in error and "Errno" not in error  # no engine internals
