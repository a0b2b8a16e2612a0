"""`/v1/files` (uploads in both client shapes) and `/v1/outputs` (large output files)."""

from __future__ import annotations

import datetime as dt
import hashlib
import mimetypes
import re
from collections.abc import Callable
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route
from starlette.types import Message

from . import jsonsafe, media
from .bodies import SPOOL_AT
from .ids import new_id
from .paging import offset_page
from .problems import Problem, not_found
from .responses import JSON
from .state import Engine
from .store import valid_id

MULTIPART_SLACK = 1024 * 1024  # boundaries, headers and text fields around the content
EXPIRY = dt.timedelta(hours=24)
# type/subtype[; param=value]... in printable ASCII: it goes back out as a Content-Type header
_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_MEDIA_TYPE = re.compile(rf"{_TOKEN}/{_TOKEN}(?:[ \t]*;[ \t]*{_TOKEN}=(?:{_TOKEN}|\"[ -~]*\"))*")
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")


class _TooLarge(Exception):
    pass


def _engine(request: Request) -> Engine:
    return request.app.state.engine  # type: ignore[no-any-return]


def _too_large(limit: int) -> Problem:
    return Problem(413, f"Files must be less than {limit // (1024 * 1024)}MB in size",
                   "Request entity too large")


def _iso(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def file_json(rec: dict[str, Any], base: str) -> dict[str, Any]:
    return {**rec, "urls": {"get": f"{base}/v1/files/{rec['id']}"}}


async def _text(value: str | UploadFile | None) -> str | None:
    if isinstance(value, UploadFile):  # the JS client sends metadata as a JSON file part
        return (await value.read()).decode("utf-8", "replace")
    return value


async def create_file(request: Request) -> Response:
    engine = _engine(request)
    limit: int = request.app.state.max_file_size
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit + MULTIPART_SLACK:
        raise _too_large(limit)
    # a large upload holds one of the engine's large-body slots (a 429 past them)
    releases = [engine.large_bodies.take()] if declared and declared.isdigit() and int(
        declared) > SPOOL_AT else []
    try:
        return await _create_file(request, engine, limit, releases)
    finally:
        for release in releases:
            release()


async def _create_file(request: Request, engine: Engine, limit: int,
                       releases: list[Callable[[], None]]) -> Response:
    received = 0

    async def counting_receive() -> Message:
        nonlocal received
        message = await request.receive()
        received += len(message.get("body", b""))
        if received > limit + MULTIPART_SLACK:
            raise _TooLarge()
        if received > SPOOL_AT and not releases:  # no length declared: large now
            releases.append(engine.large_bodies.take())
        return message

    counted = Request(request.scope, counting_receive)
    try:
        form = await counted.form(max_files=4, max_fields=16)
    except _TooLarge as exc:
        raise _too_large(limit) from exc
    content = form.get("content")
    if not isinstance(content, UploadFile):
        raise Problem(422, "multipart part `content` (the file) is required")
    name = await _text(form.get("filename")) or content.filename or "file"
    name = _UNSAFE_NAME.sub("_", name)[:255]
    ctype = (await _text(form.get("type")) or content.content_type
             or mimetypes.guess_type(name)[0] or "application/octet-stream").strip()
    if len(ctype) > 255 or not _MEDIA_TYPE.fullmatch(ctype):
        raise Problem(422, f"type {ctype[:60]!r} is not a media type such as image/png")
    try:
        metadata = jsonsafe.parse(await _text(form.get("metadata")) or "{}")
    except jsonsafe.UnsafeJSON as exc:
        raise Problem(422, f"metadata refused: {exc}") from None
    except ValueError:
        raise Problem(422, "metadata must be valid JSON") from None
    if not isinstance(metadata, dict):
        raise Problem(422, "metadata must be a JSON object")
    fid = new_id()
    dest = engine.files_dir / fid
    sha, md5, size = hashlib.sha256(), hashlib.md5(), 0
    with dest.open("wb") as out:
        while chunk := await content.read(1024 * 1024):
            size += len(chunk)
            if size > limit:
                out.close()
                dest.unlink(missing_ok=True)
                raise _too_large(limit)
            sha.update(chunk)
            md5.update(chunk)
            out.write(chunk)
    now = dt.datetime.now(dt.UTC)
    rec = {
        "id": fid, "name": name, "content_type": ctype, "size": size,
        "etag": md5.hexdigest(),
        "checksums": {"sha256": sha.hexdigest(), "md5": md5.hexdigest()},
        "metadata": metadata, "created_at": _iso(now), "expires_at": _iso(now + EXPIRY),
    }
    engine.store.save_file(rec)
    return JSON(file_json(rec, engine.base_url(request)), status_code=201)


def _purge_expired(engine: Engine) -> None:
    for fid in engine.store.expired_files(_iso(dt.datetime.now(dt.UTC))):
        engine.store.delete_file(fid)
        (engine.files_dir / fid).unlink(missing_ok=True)


def _file(request: Request) -> dict[str, Any]:
    engine = _engine(request)
    fid = request.path_params["id"]
    _purge_expired(engine)
    rec = engine.store.get_file(fid) if valid_id(fid) else None
    if rec is None:
        raise not_found("file")
    return rec


async def list_files(request: Request) -> Response:
    engine = _engine(request)
    _purge_expired(engine)
    base = engine.base_url(request)
    items: list[object] = [file_json(r, base) for r in engine.store.list_files()]
    return JSON(offset_page(request, base, items))


async def get_file(request: Request) -> Response:
    return JSON(file_json(_file(request), _engine(request).base_url(request)))


async def download_file(request: Request) -> Response:
    rec = _file(request)
    path = _engine(request).files_dir / rec["id"]
    # Replicate's document: octet-stream, whatever the upload said (an uploaded HTML file is
    # never rendered from the engine's origin); the name travels in Content-Disposition.
    name = _UNSAFE_NAME.sub("_", str(rec.get("name") or "file"))
    return FileResponse(path, media_type="application/octet-stream", filename=name,
                        headers=media.GUARD)


async def delete_file(request: Request) -> Response:
    rec = _file(request)
    engine = _engine(request)
    engine.store.delete_file(rec["id"])
    (engine.files_dir / rec["id"]).unlink(missing_ok=True)
    return Response(status_code=204)


async def get_output(request: Request) -> Response:
    engine = _engine(request)
    pid, name = request.path_params["id"], request.path_params["name"]
    path = engine.outputs.path(pid, name) if valid_id(pid) else None
    if path is None:
        raise not_found("output file")
    return media.serve(path, name)  # by its bytes: a kept input's type is the caller's word


routes = [
    Route("/v1/files", create_file, methods=["POST"]),
    Route("/v1/files", list_files, methods=["GET"]),
    Route("/v1/files/{id}", get_file, methods=["GET"]),
    Route("/v1/files/{id}", delete_file, methods=["DELETE"]),
    Route("/v1/files/{id}/download", download_file, methods=["GET"]),
    Route("/v1/outputs/{id}/{name}", get_output, methods=["GET"]),
]
