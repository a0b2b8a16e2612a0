"""What a file is, from its first bytes (never from its name)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal["image", "audio", "video", "text", "other"]


@dataclass(frozen=True)
class FileType:
    mime: str
    ext: str  # with the dot
    kind: Kind
    label: str  # what users call it: "PNG", "MP3"


PNG = FileType("image/png", ".png", "image", "PNG")
JPEG = FileType("image/jpeg", ".jpg", "image", "JPEG")
WEBP = FileType("image/webp", ".webp", "image", "WebP")
GIF = FileType("image/gif", ".gif", "image", "GIF")
BMP = FileType("image/bmp", ".bmp", "image", "BMP")
TIFF = FileType("image/tiff", ".tiff", "image", "TIFF")
WAV = FileType("audio/wav", ".wav", "audio", "WAV")
MP3 = FileType("audio/mpeg", ".mp3", "audio", "MP3")
FLAC = FileType("audio/flac", ".flac", "audio", "FLAC")
OGG = FileType("audio/ogg", ".ogg", "audio", "OGG")
M4A = FileType("audio/mp4", ".m4a", "audio", "M4A")
MP4 = FileType("video/mp4", ".mp4", "video", "MP4")
MOV = FileType("video/quicktime", ".mov", "video", "QuickTime")
WEBM = FileType("video/webm", ".webm", "video", "WebM")
MKV = FileType("video/x-matroska", ".mkv", "video", "Matroska")
PDF = FileType("application/pdf", ".pdf", "other", "PDF")
ZIP = FileType("application/zip", ".zip", "other", "ZIP")
JSON = FileType("application/json", ".json", "text", "JSON")
SRT = FileType("application/x-subrip", ".srt", "text", "SRT")
VTT = FileType("text/vtt", ".vtt", "text", "WebVTT")
TEXT = FileType("text/plain", ".txt", "text", "text")
BINARY = FileType("application/octet-stream", ".bin", "other", "binary")

IMAGE_TYPES = (PNG, JPEG, WEBP, GIF, BMP, TIFF)
AUDIO_TYPES = (WAV, MP3, FLAC, OGG, M4A, MP4, WEBM)  # containers that carry sound too

_BY_MIME = {
    t.mime: t
    for t in (PNG, JPEG, WEBP, GIF, BMP, TIFF, WAV, MP3, FLAC, OGG, M4A, MP4, MOV, WEBM, MKV,
              PDF, ZIP, JSON, SRT, VTT, TEXT)
}
_BY_MIME.update({"image/jpg": JPEG, "audio/x-wav": WAV, "audio/wave": WAV, "audio/mp3": MP3,
                 "audio/x-flac": FLAC, "audio/x-m4a": M4A, "audio/webm": WEBM,
                 "image/x-ms-bmp": BMP, "text/srt": SRT})
_SRT_START = re.compile(rb"\A\s*\d+\s*\r?\n\d\d:\d\d:\d\d[,.]\d{3} --> ")


def _is_mp3_frame(head: bytes) -> bool:
    # 11 sync bits, MPEG version not "reserved" (01), layer not "reserved" (00): the layer test
    # also keeps AAC ADTS (layer 00) and JPEG (FF D8) out.
    return (len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0
            and head[1] & 0x18 != 0x08 and head[1] & 0x06 != 0)


def sniff(data: bytes) -> FileType | None:
    """The type of a media file from its magic bytes, or None when unknown."""
    head = data[:64]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return WAV
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head[:2] == b"BM" and len(head) >= 26 and head[6:10] == b"\0\0\0\0":
        return BMP
    if head[:4] in (b"II*\0", b"MM\0*"):
        return TIFF
    if head[:3] == b"ID3" or _is_mp3_frame(head):
        return MP3
    if head[:4] == b"fLaC":
        return FLAC
    if head[:4] == b"OggS":
        return OGG
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"M4A ", b"M4B ", b"M4P "):
            return M4A
        return MOV if brand == b"qt  " else MP4
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return WEBM if b"webm" in data[:4096] else MKV
    if head[:5] == b"%PDF-":
        return PDF
    if head[:4] == b"PK\x03\x04":
        return ZIP
    return None


def sniff_text(data: bytes) -> FileType | None:
    """Text outputs (Whisper's .txt/.srt/.vtt files, JSON): None unless it decodes as UTF-8."""
    sample = data[:4096]
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError:
        # a multi-byte character cut at the sample's end is still text
        try:
            sample[:-3].decode("utf-8")
        except UnicodeDecodeError:
            return None
    if b"\0" in sample:
        return None
    stripped = sample.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"WEBVTT"):
        return VTT
    if _SRT_START.match(stripped):
        return SRT
    if stripped[:1] in (b"{", b"["):
        return JSON
    return TEXT


def from_mime(content_type: str | None) -> FileType | None:
    if not content_type:
        return None
    return _BY_MIME.get(content_type.split(";")[0].strip().lower())


def labels(types: tuple[FileType, ...]) -> str:
    """"PNG, JPEG, WebP, GIF, BMP or TIFF"."""
    names = list(dict.fromkeys(t.label for t in types))
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
