"""The UI on the embedded engine with the real local models, driven over HTTP by gradio_client.

One engine and one app per session (the models load once); tests that need a special backend
(a token-protected engine, a backend that is down) build their own small app.
"""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

MAX_UPLOAD = 3_000_000  # small, so an "oversized" test file stays small too


@dataclass
class RunningApp:
    url: str
    engine_url: str
    demo: Any
    data_dir: Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_app(service: Any, data: Path, tabs: list[str] | None = None,
              **ctx_kwargs: Any) -> tuple[Any, str]:
    from playground.ui.app import build_app, serve
    from playground.ui.context import make_context

    ctx = make_context(service, browser_secret="ui-tests-browser-secret", **ctx_kwargs)
    demo = build_app(ctx, tabs=tabs)
    _, url, _ = serve(demo, ctx, port=free_port(), block=False)
    return demo, url.rstrip("/") + "/"


@pytest.fixture(scope="session")
def ui_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("ui-data")


@pytest.fixture(scope="session")
def engine(ui_data: Path) -> Iterator[Any]:
    from playground.engine.models import registry
    from playground.engine.server import EngineThread

    # Where `playground --backend local` keeps it: inside the app's data dir, which must still
    # never serve the engine's database.
    thread = EngineThread(registry(), ui_data / "app" / "engine").start()
    yield thread
    thread.stop()


@pytest.fixture(scope="session")
def app(engine: Any, ui_data: Path) -> Iterator[RunningApp]:
    from playground.history import RunStore
    from playground.service import RunHistory, Service

    store = RunStore(ui_data / "app")
    service = Service(engine.url, data_dir=ui_data / "app", history=RunHistory(store))
    demo, url = start_app(service, ui_data / "app", max_upload_bytes=MAX_UPLOAD)
    yield RunningApp(url, engine.url, demo, ui_data / "app")
    demo.close()
    store.close()


@pytest.fixture
def client(app: RunningApp) -> Any:
    from gradio_client import Client

    return Client(app.url, verbose=False, download_files=str(app.data_dir / "downloads"))


# --- test inputs ----------------------------------------------------------------------------

@pytest.fixture(scope="session")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Small real inputs: a portrait, a text file posing as an image, speech, empty audio."""
    from skimage import data as skdata

    folder = tmp_path_factory.mktemp("media")
    astronaut = Image.fromarray(skdata.astronaut())
    files = {
        "portrait": folder / "astronaut.png",
        "small": folder / "small.png",
        "not_image": folder / "notes.png",
        "speech": folder / "speech.wav",
        "empty_audio": folder / "empty.wav",
        "huge": folder / "huge.png",
    }
    astronaut.save(files["portrait"])
    astronaut.resize((96, 96)).save(files["small"])
    files["not_image"].write_text("These are my meeting notes, not a picture.\n")
    subprocess.run(["espeak-ng", "-w", str(files["speech"]),
                    "The capital of France is Paris."], check=True, capture_output=True)
    files["empty_audio"].write_bytes(b"")
    noise = np.random.default_rng(0).integers(0, 255, (1100, 1100, 3), dtype=np.uint8)
    Image.fromarray(noise).save(files["huge"])  # incompressible: about 3.6 MB
    assert files["huge"].stat().st_size > MAX_UPLOAD
    return files
