"""A prediction that fails is shown as failed, in plain words, in every tab: Chat, a Compare chat
pane and a file tab all share the service's one failure rule and the UI's one run loop.

The backend is a small Replicate-compatible server in this file: each prediction streams a few
tokens (or polls through "processing") and then fails, the way the local engine fails when a
prompt exceeds its context, or when it restarts mid-answer.
"""

from __future__ import annotations

import io
import itertools
import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from gradio_client import Client, handle_file
from PIL import Image
from replay_server import serve
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from .conftest import start_app
from .helpers import call

CONTEXT_FULL = "Requested tokens (5012) exceed the available context size (4096)"
RESTARTED = "engine restarted"
TOKENS = ["Once", " upon", " a", " time"]


@dataclass
class FailingAPI:
    """Every prediction fails: a streamed one after a few tokens (with an `error` event, or by
    dropping the connection when its prompt asks for a restart), a polled one after a step."""

    predictions: dict[str, dict[str, Any]] = field(default_factory=dict)
    ids: Iterator[int] = field(default_factory=itertools.count)
    app: Starlette = field(init=False)

    def __post_init__(self) -> None:
        self.app = Starlette(routes=[
            Route("/v1/predictions", self.create, methods=["POST"]),
            Route("/v1/models/{owner}/{name}/predictions", self.create, methods=["POST"]),
            Route("/v1/models/{owner}/{name}", self.no_model),
            Route("/v1/predictions/{pid}", self.get),
            Route("/v1/predictions/{pid}/cancel", self.cancel, methods=["POST"]),
            Route("/stream/{pid}", self.stream),
        ])

    def _json(self, request: Request, p: dict[str, Any]) -> dict[str, Any]:
        base = str(request.base_url).rstrip("/")
        pid = p["id"]
        return {**{k: v for k, v in p.items() if not k.startswith("_")},
                "urls": {"get": f"{base}/v1/predictions/{pid}",
                         "cancel": f"{base}/v1/predictions/{pid}/cancel",
                         "stream": f"{base}/stream/{pid}"}}

    async def create(self, request: Request) -> JSONResponse:
        body = json.loads(await request.body())
        pid = f"p{next(self.ids)}"
        owner = request.path_params.get("owner")
        model = f"{owner}/{request.path_params['name']}" if owner else "acme/upscaler"
        restart = "restart" in json.dumps(body.get("input", {}))
        self.predictions[pid] = {
            "id": pid, "model": model, "version": "v" * 64, "input": {}, "status": "starting",
            "output": None, "error": None, "logs": "", "created_at": "2026-01-01T00:00:00Z",
            "_stream": bool(body.get("stream")), "_restart": restart, "_polls": 0}
        return JSONResponse(self._json(request, self.predictions[pid]), status_code=201)

    async def get(self, request: Request) -> JSONResponse:
        p = self.predictions[request.path_params["pid"]]
        if p["status"] not in ("failed", "canceled"):
            p["_polls"] += 1
            if p["_stream"] or p["_polls"] > 1:
                p.update(status="failed", logs="loading the model\nrunning\n",
                         error=RESTARTED if p["_restart"] else CONTEXT_FULL)
                if p["_stream"]:
                    p["output"] = TOKENS
                else:
                    p["error"] = "CUDA out of memory while tiling the image"
            else:
                p.update(status="processing", logs="tiles:  50%|#####     | 1/2\n")
        return JSONResponse(self._json(request, p))

    async def cancel(self, request: Request) -> JSONResponse:
        p = self.predictions[request.path_params["pid"]]
        if p["status"] not in ("failed", "succeeded"):
            p["status"] = "canceled"
        return JSONResponse(self._json(request, p))

    async def no_model(self, request: Request) -> Response:
        return JSONResponse({"title": "Not found", "status": 404, "detail": "no such model"},
                            status_code=404, media_type="application/problem+json")

    async def stream(self, request: Request) -> StreamingResponse:
        p = self.predictions[request.path_params["pid"]]

        async def body() -> AsyncIterator[bytes]:
            for i, token in enumerate(TOKENS):
                yield f"event: output\nid: {i}\ndata: {token}\n\n".encode()
            if p["_restart"]:
                raise ConnectionResetError("the engine went away mid-answer")
            detail = json.dumps({"detail": CONTEXT_FULL})
            yield f"event: error\ndata: {detail}\n\n".encode()
            yield b"event: done\ndata: {}\n\n"

        return StreamingResponse(body(), media_type="text/event-stream")


