"""client.files: multipart uploads and the file endpoints."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from replay_server import serve
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from playground.replicate import AsyncClient


class FilesAPI:
    def __init__(self) -> None:
        self.uploads: list[dict[str, Any]] = []
        self.deleted: list[str] = []
        self.app = Starlette(routes=[
            Route("/v1/files", self.create, methods=["POST"]),
            Route("/v1/files/{fid}", self.one, methods=["GET", "DELETE"]),
        ])

    async def create(self, request: Request) -> JSONResponse:
        form = await request.form()
        part = form["content"]
        assert isinstance(part, UploadFile)
        data = await part.read()
        self.uploads.append({"content": data, "part_filename": part.filename,
                             "part_type": part.content_type,
                             **{k: v for k, v in form.items() if k != "content"}})
        base = str(request.base_url).rstrip("/")
        return JSONResponse({
            "id": f"f{len(self.uploads)}", "name": form.get("filename"),
            "content_type": form.get("type"), "size": len(data), "etag": "x",
            "checksums": {"sha256": "0" * 64}, "metadata": json.loads(str(form.get("metadata")
                                                                          or "{}")),
            "created_at": "2026-01-01T00:00:00Z", "expires_at": "2026-01-02T00:00:00Z",
            "urls": {"get": f"{base}/v1/files/f{len(self.uploads)}"}}, status_code=201)

    async def one(self, request: Request) -> Response:
        fid = request.path_params["fid"]
        if request.method == "DELETE":
            self.deleted.append(fid)
            return Response(status_code=204)
        return JSONResponse({"id": fid, "name": "a.png", "urls": {"get": str(request.url)}})


async def test_upload_bytes_as_multipart(make_client: Callable[..., AsyncClient]) -> None:
    api = FilesAPI()
    with serve(api.app) as url:
        created = await make_client(url).files.create(
            b"\x89PNG fake", filename="photo.png", metadata={"owner": "test"})
    upload = api.uploads[0]
    assert upload["content"] == b"\x89PNG fake"
    assert upload["part_filename"] == "photo.png" and upload["part_type"] == "image/png"
    assert upload["filename"] == "photo.png" and upload["type"] == "image/png"
    assert json.loads(upload["metadata"]) == {"owner": "test"}
    assert created.size == 9 and created.metadata == {"owner": "test"}
    assert created.urls is not None and created.urls.get == f"{url}/v1/files/f1"


async def test_upload_path_and_file_object(
    tmp_path: Path, make_client: Callable[..., AsyncClient]
) -> None:
    path = tmp_path / "clip.wav"
    path.write_bytes(b"RIFF....WAVE")
    api = FilesAPI()
    with serve(api.app) as url:
        client = make_client(url)
        await client.files.create(path)
        with path.open("rb") as handle:
            await client.files.create(handle, content_type="audio/x-custom")
        fetched = await client.files.get("f1")
        await client.files.delete("f1")
    assert [u["filename"] for u in api.uploads] == ["clip.wav", "clip.wav"]
    assert api.uploads[0]["type"] in ("audio/x-wav", "audio/wav")
    assert api.uploads[1]["type"] == "audio/x-custom"
    assert all(u["content"] == b"RIFF....WAVE" for u in api.uploads)
    assert "metadata" not in api.uploads[0]
    assert fetched.id == "f1" and api.deleted == ["f1"]
