"""A model's output URL is fetched only from the backend's own origin or a public address.

Anyone can publish a model whose output names `http://169.254.169.254/...` or a machine on the
app's own network; the app must not fetch it and hand the bytes to the visitor (SSRF). Real
servers on loopback: the backend on 127.0.0.2 (the engine, with a model that returns the URLs it
is given), and an "internal" server on 127.0.0.1 that records every request reaching it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from svc_helpers import image_bytes

from playground.engine.models.base import EngineModel, PredictContext
from playground.engine.server import EngineThread
from playground.files import OutputSaver
from playground.service import Service

PNG = image_bytes("PNG")
BACKEND_HOST = "127.0.0.2"  # another loopback address: the backend is not the internal server


def refused(url: str) -> str:
    return f"the output {url} was not downloaded: it points inside this server's network"


class EchoUrls(EngineModel):
    """Returns the URLs it is given as its output files, and with `own_file` one file it made
    (served by the backend itself)."""

    name = "echo-urls"
    description = "Returns the URLs it is given."
    output_schema = {"type": "array", "items": {"type": "string", "format": "uri"}}

    class Input(BaseModel):
        urls: list[str]
        own_file: bool = False

    def predict(self, inputs: BaseModel, ctx: PredictContext) -> list[Any]:
        assert isinstance(inputs, EchoUrls.Input)
        made: list[Any] = []
        if inputs.own_file:
            path = ctx.workdir / "made.png"
            path.write_bytes(PNG)
            made.append(path)
        return [*inputs.urls, *made]


def internal_app(hits: list[str]) -> Starlette:
    """What only this server's network should reach: it records every request."""
    async def secret(request: Request) -> Response:
        hits.append(request.url.path)
        return Response(PNG, media_type="image/png")

    return Starlette(routes=[Route("/internal-only/{name}", secret)])


def backend_app(internal: str) -> Starlette:
    """A trusted backend origin whose file URLs redirect: inside its own origin, and to the
    internal server."""
    async def own(request: Request) -> Response:
        return Response(PNG, media_type="image/png")

    async def moved_inside(request: Request) -> Response:
        return RedirectResponse("/files/own.png", status_code=302)

    async def moved_out(request: Request) -> Response:
        return RedirectResponse(f"{internal}/internal-only/x.png", status_code=302)

    return Starlette(routes=[Route("/files/own.png", own),
                             Route("/files/moved-inside", moved_inside),
                             Route("/files/moved-out", moved_out)])


@pytest.fixture
def backend(tmp_path: Path) -> Iterator[EngineThread]:
    thread = EngineThread([EchoUrls()], tmp_path / "engine", host=BACKEND_HOST).start()
    yield thread
    thread.stop()


async def test_an_output_inside_this_servers_network_is_not_fetched(
        serve, backend: EngineThread, tmp_path: Path) -> None:
    hits: list[str] = []
    internal = serve(internal_app(hits))
    port = internal.rsplit(":", 1)[1]
    urls = [f"{internal}/internal-only/x.png", f"http://localhost:{port}/internal-only/y.png",
            f"http://[::ffff:127.0.0.1]:{port}/internal-only/z.png",
            "http://169.254.169.254/latest/meta-data/iam.json", "http://10.0.0.5/admin.png"]
    service = Service(backend.url, data_dir=tmp_path / "data", backend="custom")
    try:
        result = await service.run_model("local/echo-urls", {"urls": urls, "own_file": True})
    finally:
        await service.aclose()
    assert result.ok, result.error
    assert hits == []  # nothing reached the internal server
    # the backend's own file (on a loopback address too) is saved; the rest stay as text
    [own] = result.files
    assert own.read_bytes() == PNG and result.local_output == [*urls, own]
    assert result.output_problems == [refused(u) for u in urls]


async def test_a_redirect_from_the_backend_to_inside_the_network_is_refused(
        serve, tmp_path: Path) -> None:
    """The guard is on every hop: the trusted origin may redirect within itself, not inside."""
    hits: list[str] = []
    internal = serve(internal_app(hits))
    backend = serve(backend_app(internal), BACKEND_HOST)
    saver = OutputSaver(tmp_path / "outputs", api_base=backend)
    saved = await saver.save([f"{backend}/files/moved-out", f"{backend}/files/moved-inside"])
    assert hits == []
    assert saved.value[0] == f"{backend}/files/moved-out"
    assert saved.value[1].read_bytes() == PNG
    assert saved.problems == [refused(f"{backend}/files/moved-out")]


async def test_the_page_says_why_an_output_was_not_saved(
        serve, backend: EngineThread, tmp_path: Path) -> None:
    """The refusal reaches the person: the status line says an output was not downloaded, the
    run's Details say which and why in plain words."""
    from playground.ui.context import make_context
    from playground.ui.kit.runner import Run, details_markdown

    hits: list[str] = []
    url = f"{serve(internal_app(hits))}/internal-only/<b>x</b>.png"  # markup: shown as text
    service = Service(backend.url, data_dir=tmp_path / "data", backend="custom")
    run = Run(make_context(service, browser_secret="x" * 16), "models", None, None)
    try:
        async for _ in run.steps(lambda token, on_update, caller: service.run_model(
                "local/echo-urls", {"urls": [url]}, token=token, on_update=on_update,
                caller=caller)):
            pass
    finally:
        await service.aclose()
    assert run.result is not None and hits == []
    status = run.done_status()
    assert "1 output file was not downloaded: see Details for why." in status
    assert url not in status  # an address goes to the Details, not the status line
    details = details_markdown(run.result)
    assert refused(url).replace("<", "&lt;").replace(">", "&gt;") in details
    assert "<b>" not in details


def test_one_address_rule_for_the_app_and_the_engine() -> None:
    """The engine's check and the app's are one function; wrapped IPv4 addresses are judged by
    the address inside (a 6to4 or NAT64 form of 127.0.0.1 is not public)."""
    from playground.addresses import is_public
    from playground.engine import fetch
    from playground.files import netguard

    assert fetch._is_public is netguard.is_public is is_public
    private = ("127.0.0.1", "10.0.0.5", "169.254.169.254", "100.64.0.1", "0.0.0.0", "::1",
               "::ffff:10.0.0.5", "2002:7f00:1::", "64:ff9b::a9fe:a9fe", "fe80::1%eth0",
               "fd00::1", "224.0.0.1")
    assert not any(is_public(a) for a in private)
    assert all(is_public(a) for a in ("8.8.8.8", "2002:808:808::", "64:ff9b::808:808",
                                      "2606:4700::1111"))
