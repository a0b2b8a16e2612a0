"""The Files API in both client shapes, size limits, file inputs (own URLs, data URIs, remote
URLs with the private-address guard) and path traversal."""

from __future__ import annotations

import base64
import hashlib
import io
import json
from collections.abc import Iterator
from typing import Any

import httpx
from PIL import Image
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

from .conftest import AppThread

MiB = 1024 * 1024


def png_bytes(color: str = "white", size: int = 8) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (size, size), color).save(buf, "PNG")
    return buf.getvalue()


def decode_data_uri(uri: str) -> bytes:
    return base64.b64decode(uri.split(",", 1)[1])


def test_python_shape_upload_get_list_download_delete(client: httpx.Client) -> None:
    data = b"hello world"
    r = client.post("/v1/files", files={"content": ("hello.txt", data, "text/plain")},
                    data={"metadata": json.dumps({"customer_reference_id": 123})})
    assert r.status_code == 201, r.text
    f = r.json()
    assert f["name"] == "hello.txt" and f["content_type"] == "text/plain"
    assert f["size"] == len(data) and f["metadata"] == {"customer_reference_id": 123}
    assert f["checksums"] == {"sha256": hashlib.sha256(data).hexdigest(),
                              "md5": hashlib.md5(data).hexdigest()}
    assert f["expires_at"] > f["created_at"] and f["etag"]
    assert f["urls"]["get"].startswith("http://")
    assert client.get(f["urls"]["get"]).json() == f
    assert f["id"] in [x["id"] for x in client.get("/v1/files").json()["results"]]
    dl = client.get(f"/v1/files/{f['id']}/download")
    assert dl.content == data
    # as Replicate's document says (and an uploaded page is never rendered from our origin);
    # the declared type stays in the file object
    assert dl.headers["content-type"] == "application/octet-stream"
    assert dl.headers["x-content-type-options"] == "nosniff"
    assert 'filename="hello.txt"' in dl.headers["content-disposition"]
    assert client.delete(f"/v1/files/{f['id']}").status_code == 204
    assert client.get(f"/v1/files/{f['id']}").status_code == 404
    assert client.delete(f"/v1/files/{f['id']}").status_code == 404


def test_js_shape_metadata_as_json_file_part(client: httpx.Client) -> None:
    files = [
        ("content", ("photo.png", png_bytes(), "image/png")),
        ("metadata", ("blob", b'{"a": [1, 2]}', "application/json")),
    ]
    r = client.post("/v1/files", files=files)
    assert r.status_code == 201, r.text
    assert r.json()["metadata"] == {"a": [1, 2]}
    assert r.json()["content_type"] == "image/png" and r.json()["name"] == "photo.png"
    # explicit text fields win over the part's own name and type
    r = client.post("/v1/files", files={"content": ("x.bin", b"abc", "application/octet-stream")},
                    data={"filename": "named.txt", "type": "text/csv"})
    assert r.json()["name"] == "named.txt" and r.json()["content_type"] == "text/csv"
    assert client.post("/v1/files", data={"filename": "x"}).status_code == 422


