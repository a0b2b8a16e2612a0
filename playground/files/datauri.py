"""`data:` URIs: make, read, and shorten them for display."""

from __future__ import annotations

import base64
import binascii
import urllib.parse
from typing import Any

from playground.files.errors import CorruptFile


def human_size(n: int) -> str:
    """Sizes the way people read them: "410 kB", "3.1 MB" (decimal units, like file managers)."""
    size = float(n)
    for unit in ("B", "kB", "MB", "GB"):
        if unit == "B" and size < 1000:
            return f"{n} B"
        if unit != "B":
            text = f"{size:.0f}" if size >= 9.95 else f"{size:.1f}"
            if float(text) < 1000 or unit == "GB":
                return f"{text} {unit}"
        size /= 1000
    raise AssertionError("unreachable")


def encode(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def decode(uri: str) -> tuple[bytes, str | None]:
    """The bytes and the declared media type of a `data:` URI (base64 or percent-encoded)."""
    header, sep, payload = uri.partition(",")
    if not uri.startswith("data:") or not sep:
        raise CorruptFile("not a data: URI (expected data:<type>;base64,<data>)")
    params = header[5:].split(";")
    mime = params[0] or None
    if "base64" in params[1:]:
        try:
            return base64.b64decode(payload, validate=False), mime
        except (binascii.Error, ValueError) as exc:
            raise CorruptFile(f"a data: URI output is not valid base64 ({exc})") from exc
    return urllib.parse.unquote_to_bytes(payload), mime


def decoded_size(uri: str) -> int:
    payload = uri.partition(",")[2]
    if ";base64" in uri[: uri.find(",")]:
        return len(payload) * 3 // 4 - payload[-2:].count("=")
    return len(urllib.parse.unquote_to_bytes(payload))


def shorten(uri: str, keep: int = 4) -> str:
    """`data:image/png;base64,iVBO…(123 kB)`: enough to recognise it, short enough to print."""
    header, _, payload = uri.partition(",")
    return f"{header},{payload[:keep]}…({human_size(decoded_size(uri))})"


def shorten_all(value: Any) -> Any:
    """The same structure with every data URI shortened (inputs shown in the UI and in logs)."""
    if isinstance(value, str):
        return shorten(value) if value.startswith("data:") and "," in value else value
    if isinstance(value, dict):
        return {k: shorten_all(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [shorten_all(v) for v in value]
    return value
