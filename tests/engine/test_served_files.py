"""What the engine's own origin serves (`/v1/outputs/...`, no token needed): a kept input or an
output is never a live page. The type comes from the bytes, never from the caller; only a
raster image, audio or video is shown inline; everything has nosniff and a sandboxing CSP."""

from __future__ import annotations

import base64
import io
import wave
from typing import Any

import httpx
import pytest
from PIL import Image

from .models import Invert

PAD = 70 * 1024  # past the 64 KiB under which a data URI stays inline in the prediction
PAGE = b"<!doctype html><html><body><script>alert(document.domain)</script><!--" + (
    b"x" * PAD) + b"--></body></html>"
DRAWING = (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.domain)</script>'
           b"<!--" + b"x" * PAD + b"--></svg>")


def _noise_png() -> bytes:
    buf = io.BytesIO()
    Image.effect_noise((200, 200), 90).convert("RGB").save(buf, "PNG")
    assert len(buf.getvalue()) > PAD
    return buf.getvalue()


def _wav() -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\0\1" * PAD)
    return buf.getvalue()


def _kept(c: httpx.Client, mime: str, data: bytes) -> str:
    uri = f"data:{mime};base64," + base64.b64encode(data).decode()
    r = c.post("/v1/models/test/invert/predictions", json={"input": {"image": uri}},
               headers={"Prefer": "wait"})
    assert r.status_code == 201, r.text
    url: str = r.json()["input"]["image"]
    assert "/v1/outputs/" in url
    return url


def _assert_guarded(r: httpx.Response, sandbox: bool = True) -> None:
    assert r.headers["x-content-type-options"] == "nosniff"
    csp = r.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script" not in csp
    # a browser's player fetches the URL again, which a sandbox's opaque origin cannot
    assert ("sandbox" in csp) == sandbox


def _assert_download(r: httpx.Response, body: bytes) -> None:
    assert r.status_code == 200 and r.content == body
    assert r.headers["content-type"] == "application/octet-stream"
    assert r.headers["content-disposition"].startswith("attachment")
    _assert_guarded(r)


@pytest.mark.parametrize(("mime", "body"), [
    ("text/html", PAGE), ("image/svg+xml", DRAWING), ("application/xhtml+xml", PAGE),
    ("image/png", PAGE),  # a page that says it is a picture
])
def test_a_kept_input_is_never_served_as_a_page(make_engine: Any, mime: str,
                                               body: bytes) -> None:
    engine = make_engine(models=[Invert()])
    with httpx.Client(base_url=engine.url, timeout=60) as c:
        url = _kept(c, mime, body)
        _assert_download(c.get(url), body)


def test_a_kept_picture_is_shown_by_what_its_bytes_are(make_engine: Any) -> None:
    engine = make_engine(models=[Invert()])
    png = _noise_png()
    with httpx.Client(base_url=engine.url, timeout=60) as c:
        for declared in ("image/png", "text/html"):  # the caller's word does not count
            r = c.get(_kept(c, declared, png))
            assert r.status_code == 200 and r.content == png
            assert r.headers["content-type"] == "image/png"
            assert "attachment" not in r.headers.get("content-disposition", "")
            _assert_guarded(r)
        sound = _wav()
        r = c.get(_kept(c, "text/html", sound))
        assert r.headers["content-type"] == "audio/wav" and r.content == sound
        _assert_guarded(r, sandbox=False)


def test_outputs_and_uploads_carry_the_same_guards(make_engine: Any) -> None:
    engine = make_engine(models=[Invert()])
    png = _noise_png()
    with httpx.Client(base_url=engine.url, timeout=60) as c:
        uri = "data:image/png;base64," + base64.b64encode(png).decode()
        pred = c.post("/v1/models/test/invert/predictions",
                      json={"input": {"image": uri, "big": True}},
                      headers={"Prefer": "wait"}).json()
        assert pred["status"] == "succeeded", pred["error"]
        out = c.get(pred["output"])
        assert out.headers["content-type"] == "image/png"
        _assert_guarded(out)
        up = c.post("/v1/files", files={"content": ("page.html", PAGE, "text/html")}).json()
        _assert_download(c.get(f"/v1/files/{up['id']}/download"), PAGE)
