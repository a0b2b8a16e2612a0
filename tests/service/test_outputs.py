"""Outputs saved as local files: URLs from a test server, data URIs, lists, Whisper-like dicts.

The test servers are on loopback, which the saver fetches only from trusted origins (the
backend's own): each test trusts its server (see test_output_guard.py for the refusals)."""

from __future__ import annotations

import asyncio
import hashlib
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route
from svc_helpers import image_bytes, wav_bytes

from playground.files import OutputSaver, datauri, outputs

PNG = image_bytes("PNG")
JPEG = image_bytes("JPEG")
SRT = "1\n00:00:00,000 --> 00:00:01,500\nhello there\n"


def _app(seen: list[tuple[str, str | None]]) -> Starlette:
    async def png(request: Request) -> Response:
        seen.append((request.url.path, request.headers.get("authorization")))
        # a wrong content type on purpose: the bytes decide
        return Response(PNG, media_type="application/octet-stream")

    async def jpeg(request: Request) -> Response:
        seen.append((request.url.path, request.headers.get("authorization")))
        return Response(JPEG, media_type="image/jpeg")

    async def srt(request: Request) -> Response:
        return PlainTextResponse(SRT)

    async def txt(request: Request) -> Response:
        return PlainTextResponse("just some words\n")

    async def big(request: Request) -> Response:
        return Response(bytes(5000), media_type="application/octet-stream")

    async def gone(request: Request) -> Response:
        return PlainTextResponse("gone", status_code=404)

    async def moved(request: Request) -> Response:
        return Response(status_code=302, headers={"location": "/files/a"})

    return Starlette(routes=[
        Route("/files/a", png), Route("/files/b.jpg", jpeg), Route("/files/subs.srt", srt),
        Route("/files/transcription", txt), Route("/files/big", big),
        Route("/files/gone", gone), Route("/files/moved", moved),
    ])


async def test_urls_lists_and_data_uris(serve, tmp_path: Path) -> None:
    base = serve(_app([]))
    saver = OutputSaver(tmp_path / "outputs", trusted=[base])
    wav = wav_bytes(0.1)
    output = [f"{base}/files/a", f"{base}/files/b.jpg", datauri.encode(wav, "audio/wav"),
              f"{base}/files/a", "not a file", 3]
    saved = await saver.save(output)
    png_path = tmp_path / "outputs" / f"{hashlib.sha256(PNG).hexdigest()[:16]}.png"
    assert saved.value[0] == png_path == saved.value[3]
    assert saved.value[1].suffix == ".jpg" and saved.value[1].read_bytes() == JPEG
    assert saved.value[2].suffix == ".wav" and saved.value[2].read_bytes() == wav
    assert saved.value[4:] == ["not a file", 3]
    assert saved.files == saved.value[:3]  # in order, no repeats
    assert png_path.read_bytes() == PNG
    assert saved.problems == []


async def test_whisper_like_dict(serve, tmp_path: Path) -> None:
    base = serve(_app([]))
    saver = OutputSaver(tmp_path / "outputs", trusted=[base])
    output = {
        "transcription": "hello there",
        "detected_language": "english",
        "segments": [{"id": 0, "text": "hello there", "start": 0.0, "end": 1.5}],
        "srt_file": f"{base}/files/subs.srt",
        "txt_file": f"{base}/files/transcription",
        "translation": None,
    }
    saved = await saver.save(output)
    assert saved.value["transcription"] == "hello there"
    assert saved.value["segments"] == output["segments"]
    assert saved.value["srt_file"].suffix == ".srt"
    assert saved.value["srt_file"].read_text() == SRT
    assert saved.value["txt_file"].suffix == ".txt"
    assert saved.files == [saved.value["srt_file"], saved.value["txt_file"]]


async def test_token_only_goes_to_the_api_origin(serve, tmp_path: Path) -> None:
    api_seen: list = []
    cdn_seen: list = []
    api = serve(_app(api_seen))
    cdn = serve(_app(cdn_seen))
    saver = OutputSaver(tmp_path / "out", api_base=api, trusted=[cdn])
    await saver.save([f"{api}/files/a", f"{cdn}/files/b.jpg"], token="r8_secret")
    assert api_seen == [("/files/a", "Bearer r8_secret")]
    assert cdn_seen == [("/files/b.jpg", None)]
    # a redirect is followed, the token only while on the API's origin
    await saver.save(f"{cdn}/files/moved", token="r8_secret")
    assert cdn_seen[-1] == ("/files/a", None)


async def test_failures_are_reported_not_raised(serve, tmp_path: Path) -> None:
    base = serve(_app([]))
    saver = OutputSaver(tmp_path / "out", max_bytes=1000, trusted=[base, "http://127.0.0.1:9"])
    saved = await saver.save({"a": f"{base}/files/gone?sig=secret", "b": f"{base}/files/big",
                              "c": f"{base}/files/a"})
    assert saved.value["a"] == f"{base}/files/gone?sig=secret"  # left as it was
    assert saved.value["c"].suffix == ".png"
    assert saved.problems == [
        f"could not download the output {base}/files/gone: HTTP 404 "
        "(Replicate deletes outputs after an hour)",
        f"the output {base}/files/big is larger than 1.0 kB; not saved",
    ]
    unreachable = await saver.save("http://127.0.0.1:9/x.png")
    assert unreachable.problems[0].startswith("could not download the output http://127.0.0.1:9")


def _trickle_app() -> Starlette:
    async def slow(request: Request) -> Response:
        async def body() -> AsyncIterator[bytes]:
            for _ in range(100):  # a byte every 0.1 s: each read is quick, the whole is not
                yield b"x"
                await asyncio.sleep(0.1)

        return StreamingResponse(body(), media_type="application/octet-stream")

    return Starlette(routes=[Route("/files/slow", slow)])


async def test_a_trickling_download_is_cut_at_the_total_time_cap(serve, tmp_path: Path) -> None:
    base = serve(_trickle_app())
    saver = OutputSaver(tmp_path / "out", max_seconds=1.0, trusted=[base])
    saved = await saver.save([f"{base}/files/slow?sig=secret"])
    assert saved.files == []
    assert saved.problems == [f"downloading the output {base}/files/slow took over 1 s; not saved"]


async def test_files_are_hashed_and_written_off_the_event_loop(
        serve, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    threads: list[int] = []
    real_store = outputs.store

    def store(*args: Any) -> Path:
        threads.append(threading.get_ident())
        return real_store(*args)

    monkeypatch.setattr(outputs, "store", store)
    base = serve(_app([]))
    saver = OutputSaver(tmp_path / "outputs", trusted=[base])
    saved = await saver.save([f"{base}/files/a", datauri.encode(JPEG, "image/jpeg")])
    assert len(saved.files) == 2 and len(threads) == 2
    assert threading.get_ident() not in threads
