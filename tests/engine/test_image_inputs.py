"""Image inputs are sized from their header before any pixel is decoded: a 236 kB PNG can
declare 9000x9000 pixels (hundreds of MB once decoded)."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image, ImageFile

from playground.engine.models import _esrgan
from playground.engine.models._common import open_image


def png_declaring(width: int, height: int) -> bytes:
    """A small valid PNG whose header is rewritten to claim `width` x `height`."""
    buf = io.BytesIO()
    Image.new("L", (8, 8)).save(buf, "PNG")
    data = bytearray(buf.getvalue())
    ihdr = bytearray(data[12:29])  # b"IHDR" + 13 bytes of fields
    ihdr[4:12] = struct.pack(">II", width, height)
    data[12:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(ihdr)))
    return bytes(data)


@pytest.fixture
def decodes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    real = ImageFile.ImageFile.load

    def load(self: ImageFile.ImageFile) -> object:
        calls.append("load")
        return real(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)
    return calls


def test_a_huge_declared_size_is_refused_before_decoding(tmp_path: Path,
                                                          decodes: list[str]) -> None:
    path = tmp_path / "big.png"
    path.write_bytes(png_declaring(9000, 9000))
    with pytest.raises(ValueError, match=r"9000x9000 \(81.0 MP\).*resize it first"):
        open_image(path)
    with pytest.raises(ValueError, match="9000x9000"):  # the upscaler's own, lower limit
        open_image(path, lambda w, h: _esrgan.check_size(w, h, 2))
    assert decodes == []


def test_a_decompression_bomb_is_said_plainly(tmp_path: Path, decodes: list[str]) -> None:
    path = tmp_path / "bomb.png"
    path.write_bytes(png_declaring(20000, 20000))
    with pytest.raises(ValueError, match="far too large") as info:
        open_image(path)
    assert "DecompressionBomb" not in str(info.value) and str(tmp_path) not in str(info.value)
    assert decodes == []


def test_a_normal_image_still_opens(tmp_path: Path) -> None:
    path = tmp_path / "ok.png"
    Image.new("RGB", (64, 48), "blue").save(path)
    img = open_image(path)
    assert img.size == (64, 48) and img.getpixel((0, 0)) == (0, 0, 255)
