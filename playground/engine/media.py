"""How a stored file is served from the engine's origin: by what its bytes are, never by the
name or type a caller gave it.

`/v1/outputs/...` needs no token and shares the API's origin, so a kept input that a caller
declared `text/html` (or an SVG, which runs scripts) must never render there. Only a raster
image, audio or video recognised by its first bytes is served inline, with that type; anything
else is an `application/octet-stream` attachment. Every response carries `nosniff` and a CSP
that allows no script (and sandboxes all but players), so even a browser that guesses renders
nothing active.
"""

from __future__ import annotations

from pathlib import Path

from starlette.responses import FileResponse

# No script, no plug-in, an opaque origin. A browser's player for a sound or a video fetches
# the URL again, which an opaque origin's CORS check blocks: those (no script in them, by their
# bytes) get the same policy without `sandbox`.
CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
PLAYER_CSP = "default-src 'none'; media-src 'self'; style-src 'unsafe-inline'"
GUARD = {"X-Content-Type-Options": "nosniff", "Content-Security-Policy": CSP}
_PLAYER_GUARD = {**GUARD, "Content-Security-Policy": PLAYER_CSP}
_HEAD = 32
# ISO base media (mp4 and kin): the brand after `ftyp` says which
_BRANDS = {b"avif": "image/avif", b"avis": "image/avif", b"M4A ": "audio/mp4",
           b"qt  ": "video/quicktime"}
_NOT_SHOWN = (b"heic", b"heix", b"mif1", b"msf1", b"crx ")  # browsers cannot show these


def _mpeg_audio(head: bytes) -> bool:
    return head[:3] == b"ID3" or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE6 == 0xE2)


def sniff_bytes(head: bytes) -> str | None:
    """The type of a file that is safe to show inline, from its first bytes; None otherwise."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:2] == b"BM" and head[6:10] == b"\0\0\0\0":
        return "image/bmp"
    if head[:4] == b"RIFF":
        return {b"WEBP": "image/webp", b"WAVE": "audio/wav"}.get(head[8:12])
    if head[:4] == b"OggS":
        return "audio/ogg"
    if head[:4] == b"fLaC":
        return "audio/flac"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "video/webm"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        return None if brand in _NOT_SHOWN else _BRANDS.get(brand, "video/mp4")
    if _mpeg_audio(head):
        return "audio/mpeg"
    return None


def sniff(path: Path) -> str | None:
    with path.open("rb") as f:
        return sniff_bytes(f.read(_HEAD))


def serve(path: Path, name: str) -> FileResponse:
    """A stored file: inline when its bytes are a picture, sound or video; else a download."""
    shown = sniff(path)
    if shown:
        player = shown.startswith(("audio/", "video/"))
        return FileResponse(path, media_type=shown, headers=_PLAYER_GUARD if player else GUARD)
    return FileResponse(path, media_type="application/octet-stream", filename=name,
                        headers=GUARD)
