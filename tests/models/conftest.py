"""Fixtures for the local-model tests: weights pulled once into the real cache, loaded models."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from skimage import data

from playground.engine import model_store
from playground.engine.models.base import EngineModel, PredictContext


class Ctx(PredictContext):
    """A PredictContext that keeps its log lines."""

    lines: list[str]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def make_ctx(workdir: Path) -> Ctx:
    workdir.mkdir(parents=True, exist_ok=True)
    lines: list[str] = []
    ctx = Ctx(workdir=workdir, log=lines.append)
    ctx.lines = lines
    return ctx


@pytest.fixture(scope="session")
def pulled() -> None:
    """Pull every model's weights once (a no-op when the user cache already holds them)."""
    model_store.pull()


@pytest.fixture
def ctx(tmp_path: Path) -> Ctx:
    return make_ctx(tmp_path / "work")


@pytest.fixture(scope="session")
def loaded(
    pulled: None, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[type[EngineModel]], EngineModel]:
    """Load each model class once per session (as the engine does on first use)."""
    cache: dict[type[EngineModel], EngineModel] = {}

    def get(cls: type[EngineModel]) -> EngineModel:
        if cls not in cache:
            model = cls()
            assert model.availability() is None, model.availability()
            model.load(make_ctx(tmp_path_factory.mktemp("load")))
            cache[cls] = model
        return cache[cls]

    return get


@pytest.fixture(scope="session")
def astronaut(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """skimage's 512x512 portrait."""
    path = tmp_path_factory.mktemp("img") / "astronaut.png"
    Image.fromarray(data.astronaut()).save(path)
    return path


@pytest.fixture(scope="session")
def speech(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("audio") / "speech.wav"
    text = "Hello world. The weather is nice today. Please open the window."
    subprocess.run(["espeak-ng", "-w", str(path), text], check=True)
    return path


def noise_image(path: Path, w: int = 300, h: int = 200, seed: int = 0) -> Path:
    """A faceless smooth colour field with some texture."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w]
    base = np.dstack([xx * 255 / w, yy * 255 / h, np.full((h, w), 128)])
    img = np.clip(base + rng.normal(0, 8, (h, w, 3)), 0, 255).astype(np.uint8)
    Image.fromarray(img).save(path)
    return path
