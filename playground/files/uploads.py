"""Reading what the user uploaded, checking it is what the task takes, shrinking big photos."""

from __future__ import annotations

import io
import os
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from PIL import Image, ImageOps, UnidentifiedImageError

from playground.files import sniff as types
from playground.files.datauri import human_size
from playground.files.errors import CorruptFile, UnsupportedFile

Expect = Literal["image", "audio"] | None
# Above this an image is refused before it is decoded: 50 MP holds any phone photo, while a
# 236 kB PNG of 9000x9000 would take 600 MB to decode (and 20000x20000 is a decompression bomb).
MAX_IMAGE_PIXELS = 50_000_000
# Pillow's plugins for the image types we take (sniff.IMAGE_TYPES), by their Pillow names.
_PILLOW_FORMATS = ("PNG", "JPEG", "WEBP", "GIF", "BMP", "TIFF")
Source = str | os.PathLike[str] | bytes | bytearray | Image.Image


@dataclass
class LocalFile:
    """An upload read into memory and checked; `note` describes it ("4032x3024 3.1 MB -> ...")."""

    name: str
    data: bytes
    type: types.FileType
    note: str
    width: int | None = None
    height: int | None = None


def read_source(source: Source, name: str | None = None) -> tuple[str, bytes]:
    """The file's name (for messages) and its bytes. A PIL image is encoded losslessly as PNG."""
    if isinstance(source, Image.Image):
        buf = io.BytesIO()
        source.save(buf, format="PNG")
        return name or "image.png", buf.getvalue()
    if isinstance(source, bytes | bytearray):
        return name or "upload", bytes(source)
    path = Path(source)
    try:
        return name or path.name, path.read_bytes()
    except FileNotFoundError:
        raise UnsupportedFile(f"{path.name} does not exist ({path})", filename=path.name) from None
    except IsADirectoryError:
        raise UnsupportedFile(f"{path.name} is a folder, not a file", filename=path.name) from None


def identify(name: str, data: bytes, expect: Expect) -> types.FileType:
    """The file's type from its content; raises when it is not what the task takes."""
    if not data:
        what = {"image": "an image", "audio": "audio"}.get(expect or "", "a file")
        raise CorruptFile(f"{name} is empty (0 bytes): expected {what}", filename=name)
    found = types.sniff(data)
    if expect == "image":
        if found not in types.IMAGE_TYPES:
            raise UnsupportedFile(
                f"{name} is not an image (expected {types.labels(types.IMAGE_TYPES)})"
                + _seems(found, data), filename=name)
        assert found is not None
        return found
    if expect == "audio":
        if found not in types.AUDIO_TYPES:
            raise UnsupportedFile(
                f"{name} is not audio (expected {types.labels(types.AUDIO_TYPES)})"
                + _seems(found, data), filename=name)
        assert found is not None
        _check_audio(name, data, found)
        return found
    return found or types.sniff_text(data) or types.BINARY


def _seems(found: types.FileType | None, data: bytes) -> str:
    found = found or types.sniff_text(data)
    return f"; it looks like {found.label}" if found and found is not types.BINARY else ""


def _check_audio(name: str, data: bytes, kind: types.FileType) -> None:
    if kind is types.WAV:
        try:
            with wave.open(io.BytesIO(data)) as w:
                frames = w.getnframes()
        except EOFError:
            raise CorruptFile(f"{name} is a truncated WAV file", filename=name) from None
        except wave.Error:
            return  # e.g. float or A-law WAV: valid, just not PCM; the model decodes it
        if frames == 0:
            raise CorruptFile(f"{name} is an empty audio file (a WAV with no samples)",
                              filename=name)
    elif kind is types.MP3 and data[:3] == b"ID3" and len(data) >= 10:
        tag = 10 + ((data[6] << 21) | (data[7] << 14) | (data[8] << 7) | data[9])
        if len(data) - tag < 4:
            raise CorruptFile(f"{name} is an empty audio file (an MP3 tag, no audio frames)",
                              filename=name)


def header_size(source: bytes | Path) -> tuple[int, int] | None:
    """Width and height from the image's header alone (file contents or a path): nothing is
    decoded, and of a file only the header is read.

    `Image.open` would refuse a decompression bomb without saying its size; the plugins it
    uses read only the header."""
    Image.init()
    with (open(source, "rb") if isinstance(source, Path) else io.BytesIO(source)) as f:
        prefix = f.read(16)
        for fmt in _PILLOW_FORMATS:
            factory, accept = Image.OPEN[fmt]
            if accept is not None and accept(prefix) is not True:
                continue
            try:
                f.seek(0)
                return factory(f, "").size  # type: ignore[no-any-return]
            except Exception:  # noqa: BLE001 - a damaged header: decoding it will say so
                continue
    return None


