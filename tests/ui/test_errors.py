"""Bad input and a dead backend: each gives its message, and the tab keeps working after it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from gradio_client import Client, handle_file

from .conftest import free_port, start_app
from .helpers import call

pytestmark = pytest.mark.models


def _works_again(client: Client, media: dict[str, Path]) -> None:
    again = call(client, "/upscale", handle_file(media["small"]),
                 2, False, "real-esrgan-4x", "full")
    assert again.error is None, again.error
    assert "Done" in again.final[2]


def test_text_file_as_image(client: Client, media: dict[str, Path]) -> None:
    out = call(client, "/upscale", handle_file(media["not_image"]),
               2, False, "real-esrgan-4x", "full")
    assert out.error is not None and "notes.png" in out.error
    assert "is not an image" in out.error
    assert "Problem with the file" in out.partials[-1][2]
    assert "Traceback" not in out.texts()
    _works_again(client, media)


def test_missing_image(client: Client, media: dict[str, Path]) -> None:
    out = call(client, "/faces", None, "v1.4", 2, "gfpgan")
    assert out.error is not None and "Upload an image first" in out.error
    assert "is missing" in out.partials[-1][2]


def test_empty_audio(client: Client, media: dict[str, Path]) -> None:
    out = call(client, "/transcribe", handle_file(media["empty_audio"]), "auto", "plain text",
               False, "whisper")
    assert out.error is not None and "empty.wav" in out.error and "empty" in out.error
    again = call(client, "/transcribe", handle_file(media["speech"]), "auto", "plain text",
                 False, "whisper")
    assert again.error is None and "paris" in again.final[0].lower()


def test_image_as_audio(client: Client, media: dict[str, Path]) -> None:
    out = call(client, "/transcribe", handle_file(media["not_image"]), "auto", "plain text",
               False, "whisper")
    assert out.error is not None and "notes.png is not audio" in out.error


def test_oversized_upload(client: Client, media: dict[str, Path]) -> None:
    out = call(client, "/background", handle_file(media["huge"]), "rembg")
    assert out.error is not None and "too large" in out.error and "huge.png" in out.error
    status = out.partials[-1][3]
    assert "File too large" in status
    ok = call(client, "/background", handle_file(media["small"]), "rembg")
    assert ok.error is None, ok.error


def test_empty_prompt(client: Client) -> None:
    out = call(client, "/image", "   ", "", 512, 512, 1, "K_EULER", 1, 0.0, 1, False, "sdxl")
    assert out.error is not None and "Describe the picture" in out.error


def test_backend_down_then_back(tmp_path: Path, media: dict[str, Path]) -> None:
    from playground.engine.models import registry
    from playground.engine.server import EngineThread
    from playground.service import Service

    port = free_port()  # nothing listens here yet
    service = Service(f"http://127.0.0.1:{port}", data_dir=tmp_path / "app")
    demo, url = start_app(service, tmp_path / "app", tabs=["upscale"])
    engine: Any = None
    try:
        client = Client(url, verbose=False, download_files=str(tmp_path / "dl"))
        out = call(client, "/upscale", handle_file(media["small"]),
                   2, False, "real-esrgan-4x", "full")
        assert out.error is not None and "stopped answering" in out.error
        assert "Cannot reach the models on this computer" in out.partials[-1][2]
        assert f"127.0.0.1:{port}" not in out.error  # the address is under Details
        assert f"127.0.0.1:{port}" in out.partials[-1][3]
        # The engine comes up on that port: the very same tab now works.
        engine = EngineThread(registry(), tmp_path / "engine", port=port).start()
        _works_again(client, media)
    finally:
        demo.close()
        if engine is not None:
            engine.stop()