@pytest.fixture(scope="module")
def failing_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    from playground.service import Service

    data = tmp_path_factory.mktemp("failing-app")
    with serve(FailingAPI().app) as url:
        service = Service(url, data_dir=data, backend="custom")
        demo, ui_url = start_app(service, data, tabs=["chat", "upscale", "compare"])
        try:
            yield Client(ui_url, verbose=False, download_files=str(data / "downloads"))
        finally:
            demo.close()


def _small_png(tmp_path: Path) -> Path:
    path = tmp_path / "small.png"
    buf = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 80, 40)).save(buf, format="PNG")
    path.write_bytes(buf.getvalue())
    return path


def test_chat_failure_is_shown_as_a_failure(failing_app: Client) -> None:
    out = call(failing_app, "/chat", "Tell me a story.", "You are brief.", 64, 0.5, 0.9,
               "llama-3.1-405b")
    assert out.error is None, "no gr.Error: it would cover the conversation with a badge"
    text, status, _details, logs = out.final
    assert "pill err" in status and "The conversation is too long for this model" in status
    assert "Clear the conversation" in status
    assert "Done" not in out.texts()
    assert "Once upon a time" in str(text)  # what it wrote before failing is kept
    assert "running" in logs and "Traceback" not in out.texts()


def test_chat_is_refused_without_a_message(failing_app: Client) -> None:
    out = call(failing_app, "/chat", "   ", "You are brief.", 64, 0.5, 0.9, "llama-3.1-405b")
    assert out.error is not None and "Type a message first" in out.error, out
    assert "The message is missing" in out.texts()


def test_unknown_preset_names_the_known_ones(failing_app: Client, tmp_path: Path) -> None:
    out = call(failing_app, "/upscale", handle_file(_small_png(tmp_path)),
               2, False, "gpt-17", "full")
    assert out.error is not None and "“gpt-17”" in out.error
    assert "`real-esrgan-4x`" in out.error and "Unknown preset" in out.partials[-1][2]
    assert "KeyError" not in out.texts()


def test_file_tab_failure_is_shown_as_a_failure(failing_app: Client, tmp_path: Path) -> None:
    out = call(failing_app, "/upscale", handle_file(_small_png(tmp_path)), 2, False,
               "real-esrgan-4x", "full")
    assert out.error is not None and "CUDA out of memory" in out.error
    _slider, _download, status, details, logs = out.partials[-1]
    assert "pill err" in status and "The model could not finish" in status
    assert "Done" not in out.texts()
    assert "acme/upscaler" in details and "running" in logs


def test_compare_chat_pane_failure_is_shown_as_a_failure(failing_app: Client) -> None:
    out = failing_app.predict(
        "chat", "acme/chatty", "acme/restarts", None, None, "", '{"note": "restart"}', "", "",
        "Tell me a story.", None, None, 7, "", None, api_name="/compare")
    status = out[0]
    heads = [v for v in out if isinstance(v, str) and v.startswith("**acme/")]
    assert "Round 1: 0 of 2 succeeded." in status, status
    assert all("<span class='pill err'>failed</span>" in h for h in heads), heads
    assert "The conversation is too long for this model" in heads[0]
    assert "The model stopped midway" in heads[1] and "Engine restarted" in heads[1]
    texts = [v["value"] for v in out if isinstance(v, dict) and isinstance(v.get("value"), str)]
    assert texts[:2] == ["Once upon a time", "Once upon a time"], texts