def test_too_large_is_413_by_header_and_while_reading(make_engine: Any) -> None:
    engine = make_engine(max_file_size=MiB)
    with httpx.Client(base_url=engine.url, timeout=30) as c:
        r = c.post("/v1/files", files={"content": ("big.bin", b"x" * (3 * MiB), "x/y")})
        assert r.status_code == 413
        assert r.headers["content-type"] == "application/problem+json"
        # just over the limit: passes the header check, caught when the part is counted
        r = c.post("/v1/files", files={"content": ("big.bin", b"x" * (MiB + 10), "x/y")})
        assert r.status_code == 413
        # no Content-Length at all (chunked): counted while reading
        boundary = "b0undary"
        head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"content\"; "
                f"filename=\"c.bin\"\r\nContent-Type: x/y\r\n\r\n").encode()

        def chunks() -> Iterator[bytes]:
            yield head
            for _ in range(4):
                yield b"y" * MiB
            yield f"\r\n--{boundary}--\r\n".encode()

        r = c.post("/v1/files", content=chunks(),
                   headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
        assert r.status_code == 413
        assert c.get("/v1/files").json()["results"] == []


def test_too_large_is_413_in_the_js_multipart_shape(make_engine: Any) -> None:
    # the JS client sends the content part and the metadata as a JSON *file* part
    engine = make_engine(max_file_size=MiB)

    def js_parts(content: bytes) -> list[tuple[str, tuple[str, bytes, str]]]:
        return [("content", ("big.bin", content, "x/y")),
                ("metadata", ("blob", b'{"from": "js"}', "application/json"))]

    with httpx.Client(base_url=engine.url, timeout=30) as c:
        r = c.post("/v1/files", files=js_parts(b"x" * (3 * MiB)))  # by the header
        assert r.status_code == 413
        assert r.headers["content-type"] == "application/problem+json"
        r = c.post("/v1/files", files=js_parts(b"x" * (MiB + 10)))  # while counting the part
        assert r.status_code == 413
        assert r.headers["content-type"] == "application/problem+json"
        assert c.get("/v1/files").json()["results"] == []
        ok = c.post("/v1/files", files=js_parts(b"x" * MiB))  # at the limit: accepted
        assert ok.status_code == 201, ok.text
        assert ok.json()["size"] == MiB and ok.json()["metadata"] == {"from": "js"}


def test_path_traversal_refused(engine: Any, client: httpx.Client) -> None:
    secret = engine.app.state.engine.data_dir / "engine.sqlite3"
    assert secret.exists()
    for path in ["/v1/files/..%2Fengine.sqlite3", "/v1/files/../engine.sqlite3/download",
                 "/v1/files/%2e%2e/download", "/v1/outputs/..%2F..%2F/engine.sqlite3",
                 "/v1/outputs/abc/..%2F..%2Fengine.sqlite3", "/v1/outputs/..%2f/..",
                 "/v1/outputs/abc/.%2E"]:
        r = client.get(path)
        assert r.status_code == 404, path
        assert b"SQLite" not in r.content


def test_file_inputs_uploaded_data_uri_and_remote(make_engine: Any) -> None:
    engine = make_engine()
    with httpx.Client(base_url=engine.url, timeout=60) as c:
        up = c.post("/v1/files", files={"content": ("w.png", png_bytes("white"), "image/png")})
        for value in [up.json()["urls"]["get"], up.json()["urls"]["get"] + "/download",
                      "data:image/png;base64," + base64.b64encode(png_bytes()).decode()]:
            pred = c.post("/v1/models/test/invert/predictions", json={"input": {"image": value}},
                          headers={"Prefer": "wait"}).json()
            assert pred["status"] == "succeeded", pred["error"]
            assert pred["output"].startswith("data:image/png;base64,")
            img = Image.open(io.BytesIO(decode_data_uri(pred["output"])))
            assert img.getpixel((0, 0)) == (0, 0, 0)  # white inverted


def _image_host() -> Starlette:
    async def image(request: Any) -> Response:
        return Response(png_bytes("black"), media_type="image/png")

    return Starlette(routes=[Route("/img.png", image)])


def test_private_address_url_input_refused(make_engine: Any) -> None:
    engine = make_engine()
    with AppThread(_image_host()) as host, httpx.Client(base_url=engine.url, timeout=60) as c:
        for url in [host.url + "/img.png", "http://localhost:9/img.png",
                    "http://[::1]:9/img.png", "http://169.254.169.254/latest"]:
            pred = c.post("/v1/models/test/invert/predictions", json={"input": {"image": url}},
                          headers={"Prefer": "wait"}).json()
            assert pred["status"] == "failed"
            assert "private or loopback" in pred["error"], pred["error"]


def test_allow_private_urls_fetches(make_engine: Any) -> None:
    engine = make_engine(allow_private_urls=True)
    with AppThread(_image_host()) as host, httpx.Client(base_url=engine.url, timeout=60) as c:
        pred = c.post("/v1/models/test/invert/predictions",
                      json={"input": {"image": host.url + "/img.png"}},
                      headers={"Prefer": "wait"}).json()
        assert pred["status"] == "succeeded", pred["error"]
        img = Image.open(io.BytesIO(decode_data_uri(pred["output"])))
        assert img.getpixel((0, 0)) == (255, 255, 255)
        missing = c.post("/v1/models/test/invert/predictions",
                         json={"input": {"image": host.url + "/nope.png"}},
                         headers={"Prefer": "wait"}).json()
        assert missing["status"] == "failed" and "404" in missing["error"]


def test_large_output_served_from_data_dir(client: httpx.Client) -> None:
    uri = "data:image/png;base64," + base64.b64encode(png_bytes()).decode()
    pred = client.post("/v1/models/test/invert/predictions",
                       json={"input": {"image": uri, "big": True}},
                       headers={"Prefer": "wait"}).json()
    url = pred["output"]
    assert url.startswith("http://") and url.endswith(".png")
    r = client.get(url)
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    assert len(r.content) > 1024 * 1024
    assert Image.open(io.BytesIO(r.content)).size == (1024, 1024)
    # the URL is stable: the same prediction fetched later gives the same URL
    assert client.get(pred["urls"]["get"]).json()["output"] == url
