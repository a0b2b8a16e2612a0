"""Uploads: type from content, data URI round trips, refusals that name the file, shrinking."""

from __future__ import annotations

import io
import re
import threading
import wave
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from svc_helpers import image_bytes, mp3_bytes, noisy_photo, wav_bytes

from playground.files import (
    CorruptFile,
    FileTooLarge,
    UnsupportedFile,
    Uploader,
    datauri,
    prepare,
    shorten,
    shorten_all,
    sniff,
)


async def _roundtrip(data: bytes, expect: str | None, name: str) -> tuple[bytes, str, str]:
    upload = await Uploader().upload(data, expect, name=name)
    assert upload.value.startswith("data:")
    back, mime = datauri.decode(upload.value)
    return back, mime or "", upload.note


@pytest.mark.parametrize(
    ("fmt", "mime"),
    [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("WEBP", "image/webp")],
)
async def test_image_data_uri_roundtrip(fmt: str, mime: str) -> None:
    data = image_bytes(fmt)
    back, got_mime, note = await _roundtrip(data, "image", "pic.bin")  # name says nothing
    assert back == data
    assert got_mime == mime
    assert note == f"pic.bin: data URI, 64x48 {datauri.human_size(len(data))}"


async def test_wav_roundtrip() -> None:
    data = wav_bytes()
    back, mime, note = await _roundtrip(data, "audio", "speech")
    assert (back, mime) == (data, "audio/wav")
    assert "WAV" in note


@pytest.mark.parametrize("id3", [True, False], ids=["id3", "frame-sync"])
async def test_mp3_roundtrip(tmp_path: Path, id3: bool) -> None:
    data = mp3_bytes(tmp_path, id3=id3)
    assert data.startswith(b"ID3") == id3
    back, mime, _ = await _roundtrip(data, "audio", "tone")
    assert (back, mime) == (data, "audio/mpeg")


