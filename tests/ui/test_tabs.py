"""Every tab end to end: gradio_client -> the app -> the service -> the engine's real models."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from gradio_client import Client, handle_file
from PIL import Image

from .conftest import RunningApp
from .helpers import call

pytestmark = pytest.mark.models


def _path(value: object) -> Path:
    if isinstance(value, dict):
        value = value.get("value") or value.get("path")
    assert isinstance(value, str | Path), value
    return Path(value)


def test_upscale_end_to_end(client: Client, media: dict[str, Path]) -> None:
    out = call(client, "/upscale", handle_file(media["small"]), 2, False, "real-esrgan-4x", "full")
    assert out.error is None, out.error
    slider, download, status, details, _logs = out.final
    before, after = (Path(p) for p in slider)
    with Image.open(after) as img:
        assert img.size == (192, 192)
    # The slider's "before" is the 96x96 picture shown at the result's size: one framing.
    assert Image.open(before).size == (192, 192)
    assert _path(download).read_bytes() == after.read_bytes()
    assert "Done" in status and "192×192" in status
    assert "local/real-esrgan" in details and "Predict time" in details
    assert "Upload" in details and "96x96" in details  # the upload note
    statuses = [p[2] for p in out.partials if isinstance(p[2], str)]
    assert any("Sending" in s for s in statuses)
    assert any("Starting" in s or "Processing" in s for s in statuses)


def test_remove_background_keeps_alpha(client: Client, media: dict[str, Path]) -> None:
    out = call(client, "/background", handle_file(media["portrait"]), "rembg")
    assert out.error is None, out.error
    result, slider, download, status, details, _logs = out.final
    png = _path(download)
    with Image.open(png) as img:
        assert img.format == "PNG" and img.mode == "RGBA"
        alpha = img.getchannel("A")
        lo, hi = alpha.getextrema()
        assert lo < 20 and hi > 235  # both cut-away and kept pixels
    assert Path(slider[1]).exists() and Path(result).exists()
    assert "local/rembg" in details and "transparent" in status


def test_restore_faces(client: Client, media: dict[str, Path]) -> None:
    out = call(client, "/faces", handle_file(media["portrait"]), "v1.4", 2, "gfpgan")
    assert out.error is None, out.error
    slider, download, status, details, _logs = out.final
    with Image.open(_path(download)) as img:
        assert img.size == (1024, 1024)
    assert "local/face-enhance" in details and "1024×1024" in status


def test_transcribe_with_subtitle_files(client: Client, media: dict[str, Path]) -> None:
    out = call(client, "/transcribe", handle_file(media["speech"]), "auto", "srt", False,
               "whisper")
    assert out.error is None, out.error
    transcript, segments, files, player, status, details, _logs = out.final
    assert "-->" in transcript and "paris" in transcript.lower()
    rows = segments["data"]
    assert rows and rows[0][0] == "00:00.0" and "paris" in rows[-1][2].lower()
    names = sorted(Path(f).name for f in files)
    assert names == ["transcript.srt", "transcript.txt", "transcript.vtt"]
    by_name = {Path(f).name: Path(f).read_text() for f in files}
    assert by_name["transcript.vtt"].startswith("WEBVTT")
    assert "-->" in by_name["transcript.srt"] and "paris" in by_name["transcript.txt"].lower()
    assert player and "local/whisper-tiny-en" in details and "segment" in status


def test_chat_streams_partials(client: Client) -> None:
    out = call(client, "/chat", "What is the capital of France?",
               "You are a helpful assistant.", 48, 0, 0.9, "llama-3.1-405b-precise")
    assert out.error is None, out.error
    answer, status, details, logs = out.final
    assert "paris" in answer.lower()
    texts = [p[0] for p in out.partials if isinstance(p, tuple | list) and p[0]]
    growing = [t for i, t in enumerate(texts) if i == 0 or t != texts[i - 1]]
    assert len(growing) >= 3, "the answer should arrive in pieces"
    assert all(b.startswith(a) for a, b in zip(growing, growing[1:], strict=False))
    assert "Done" in status and "local/smollm2-135m-instruct" in details


def test_chat_multi_turn(app: RunningApp, tmp_path: Path) -> None:
    # One gradio_client session: the ChatInterface keeps the conversation between calls, and
    # the second prediction's prompt must carry the first turn (question and answer).
    chat = Client(app.url, verbose=False, download_files=str(tmp_path))
    first = call(chat, "/chat", "My cat is called Zorblax.", "You are brief.", 24, 0, 0.9,
                 "llama-3.1-405b-precise")
    assert first.error is None, first.error
    second = call(chat, "/chat", "What is my cat called?", "You are brief.", 24, 0, 0.9,
                  "llama-3.1-405b-precise")
    assert second.error is None, second.error
    prompt = str(_latest_chat(app.engine_url)["input"]["prompt"])
    assert "What is my cat called?" in prompt
    assert "My cat is called Zorblax." in prompt
    assert first.final[0].strip()[:40] in prompt


def _latest_chat(engine_url: str) -> dict[str, Any]:
    results = httpx.get(f"{engine_url}/v1/predictions", timeout=10).json()["results"]
    found = [p for p in results if p.get("model") == "local/smollm2-135m-instruct"]
    latest = max(found, key=lambda p: p.get("created_at") or "")
    return dict(httpx.get(f"{engine_url}/v1/predictions/{latest['id']}", timeout=10).json())


def test_image_tab_says_not_available_offline(client: Client) -> None:
    out = call(client, "/image", "a lighthouse at dawn", "", 512, 512, 1, "K_EULER", 1, 0.0, 42,
               False, "sdxl")
    # Expected offline: said in plain words in the status line, not raised as an error; the
    # engine's technical reason is kept in the logs.
    assert out.error is None, out.error
    assert out.final[0] in ([], None, {"__type__": "update"})  # no image, gallery untouched
    status, logs = out.partials[-1][2], out.partials[-1][4]
    assert "Not available offline" in status and "no image model runs on this computer" in status
    assert "sd-turbo" in logs.lower() or "text-to-image" in logs.lower(), logs
    assert "Traceback" not in out.texts()


def test_presets_fill_the_controls(client: Client) -> None:
    about, scale, face = client.predict("real-esrgan-2x-faces", api_name="/upscale_preset")
    assert scale == 2 and face is True and "Real-ESRGAN" in about
    assert "local/" not in about  # model references are in the details, not this line
    width, height = client.predict("16:9", api_name="/image_aspect")
    assert (width, height) == (672, 384) and width % 8 == 0
