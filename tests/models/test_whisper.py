"""local/whisper-tiny-en on faster-whisper: real speech from espeak-ng, openai/whisper output."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest

from playground.engine.models.base import Canceled, EngineModel
from playground.engine.models.whisper import Input, WhisperTinyEn

from .conftest import Ctx

pytestmark = pytest.mark.models

SEEDS = json.loads((Path(__file__).parents[1] / "fixtures" / "seed-model-schemas.json").read_text())
SEED = SEEDS["openai/whisper:8099696689d249cf8b122d833c36ac3f75505c666a395ca40ef26f68e7d3d16e"]
WORDS = ["hello", "world", "weather", "nice", "today", "open", "window"]


@pytest.fixture
def whisper(loaded: Callable[[type[EngineModel]], EngineModel]) -> WhisperTinyEn:
    model = loaded(WhisperTinyEn)
    assert isinstance(model, WhisperTinyEn)
    return model


def words_heard(text: str) -> list[str]:
    said = set(re.findall(r"[a-z]+", text.lower()))
    return [w for w in WORDS if w in said]


def test_transcribes_speech_like_openai_whisper(
    whisper: WhisperTinyEn, speech: Path, ctx: Ctx
) -> None:
    out = whisper.predict(Input(audio=speech), ctx)
    assert len(words_heard(out["transcription"])) >= 5, out["transcription"]
    assert out["detected_language"] == "english"
    assert out["translation"] is None
    seg = out["segments"][0]
    assert seg["id"] == 0 and 0 <= seg["start"] < seg["end"]
    assert {"seek", "text", "tokens", "temperature", "avg_logprob", "no_speech_prob"} <= set(seg)
    assert out["txt_file"].read_text().strip() == out["transcription"]
    assert out["srt_file"].read_text().startswith("1\n00:00:00,000 --> ")
    # The output validates against openai/whisper's output schema once files are URLs.
    as_urls = {k: (f"file://{v}" if isinstance(v, Path) else v) for k, v in out.items()}
    as_urls = {k: v for k, v in as_urls.items() if v is not None}
    jsonschema.validate(as_urls, SEED["output"])
    assert "100%|" in ctx.text  # per-segment progress reached the end


@pytest.mark.parametrize("fmt,start", [("srt", "1\n00:00:00,000 --> "), ("vtt", "WEBVTT\n\n")])
def test_subtitle_formats(
    whisper: WhisperTinyEn, speech: Path, ctx: Ctx, fmt: str, start: str
) -> None:
    out = whisper.predict(Input(audio=speech, transcription=fmt), ctx)
    assert out["transcription"].startswith(start)
    assert len(words_heard(out["transcription"])) >= 5


def test_unsupported_inputs_are_accepted_and_logged(
    whisper: WhisperTinyEn, speech: Path, ctx: Ctx
) -> None:
    inp = Input(audio=speech, model="large-v3", language="fr", translate=True, patience=1.5)
    out = whisper.predict(inp, ctx)
    assert "language=fr is ignored" in ctx.text
    assert out["translation"] and len(words_heard(out["translation"])) >= 5


def test_cancel_before_decoding(whisper: WhisperTinyEn, speech: Path, ctx: Ctx) -> None:
    ctx.cancel_event.set()
    with pytest.raises(Canceled):
        whisper.predict(Input(audio=speech), ctx)


def test_not_audio_fails_clearly(whisper: WhisperTinyEn, tmp_path: Path, ctx: Ctx) -> None:
    bad = tmp_path / "bad.wav"
    bad.write_text("not audio")
    with pytest.raises(Exception):  # noqa: B017  # PyAV's error type varies by container
        whisper.predict(Input(audio=bad), ctx)


def test_an_image_sent_as_audio_fails_plainly(whisper: WhisperTinyEn, tmp_path: Path,
                                              ctx: Ctx) -> None:
    from PIL import Image

    png = tmp_path / "photo.png"
    Image.new("RGB", (16, 16), "red").save(png)
    with pytest.raises(ValueError) as info:
        whisper.predict(Input(audio=png), ctx)
    assert "not audio we can decode" in str(info.value)
    assert str(tmp_path) not in str(info.value)