def test_sniff_other_formats() -> None:
    assert sniff(image_bytes("GIF", mode="L")).label == "GIF"
    assert sniff(image_bytes("BMP")).label == "BMP"
    assert sniff(image_bytes("TIFF")).label == "TIFF"
    assert sniff(b"fLaC\0\0\0\x22" + bytes(40)).label == "FLAC"
    assert sniff(b"OggS\0\x02" + bytes(40)).label == "OGG"
    assert sniff(b"\0\0\0\x20ftypM4A \0\0\0\0" + bytes(20)).label == "M4A"
    assert sniff(b"\0\0\0\x20ftypisom\0\0\0\0" + bytes(20)).label == "MP4"
    assert sniff(b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm").label == "WebM"
    assert sniff(b"\xff\xf1\x50\x80") is None  # AAC ADTS is not MP3
    assert sniff(b"hello") is None


def test_path_and_pil_sources(tmp_path: Path) -> None:
    path = tmp_path / "photo.dat"
    path.write_bytes(image_bytes("JPEG"))
    assert prepare(path, "image").type.label == "JPEG"
    assert prepare(str(path), "image").name == "photo.dat"
    pil = Image.new("RGBA", (10, 10), (255, 0, 0, 0))
    local = prepare(pil, "image")
    assert (local.type.label, local.name, local.width) == ("PNG", "image.png", 10)


def test_text_file_as_image(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("shopping list\n- milk\n")
    with pytest.raises(UnsupportedFile) as info:
        prepare(notes, "image")
    assert str(info.value).startswith("notes.txt is not an image (expected PNG, JPEG, WebP")
    assert "it looks like text" in str(info.value)
    assert info.value.filename == "notes.txt"


def test_image_given_as_audio() -> None:
    with pytest.raises(UnsupportedFile, match=r"^cat.png is not audio \(expected WAV, MP3"):
        prepare(image_bytes("PNG"), "audio", name="cat.png")


def test_truncated_jpeg() -> None:
    data = noisy_photo((400, 300))
    with pytest.raises(CorruptFile, match=r"^cut.jpg is a damaged or truncated JPEG image"):
        prepare(data[: len(data) // 2], "image", name="cut.jpg")


def test_png_with_bad_checksum() -> None:
    data = bytearray(image_bytes("PNG"))
    idat = data.index(b"IDAT")
    data[idat + 10] ^= 0xFF  # flips a byte of compressed data: the CRC no longer matches
    with pytest.raises(CorruptFile, match=r"^bad.png is a damaged or truncated PNG image"):
        prepare(bytes(data), "image", name="bad.png")


def test_empty_audio_file(tmp_path: Path) -> None:
    empty = tmp_path / "voice.wav"
    empty.write_bytes(b"")
    with pytest.raises(CorruptFile, match=r"^voice.wav is empty \(0 bytes\): expected audio"):
        prepare(empty, "audio")
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
    with pytest.raises(CorruptFile, match=r"^silence.wav is an empty audio file"):
        prepare(buf.getvalue(), "audio", name="silence.wav")


def test_large_photo_is_shrunk() -> None:
    data = noisy_photo((4000, 3000))
    local = prepare(data, "image", name="IMG_0001.jpg", max_side=2048)
    assert (local.width, local.height) == (2048, 1536)
    assert len(local.data) < len(data)
    before, after = datauri.human_size(len(data)), datauri.human_size(len(local.data))
    assert local.note == f"4000x3000 {before} -> 2048x1536 {after}"
    assert re.fullmatch(r"4000x3000 [\d.]+ MB -> 2048x1536 [\d.]+ (kB|MB)", local.note)
    with Image.open(io.BytesIO(local.data)) as im:
        assert (im.format, im.size) == ("JPEG", (2048, 1536))
    # without max_side the photo is sent as it is
    assert prepare(data, "image", max_side=None).data == data


def test_big_jpeg_is_shrunk_from_a_scaled_decode_that_still_checks_every_byte() -> None:
    data = noisy_photo((4000, 3000))
    local = prepare(data, "image", name="IMG_0002.jpg", max_side=512)
    assert (local.width, local.height) == (512, 384)
    assert local.note.startswith("4000x3000 ") and " -> 512x384 " in local.note
    # the same picture as a full decode scaled down (the gradient, the noise averaged out)
    with Image.open(io.BytesIO(data)) as im:
        full = np.asarray(im.resize((512, 384), Image.Resampling.LANCZOS), np.float32)
    with Image.open(io.BytesIO(local.data)) as im:
        assert np.abs(np.asarray(im, np.float32) - full).mean() < 8
    with pytest.raises(CorruptFile, match="damaged or truncated"):
        prepare(data[: len(data) // 2], "image", name="cut.jpg", max_side=512)


def test_alpha_is_kept() -> None:
    for fmt in ("PNG", "WEBP"):
        data = image_bytes(fmt, (3000, 1000), mode="RGBA")
        local = prepare(data, "image", name=f"logo.{fmt.lower()}", max_side=1500)
        with Image.open(io.BytesIO(local.data)) as im:
            assert im.format == fmt
            assert im.mode == "RGBA"
            assert im.size == (1500, 500)


def test_exif_orientation_is_applied() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise when shown
    data = image_bytes("JPEG", (400, 200), exif=exif.tobytes())
    local = prepare(data, "image", name="phone.jpg")
    assert (local.width, local.height) == (200, 400)
    assert local.note.startswith("400x200 ") and " -> 200x400 " in local.note


async def test_too_large_without_files_api() -> None:
    data = noisy_photo((1200, 900))
    uploader = Uploader(data_uri_cap=100_000)
    with pytest.raises(FileTooLarge) as info:
        await uploader.upload(data, "image", name="x.jpg", max_side=None)
    size = datauri.human_size(len(data))
    assert str(info.value).startswith(
        f"x.jpg is {size}; the limit without the Files API is 100 kB: resize or compress it")
    # between 256 kB and the cap: a data URI anyway
    upload = await Uploader().upload(data, "image", name="x.jpg", max_side=None)
    assert upload.value.startswith("data:image/jpeg;base64,")


async def test_urls_pass_through() -> None:
    upload = await Uploader().upload("https://example.com/a.png", "image")
    assert upload.value == "https://example.com/a.png"


def test_shorten() -> None:
    uri = datauri.encode(bytes(123_000), "image/png")
    assert shorten(uri) == "data:image/png;base64,AAAA…(123 kB)"
    assert shorten_all({"image": uri, "n": [1, uri], "s": "x"}) == {
        "image": "data:image/png;base64,AAAA…(123 kB)",
        "n": [1, "data:image/png;base64,AAAA…(123 kB)"],
        "s": "x",
    }


async def test_backend_without_files_api_falls_back(serve) -> None:
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from playground.replicate import AsyncClient

    calls: list[str] = []

    async def no_files(request) -> JSONResponse:
        calls.append(request.url.path)
        return JSONResponse({"title": "Not found", "detail": "no such route", "status": 404},
                            status_code=404)

    base = serve(Starlette(routes=[Route("/v1/files", no_files, methods=["POST"])]))
    async with AsyncClient(token="", base_url=base) as client:
        uploader = Uploader(client)
        data = noisy_photo((800, 600))
        first = await uploader.upload(data, "image", name="a.jpg", max_side=None)
        second = await uploader.upload(data, "image", name="b.jpg", max_side=None)
    assert first.value.startswith("data:image/jpeg;base64,")
    assert first.note.startswith("a.jpg: data URI, 800x600 ")
    assert second.value == first.value
    assert calls == ["/v1/files"]  # asked once, then remembered
    assert uploader.files_api is False


async def test_files_api_refusing_the_size(tmp_path: Path) -> None:
    from playground.engine.server import EngineThread
    from playground.replicate import AsyncClient

    engine = EngineThread([], tmp_path / "engine", max_file_size=400_000).start()
    try:
        async with AsyncClient(token="", base_url=engine.url) as client:
            uploader = Uploader(client)
            with pytest.raises(FileTooLarge, match=r"^big.jpg \(\d+ kB\) is too large for the "
                                                   r"backend's Files API"):
                await uploader.upload(noisy_photo((900, 700)), "image", name="big.jpg",
                                      max_side=None)
            ok = await uploader.upload(noisy_photo((700, 600)), "image", name="ok.jpg",
                                       max_side=None)
            assert ok.value.startswith(f"{engine.url}/v1/files/")
    finally:
        engine.stop()


async def test_uploads_are_prepared_off_the_event_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    """Decoding and shrinking a large photo takes a while: it must not stall other users."""
    from playground.files import inputs

    threads: list[int] = []
    real_prepare = inputs.prepare

    def prepare_spy(*args: Any, **kwargs: Any) -> Any:
        threads.append(threading.get_ident())
        return real_prepare(*args, **kwargs)

    monkeypatch.setattr(inputs, "prepare", prepare_spy)
    upload = await Uploader().upload(image_bytes("PNG"), "image", name="a.png")
    assert upload.value.startswith("data:image/png")
    assert threads and threading.get_ident() not in threads


# --- pixels checked from the header, before anything decodes ----------------------------------

def test_a_decompression_bomb_is_refused_by_name_and_size() -> None:
    from bad_files import huge_png

    with pytest.raises(UnsupportedFile) as caught:
        prepare(huge_png(20000, 20000), "image", name="bomb.png")
    assert str(caught.value) == ("bomb.png is 20000x20000 pixels (400 megapixels); the limit "
                                 "is 50 megapixels. Use a smaller image.")


def test_a_big_image_is_refused_before_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    from bad_files import huge_png
    from PIL import ImageFile

    data = huge_png(9000, 9000)  # 81 MP: Pillow itself would decode it (600 MB)

    def no_decoding(self: Any) -> None:
        raise AssertionError("decoded before the size check")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    with pytest.raises(UnsupportedFile, match="9000x9000 pixels"):
        prepare(data, "image", name="big.png")


def test_header_size_reads_common_formats(tmp_path: Path) -> None:
    from playground.files.uploads import header_size

    for fmt in ("PNG", "JPEG", "WEBP", "GIF", "BMP", "TIFF"):
        buf = io.BytesIO()
        Image.new("RGB", (37, 11)).save(buf, format=fmt)
        assert header_size(buf.getvalue()) == (37, 11), fmt
        (tmp_path / f"x.{fmt}").write_bytes(buf.getvalue())
        assert header_size(tmp_path / f"x.{fmt}") == (37, 11), fmt
    assert header_size(b"not an image at all") is None
