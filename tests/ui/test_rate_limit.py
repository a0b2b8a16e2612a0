"""A throttled backend: the tab says it is rate limited and when it retries, then finishes."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from gradio_client import Client, handle_file
from replay_server import serve
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .conftest import RunningApp, start_app
from .helpers import call

pytestmark = pytest.mark.models


def throttling_proxy(upstream: str, throttled_creates: int) -> tuple[Starlette, list[str]]:
    """Forwards to the engine, but answers the first creates with 429 and `Retry-After: 1`,
    as Replicate does when an account's create rate is spent."""
    seen: list[str] = []

    async def forward(request: Request) -> Response:
        path = request.url.path
        seen.append(f"{request.method} {path}")
        creates = sum(1 for s in seen if s.startswith("POST") and s.endswith("/predictions"))
        if request.method == "POST" and path.endswith("/predictions") and (
                creates <= throttled_creates):
            return JSONResponse(
                {"title": "Too many requests", "status": 429,
                 "detail": "Request was throttled. Your rate limit resets in ~1s."},
                status_code=429, headers={"Retry-After": "1"},
                media_type="application/problem+json")
        async with httpx.AsyncClient(base_url=upstream) as http:
            answer = await http.request(
                request.method, path, params=request.query_params, content=await request.body(),
                headers={k: v for k, v in request.headers.items() if k.lower() != "host"})
        return Response(answer.content, answer.status_code, media_type=answer.headers.get(
            "content-type"))

    app = Starlette(routes=[Route("/{path:path}", forward, methods=["GET", "POST", "DELETE"])])
    return app, seen


def test_rate_limited_run_says_so_then_finishes(app: RunningApp, tmp_path: Path,
                                                 media: dict[str, Path]) -> None:
    from playground.service import Service

    proxy, seen = throttling_proxy(app.engine_url, throttled_creates=1)
    with serve(proxy) as url:
        service = Service(url, data_dir=tmp_path / "app", backend="local")
        demo, ui_url = start_app(service, tmp_path / "app", tabs=["upscale"])
        try:
            client = Client(ui_url, verbose=False, download_files=str(tmp_path / "dl"))
            out = call(client, "/upscale", handle_file(media["small"]), 2, False,
                       "real-esrgan-4x", "full")
        finally:
            demo.close()
    assert out.error is None, out.error
    assert "Rate limited (429): retrying in 1 s" in out.texts()
    assert "Done" in out.final[2]
    creates = [s for s in seen if s.startswith("POST") and s.endswith("/predictions")]
    assert len(creates) == 2  # the throttled create, then the one that ran
