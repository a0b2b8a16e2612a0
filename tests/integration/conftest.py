"""One engine per session with the REAL local models (they load once), reached only over HTTP.

Every JSON response the engine sends is checked against Replicate's OpenAPI document by the
engine tests' recording wrapper; each test fails if a response it caused breaks the document.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # before llama.cpp loads

from engine.conftest import AppThread, SpecRecorder  # noqa: E402  (tests/engine)

from playground.engine import model_store  # noqa: E402
from playground.engine.models import registry  # noqa: E402
from playground.engine.server import EngineThread  # noqa: E402

__all__ = ["AppThread", "SpecRecorder", "start_real_engine"]

SPOKEN = "The quick brown fox jumps over the lazy dog."


def start_real_engine(data_dir: Path, **options: object) -> tuple[EngineThread, SpecRecorder]:
    """An engine with fresh instances of the real models, its app wrapped by the spec check."""
    engine = EngineThread(registry(), data_dir, **options)  # type: ignore[arg-type]
    recorder = SpecRecorder(engine.server.config.app)
    engine.server.config.app = recorder
    engine.start()
    return engine, recorder


@pytest.fixture(scope="session")
def _real_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[
        tuple[EngineThread, SpecRecorder]]:
    missing = [name for name, state, _ in model_store.status() if state == "missing"]
    if missing:  # a no-op when the user cache already holds them
        model_store.pull()
    # Its own data dir: tests/conftest.py moves PLAYGROUND_DATA_DIR for every test.
    # allow_private_urls: test_official_client's webhook receiver listens on loopback
    pair = start_real_engine(tmp_path_factory.mktemp("real-engine"), allow_private_urls=True)
    yield pair
    pair[0].stop()


@pytest.fixture
def engine(_real_engine: tuple[EngineThread, SpecRecorder]) -> Iterator[EngineThread]:
    """The session engine; the test fails if a response it caused breaks the OpenAPI spec."""
    engine, recorder = _real_engine
    before, checked = len(recorder.failures), recorder.checked
    yield engine
    assert recorder.checked > checked, "no JSON response was checked against the spec"
    new = recorder.failures[before:]
    assert not new, "responses that break Replicate's OpenAPI document:\n" + "\n".join(new[:5])


@pytest.fixture(scope="session")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Small real inputs: a portrait crop, a tiny image to upscale, espeak-ng speech."""
    from skimage import data as skdata

    folder = tmp_path_factory.mktemp("media")
    astronaut = Image.fromarray(skdata.astronaut())
    files = {
        "portrait": folder / "portrait.png",
        "tiny": folder / "tiny.png",
        "speech": folder / "speech.wav",
    }
    astronaut.resize((256, 256)).save(files["portrait"])
    astronaut.crop((140, 20, 340, 220)).resize((40, 32)).save(files["tiny"])
    subprocess.run(["espeak-ng", "-w", str(files["speech"]), SPOKEN], check=True,
                   capture_output=True, timeout=30)
    return files
