"""The API token: per browser, sent per request, never shown, logged, stored or put in env."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from gradio_client import Client, handle_file

from .conftest import start_app
from .helpers import call

pytestmark = pytest.mark.models

ENGINE_TOKEN = "r8_uiTestsEngineToken0123456789abcdefXYZ"


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """An engine that, like Replicate, refuses requests without the right token."""
    from playground.engine.models import registry
    from playground.engine.server import EngineThread

    engine = EngineThread(registry(), tmp_path_factory.mktemp("guarded"),
                          token=ENGINE_TOKEN).start()
    yield engine
    engine.stop()


def _guarded_service(url: str, data: Path, token: str | None = None) -> Any:
    """A Replicate-compatible server that wants a token (a "custom" backend: the page then has
    a token box), with presets that name the engine's models as their pinned ones."""
    from playground.presets import load_presets
    from playground.service import Service

    presets = {
        pid: p.model_copy(update={
            "model": p.local_model, "defaults": p.inputs_for("local"),
            "chat": p.chat_for("local"), "max_image_side": p.image_side_for("local") or 0})
        for pid, p in load_presets().items() if p.local_model
    }
    return Service(url, token=token, data_dir=data, presets=presets, backend="custom")


def _served_text(url: str) -> str:
    pages = ["", "config", "gradio_api/info", "gradio_api/openapi.json"]
    return "\n".join(httpx.get(url + page, timeout=30).text for page in pages)


def _files_text(folder: Path) -> str:
    chunks = []
    for path in folder.rglob("*"):
        if path.is_file() and path.stat().st_size < 5_000_000:
            chunks.append(path.read_bytes().decode("latin-1"))
    return "\n".join(chunks)


def test_browser_token_per_request(guarded: Any, tmp_path: Path, media: dict[str, Path],
                                   caplog: pytest.LogCaptureFixture,
                                   capfd: pytest.CaptureFixture[str]) -> None:
    caplog.set_level(logging.DEBUG)
    service = _guarded_service(guarded.url, tmp_path / "app")
    demo, url = start_app(service, tmp_path / "app", tabs=["upscale", "chat"])
    try:
        client = Client(url, verbose=False, download_files=str(tmp_path / "dl"))
        args = (handle_file(media["small"]), 2, False, "real-esrgan-4x", "full")

        missing = call(client, "/upscale", *args, token=None)
        assert missing.error is not None and "Paste your Replicate API token" in missing.error
        assert "An API token is needed" in missing.partials[-1][2]

        wrong = call(client, "/upscale", *args, token="r8_notTheRightTokenAtAll000000000")
        assert wrong.error is not None and "not accepted" in wrong.partials[-1][2]

        right = call(client, "/upscale", *args, token=ENGINE_TOKEN)
        assert right.error is None, right.error
        chat = call(client, "/chat", "Hi", "You are brief.", 16, 0, 0.9,
                    "llama-3.1-405b-precise", token=ENGINE_TOKEN)
        assert chat.error is None, chat.error

        assert client.predict(ENGINE_TOKEN, api_name="/token_status").find("your token") >= 0

        shown = "\n".join(o.texts() for o in (missing, wrong, right, chat))
        history = httpx.get(f"{guarded.url}/v1/predictions",
                            headers={"Authorization": f"Bearer {ENGINE_TOKEN}"}).text
        everywhere = {
            "outputs": shown, "served pages": _served_text(url), "logs": caplog.text,
            "console": "".join(capfd.readouterr()), "engine history": history,
            "app files": _files_text(tmp_path / "app"),
        }
        for where, text in everywhere.items():
            assert ENGINE_TOKEN not in text, f"the token leaked into {where}"
            assert "r8_notTheRightToken" not in text, f"a token leaked into {where}"
        assert ENGINE_TOKEN not in os.environ.values()
    finally:
        demo.close()


def test_server_token_is_the_default(guarded: Any, tmp_path: Path,
                                     media: dict[str, Path]) -> None:
    service = _guarded_service(guarded.url, tmp_path / "app", token=ENGINE_TOKEN)
    demo, url = start_app(service, tmp_path / "app", tabs=["upscale"])
    try:
        client = Client(url, verbose=False, download_files=str(tmp_path / "dl"))
        out = call(client, "/upscale", handle_file(media["small"]),
                   2, False, "real-esrgan-4x", "full")
        assert out.error is None, out.error
        assert "started with" in client.predict(None, api_name="/token_status")
        assert ENGINE_TOKEN not in _served_text(url) + out.texts()
        assert ENGINE_TOKEN not in os.environ.values()
    finally:
        demo.close()
