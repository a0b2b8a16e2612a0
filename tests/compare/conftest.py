"""Fixtures for the comparison tests: the embedded engine with the real local models."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from PIL import Image

from playground.compare import PriceTable, Runner
from playground.compare.service_backend import ServiceBackend


@pytest.fixture(scope="module")
def engine_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One engine for a whole test module: the models load once."""
    from playground.engine.models import registry
    from playground.engine.server import EngineThread

    models = [m for m in registry() if m.availability() is None]
    if not {"local/rembg", "local/real-esrgan", "local/smollm2-135m-instruct"} <= {
            m.ref for m in models}:
        pytest.skip("the local models' weights are not installed (playground models pull)")
    engine = EngineThread(models, tmp_path_factory.mktemp("engine")).start()
    try:
        yield engine.url
    finally:
        engine.stop()


@pytest.fixture
async def service(engine_url: str, isolated_env: Path) -> AsyncIterator[object]:
    from playground.service import Service

    svc = Service(base_url=engine_url, data_dir=isolated_env)
    try:
        yield svc
    finally:
        await svc.aclose()


@pytest.fixture
def runner(service: object, isolated_env: Path) -> Runner:
    return Runner(ServiceBackend(service), prices=PriceTable.load(), data_dir=isolated_env)


@pytest.fixture
def portrait(tmp_path: Path) -> Path:
    """scikit-image's astronaut (a real portrait), made small so the CPU models are quick."""
    from skimage import data

    img = Image.fromarray(data.astronaut()).resize((256, 256), Image.Resampling.LANCZOS)
    path = tmp_path / "astronaut.png"
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    path.write_bytes(buf.getvalue())
    return path


@pytest.fixture
def tiny_image(portrait: Path, tmp_path: Path) -> Path:
    path = tmp_path / "tiny.png"
    Image.open(portrait).resize((48, 48), Image.Resampling.LANCZOS).save(path)
    return path


@pytest.fixture(scope="module")
def compare_app(engine_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The Compare tab alone in the app shell, served on loopback; yields its URL."""
    from playground.service import Service
    from playground.ui.app import build_app, serve
    from playground.ui.context import make_context

    data = tmp_path_factory.mktemp("app-data")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PLAYGROUND_DATA_DIR", str(data))
        ctx = make_context(Service(base_url=engine_url, data_dir=data, backend="local"))
        demo = build_app(ctx, tabs=["compare"])
        _, url, _ = serve(demo, data, block=False)
        try:
            yield url
        finally:
            demo.close()