def pixel_problem(name: str, source: bytes | Path, limit: int = MAX_IMAGE_PIXELS) -> str | None:
    """The sentence refusing an image with more than `limit` pixels (from its header), or None."""
    size = header_size(source)
    if size is None or size[0] * size[1] <= limit:
        return None
    w, h = size
    return (f"{name} is {w}x{h} pixels ({w * h / 1e6:,.0f} megapixels); the limit is "
            f"{limit / 1e6:,.0f} megapixels. Use a smaller image.")


def check_pixels(name: str, data: bytes, limit: int = MAX_IMAGE_PIXELS) -> None:
    """Refuses an image with too many pixels before anything decodes it."""
    problem = pixel_problem(name, data, limit)
    if problem:
        raise UnsupportedFile(problem, filename=name)


def open_image(name: str, data: bytes, kind: types.FileType,
               fit: int | None = None) -> tuple[Image.Image, tuple[int, int]]:
    """Decodes the whole image, so truncated and damaged files are caught here, not by the model;
    returns it with its size in the file. A JPEG larger than `fit` is decoded at the smallest
    scale (1/2, 1/4, 1/8) still at least `fit` pixels: libjpeg's DCT scaling, several times
    faster than a full decode of a camera photo, still reads (and checks) every byte."""
    check_pixels(name, data)
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()  # checksums (PNG CRCs) and structure
        image = Image.open(io.BytesIO(data))
        size = image.size
        if fit is not None and max(size) > fit and image.format == "JPEG":
            image.draft(image.mode, (fit, fit))
        image.load()  # "image file is truncated" shows up only when decoding
        return image, size
    except Image.DecompressionBombError as exc:
        raise UnsupportedFile(f"{name} has too many pixels to process ({exc})",
                              filename=name) from None
    except (OSError, SyntaxError, ValueError, UnidentifiedImageError) as exc:
        raise CorruptFile(f"{name} is a damaged or truncated {kind.label} image ({exc})",
                          filename=name) from None


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        image.mode == "P" and "transparency" in image.info)


def prepare_image(name: str, data: bytes, kind: types.FileType,
                  max_side: int | None = 2048) -> LocalFile:
    """Checks the image; when it is larger than `max_side` or rotated by EXIF, downscales and
    re-encodes it: alpha stays (PNG, or WebP for WebP), everything else becomes JPEG q=90."""
    image, (w, h) = open_image(name, data, kind, fit=max_side)
    rotated = image.getexif().get(0x0112, 1) not in (1, None)
    too_big = max_side is not None and max(w, h) > max_side
    animated = getattr(image, "n_frames", 1) > 1
    before = f"{w}x{h} {human_size(len(data))}"
    if animated or not (too_big or rotated):
        return LocalFile(name, data, kind, before, w, h)

    image = ImageOps.exif_transpose(image)
    if too_big and max_side is not None:
        image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    if _has_alpha(image):
        out = types.WEBP if kind is types.WEBP else types.PNG
        image = image.convert("RGBA")
        if out is types.WEBP:
            image.save(buf, format="WEBP", quality=90)
        else:
            image.save(buf, format="PNG")
    else:
        out = types.JPEG
        image.convert("RGB").save(buf, format="JPEG", quality=90)
    new = buf.getvalue()
    nw, nh = image.size
    return LocalFile(_renamed(name, out), new, out,
                     f"{before} -> {nw}x{nh} {human_size(len(new))}", nw, nh)


def _renamed(name: str, kind: types.FileType) -> str:
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return stem + kind.ext


def prepare(source: Source, expect: Expect = None, *, name: str | None = None,
            max_side: int | None = 2048) -> LocalFile:
    """Reads, identifies and (for images) checks and optionally shrinks an upload."""
    name, data = read_source(source, name)
    kind = identify(name, data, expect)
    if kind in types.IMAGE_TYPES and expect == "image":
        return prepare_image(name, data, kind, max_side)
    return LocalFile(name, data, kind, f"{kind.label} {human_size(len(data))}")
