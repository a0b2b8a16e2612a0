"""Model cover images: fetched by the app through the public-address guard, kept as thumbnails.

The cloud path on the recorded API (covers on the replay server's stand-in for Replicate's CDN);
the refusals against real loopback servers that count what reached them."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image
from replay_server import ReplayServer, serve
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from playground.files.covers import MAX_BYTES, CoverImages
from playground.service import Service


def png(width: int = 64, height: int = 48) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 90)).save(out, "PNG")
    return out.getvalue()


async def test_covers_of_the_recorded_model_list(tmp_path: Path) -> None:
    with ReplayServer(["models-list", "file-prediction"]) as srv:
        service = Service(srv.url, data_dir=tmp_path, backend="replicate",
                          trusted_origins=[srv.delivery_url])
        try:
            cards = await service.catalog.list_models(token="r8_test")
            first = await service.catalog.covers(cards)
            fetched = len(srv.delivery_requests)
            again = await service.catalog.covers(cards)
        finally:
            await service.aclose()
    with_cover = [c for c in cards if c.cover_image_url]
    assert len(cards) == 25 and len(with_cover) == 23  # two models have none
    assert [p is not None for p in first] == [c.cover_image_url is not None for c in cards]
    assert first == again and len(srv.delivery_requests) == fetched == 23  # cached on disk
    assert not any("authorization" in r.headers for r in srv.delivery_requests)  # no token
    thumb = Path(str(next(p for p in first if p)))
    assert thumb.parent == tmp_path / "covers" and thumb.suffix == ".webp"
    with Image.open(thumb) as image:
        assert image.format == "WEBP" and max(image.size) <= 320


def cover_server(hits: list[str]) -> Starlette:
    big = png(4000, 3000)

    async def cover(request: Request) -> Response:
        name = request.path_params["name"]
        hits.append(name)
        bodies = {"ok.png": (png(), "image/png"), "big.png": (big, "image/png"),
                  "page.html": (b"<html><script>alert(1)</script></html>", "text/html"),
                  "huge.bin": (b"\0" * (MAX_BYTES + 1), "image/png"),
                  "svg.svg": (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/svg+xml"),
                  "bomb.png": (bomb(), "image/png")}
        if name == "moved.png":
            return RedirectResponse("/ok.png")
        if name not in bodies:
            return Response(b"", status_code=404)
        body, kind = bodies[name]
        return Response(body, media_type=kind)

    return Starlette(routes=[Route("/{name}", cover)])


def bomb() -> bytes:
    """A PNG whose header claims 60,000 x 60,000 pixels."""
    data = bytearray(png(1, 1))
    import struct
    import zlib
    data[16:24] = struct.pack(">II", 60_000, 60_000)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


async def test_private_addresses_are_never_fetched(tmp_path: Path) -> None:
    """A hostile server's cover URLs on loopback (or any private address) are refused before a
    connection is made; so are other schemes, credentials in the URL and plain http."""
    hits: list[str] = []
    with serve(cover_server(hits)) as url:
        covers = CoverImages(tmp_path / "covers")
        port = url.rsplit(":", 1)[1]
        found = await covers.thumbnails([
            f"{url}/ok.png", f"http://localhost:{port}/ok.png", f"https://127.0.0.1:{port}/ok.png",
            "https://169.254.169.254/latest/meta-data", "https://10.0.0.1/x.png",
            "https://[::1]/x.png", "file:///etc/passwd", "https://user:pw@example.invalid/x.png",
            "javascript:alert(1)", "https://example.invalid/a b.png", None, ""])
    assert found == [None] * 12
    assert hits == []  # nothing reached the server
    assert not (tmp_path / "covers").exists() or not any((tmp_path / "covers").iterdir())


async def test_what_is_kept_of_a_trusted_origin(tmp_path: Path) -> None:
    """From a trusted origin (the backend's own): only a real image, small enough, without a
    redirect, stored as a re-encoded thumbnail; a failure is not asked for again at once."""
    hits: list[str] = []
    with serve(cover_server(hits)) as url:
        covers = CoverImages(tmp_path / "covers", trusted=[url])
        names = ["ok.png", "big.png", "page.html", "huge.bin", "svg.svg", "bomb.png",
                 "moved.png", "gone.png"]
        found = await covers.thumbnails([f"{url}/{n}" for n in names])
        again = await covers.thumbnails([f"{url}/{n}" for n in names])
    kept = {n for n, p in zip(names, found, strict=True) if p is not None}
    assert kept == {"ok.png", "big.png"}
    assert found == again and sorted(hits) == sorted(names)  # each asked once
    with Image.open(str(found[1])) as thumb:
        assert thumb.size == (320, 240)


async def test_the_guard_refuses_private_addresses_at_connect(tmp_path: Path) -> None:
    """The transport itself (whatever the URL's scheme) connects to public addresses only;
    the trusted origin is reached, the same server under another name is not."""
    import httpx
    import pytest

    from playground.files.netguard import PrivateAddress, is_public, public_only_transport

    hits: list[str] = []
    with serve(cover_server(hits)) as url:
        port = url.rsplit(":", 1)[1]
        async with httpx.AsyncClient(transport=public_only_transport()) as http:
            for target in (f"{url}/ok.png", f"http://localhost:{port}/ok.png"):
                with pytest.raises(PrivateAddress):
                    await http.get(target)
        assert hits == []
        async with httpx.AsyncClient(transport=public_only_transport([url])) as http:
            assert (await http.get(f"{url}/ok.png")).status_code == 200
            with pytest.raises(PrivateAddress):
                await http.get(f"http://localhost:{port}/ok.png")
    assert hits == ["ok.png"]
    assert [is_public(a) for a in ("8.8.8.8", "127.0.0.1", "10.1.2.3", "169.254.169.254",
                                   "::ffff:127.0.0.1", "fe80::1%eth0", "100.64.0.1")] == [
        True, False, False, False, False, False, False]
