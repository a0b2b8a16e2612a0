"""Engine fixtures: a real engine over HTTP whose every JSON response is checked against
Replicate's OpenAPI document (via a recording ASGI wrapper)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from playground.engine.server import EngineThread

from .models import all_models
from .openapi_check import check_response

TOKEN = "r8_test-token-123"


class SpecRecorder:
    """Wraps the engine app; validates each JSON response body it sends."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.failures: list[str] = []
        self.checked = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def recording_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body"):
                    self._check(scope, start, b"".join(chunks))
            await send(message)

        await self.app(scope, receive, recording_send)

    def _check(self, scope: Scope, start: dict[str, Any], body: bytes) -> None:
        headers = {k.decode().lower(): v.decode() for k, v in start.get("headers", [])}
        if "json" not in headers.get("content-type", ""):
            return
        try:
            self.checked += 1
            check_response(scope["method"], scope["path"], start["status"], json.loads(body))
        except Exception as exc:  # collected and asserted at teardown
            self.failures.append(f"{scope['method']} {scope['path']} {start['status']}: {exc}")


def start_engine(data_dir: Path, **options: Any) -> tuple[EngineThread, SpecRecorder]:
    engine = EngineThread(options.pop("models", None) or all_models(), data_dir, **options)
    recorder = SpecRecorder(engine.server.config.app)
    engine.server.config.app = recorder
    engine.start()
    return engine, recorder


@pytest.fixture
def make_engine(tmp_path: Path) -> Iterator[Any]:
    started: list[tuple[EngineThread, SpecRecorder]] = []

    def make(data_dir: Path | None = None, **options: Any) -> EngineThread:
        pair = start_engine(data_dir or tmp_path / "engine", **options)
        started.append(pair)
        return pair[0]

    yield make
    for engine, _ in started:
        engine.stop()
    failures = [f for _, rec in started for f in rec.failures]
    assert not failures, "responses that break Replicate's OpenAPI document:\n" + "\n".join(
        failures[:5])


@pytest.fixture
def engine(make_engine: Any) -> EngineThread:
    return make_engine(token=TOKEN)  # type: ignore[no-any-return]


@pytest.fixture
def client(engine: EngineThread) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=engine.url, timeout=70,
                      headers={"Authorization": f"Bearer {TOKEN}"}) as c:
        yield c


class AppThread:
    """Any small ASGI app (webhook receiver, file host) on a loopback port, in a thread."""

    def __init__(self, app: ASGIApp) -> None:
        import threading

        import uvicorn

        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0,
                                                    log_level="warning", lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> AppThread:
        self.thread.start()
        while not self.server.started:
            self.thread.join(0.02)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(5)


def wait_status(client: httpx.Client, pid: str, statuses: tuple[str, ...],
                timeout: float = 60) -> dict[str, Any]:
    """Poll a prediction until it reaches one of `statuses` (no timing asserted)."""
    import time

    end = time.monotonic() + timeout
    while True:
        pred: dict[str, Any] = client.get(f"/v1/predictions/{pid}").json()
        if pred["status"] in statuses or time.monotonic() > end:
            return pred
        time.sleep(0.05)
