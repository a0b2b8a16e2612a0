"""`serve()` (what `playground engine` runs): its options reach the app it serves."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from playground.engine import server

from .conftest import AppThread
from .models import all_models
from .test_files import _image_host


def _served_app(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **options: Any) -> Starlette:
    """Call serve(), keeping the app it would hand to uvicorn.run (which would block)."""
    apps: list[Starlette] = []
    monkeypatch.setattr(server.uvicorn, "run", lambda app, **kw: apps.append(app))
    server.serve(all_models(), port=0, data_dir=tmp_path / "engine", **options)
    assert len(apps) == 1
    return apps[0]


def _fetches_private_url(app: Starlette) -> str:
    """Run a prediction whose image input is on a loopback host; returns its status/error."""
    try:
        with AppThread(_image_host()) as host, AppThread(app) as engine, \
                httpx.Client(base_url=engine.url, timeout=60) as c:
            pred = c.post("/v1/models/test/invert/predictions",
                          json={"input": {"image": host.url + "/img.png"}},
                          headers={"Prefer": "wait"}).json()
    finally:
        app.state.engine.close()  # AppThread runs no lifespan
    return str(pred["status"] if pred["status"] == "succeeded" else pred["error"])


@pytest.mark.parametrize(("options", "env", "expected"), [
    ({}, None, "private or loopback"),
    ({"allow_private_urls": True}, None, "succeeded"),
    ({}, "1", "succeeded"),
    ({"allow_private_urls": False}, "1", "private or loopback"),  # an explicit False wins
])
def test_serve_allow_private_urls(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str], options: dict[str, Any],
                                  env: str | None, expected: str) -> None:
    if env is None:
        monkeypatch.delenv(server.PRIVATE_URLS_ENV, raising=False)
    else:
        monkeypatch.setenv(server.PRIVATE_URLS_ENV, env)
    app = _served_app(monkeypatch, tmp_path, **options)
    assert expected in _fetches_private_url(app)
    said = "private and loopback addresses are fetched" in capsys.readouterr().err
    assert said == (expected == "succeeded")


def test_the_unload_time_reaches_the_engine(monkeypatch: pytest.MonkeyPatch,
                                            tmp_path: Path) -> None:
    """`serve(unload_after=)`, else $PLAYGROUND_ENGINE_UNLOAD_AFTER; and `playground engine
    --unload-after`, which refuses a negative time."""
    from playground import cli

    monkeypatch.setenv(server.UNLOAD_ENV, "42")
    for options, expected in (({"unload_after": 5.0}, 5.0), ({}, 42.0)):
        app = _served_app(monkeypatch, tmp_path, **options)
        assert app.state.engine.runner.unload_after == expected
        app.state.engine.close()

    monkeypatch.setenv("PLAYGROUND_DATA_DIR", str(tmp_path / "data"))
    apps: list[Starlette] = []
    monkeypatch.setattr(server.uvicorn, "run", lambda app, **kw: apps.append(app))
    assert cli._engine(["--port", "0", "--unload-after", "0"]) == 0
    assert apps[0].state.engine.runner.unload_after == 0  # never
    apps[0].state.engine.close()
    with pytest.raises(SystemExit) as refused:
        cli._engine(["--unload-after", "-1"])
    assert refused.value.code == 2
