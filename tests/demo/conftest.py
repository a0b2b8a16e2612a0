"""Demo mode through the real app: an engine, a service with the demo's gate (set by the CLI's
own `open_demo`), and the page served on loopback, driven by gradio_client."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


@dataclass
class DemoApp:
    url: str
    engine_url: str
    service: Any
    settings: Any


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from playground.engine.models import registry
    from playground.engine.server import EngineThread

    thread = EngineThread(registry(), tmp_path_factory.mktemp("demo-engine")).start()
    yield thread
    thread.stop()


@pytest.fixture(scope="module")
def make_demo_app(engine: Any, tmp_path_factory: pytest.TempPathFactory
                  ) -> Iterator[Callable[..., DemoApp]]:
    """`make_demo_app(toml, token=None, backend=None, prices=None)`: an app on the engine with
    that demo file, as `playground --backend URL --demo FILE` builds it."""
    from playground.cli import open_demo
    from playground.demo import parse
    from playground.history import RunStore
    from playground.service import RunHistory, Service
    from playground.ui.app import TAB_IDS, build_app, serve
    from playground.ui.context import make_context

    started: list[tuple[Any, Any]] = []

    def make(toml: str, *, token: str | None = None, backend: str | None = None,
             prices: Any = None) -> DemoApp:
        data = tmp_path_factory.mktemp("demo-app")
        store = RunStore(data)
        service = Service(engine.url, token=token, data_dir=data, backend=backend,
                          history=RunHistory(store))
        port = free_port()
        settings = open_demo(parse(toml, TAB_IDS, source="demo.toml"), service,
                             host="127.0.0.1", port=port, prices=prices)
        ctx = make_context(service, browser_secret="demo-tests-browser-secret", demo=settings)
        demo = build_app(ctx, tabs=list(settings.show.tabs) or None)
        _, url, _ = serve(demo, ctx, port=port, block=False)
        started.append((demo, store))
        return DemoApp(url.rstrip("/") + "/", engine.url, service, settings)

    yield make
    for demo, store in started:
        demo.close()
        store.close()


def picture(folder: Path, shade: int, side: int = 64) -> Path:
    """A small picture of its own (a different one is a different run, never from history)."""
    from PIL import Image

    path = folder / f"picture-{shade}-{side}.png"
    Image.new("RGB", (side, side), (shade, 90, 160)).save(path)
    return path
