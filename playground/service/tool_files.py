"""Files in and out of an agent's tool call (`playground --mcp`). No gradio here.

A file comes in as text: an http(s) URL (sent on as it is: the backend fetches it, and the
engine refuses private addresses) or a `data:` URI (decoded here, within the byte limit, and
then checked like any upload). A URL of one of this app's own served outputs is that output
file, found inside the outputs folder and nowhere else. Anything else, a path on this server
above all, is refused in a sentence: no tool ever reads a path it was given.

A file going out is described by what it is (its type from its bytes, never its name), its size
and, for a picture, its pixels, so an agent knows what the URL holds before fetching it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from PIL import Image, UnidentifiedImageError

from playground.files.datauri import decode, decoded_size, human_size
from playground.files.errors import CorruptFile
from playground.files.sniff import BINARY, sniff, sniff_text

from .errors import ServiceError

MAX_URL = 8192  # characters in a file URL
SERVED_FILE = "/gradio_api/file="  # where the page serves a file (its outputs among them)
_HEAD = 4096  # bytes read to tell what a file is


class FileRefused(ServiceError):
    """A file value a tool call cannot take; the message says why and what to give."""


def tool_file(value: Any, what: str, *, output_dir: Path, max_bytes: int) -> bytes | str | Path:
    """The file an agent gave for `what` ("The image"), ready for the service: the bytes of a
    data: URI, one of this app's outputs, or a URL the backend fetches itself."""
    if not isinstance(value, str) or not value.strip():
        raise FileRefused(f"{what} is missing: give it as an http(s) URL or a data: URI.")
    text = value.strip()
    head = text[:8].lower()
    if head.startswith("data:"):
        return _data(text, what, max_bytes)
    if head.startswith(("http://", "https://")):
        if len(text) > MAX_URL or any(c in text for c in "\x00\r\n\t "):
            raise FileRefused(f"{what}: the URL is not valid (too long, or it holds spaces "
                              "or control characters).")
        return own_output(text, output_dir) or text
    raise FileRefused(
        f"{what} must be an http(s) URL or a data: URI (data:<type>;base64,<data>); "
        f"{_shown(text)} is neither. A path or file name on this server is never read.")


def _data(text: str, what: str, max_bytes: int) -> bytes:
    try:
        if decoded_size(text) > max_bytes:
            raise FileRefused(f"{what} is too large: at most {human_size(max_bytes)}.")
        data, _ = decode(text)
    except (CorruptFile, ValueError):
        raise FileRefused(f"{what}: the data: URI is not valid (expected "
                          "data:<type>;base64,<data>).") from None
    if len(data) > max_bytes:
        raise FileRefused(f"{what} is too large: at most {human_size(max_bytes)}.")
    if not data:
        raise FileRefused(f"{what} is empty.")
    return data


def own_output(url: str, output_dir: Path) -> Path | None:
    """The output file a URL of this app names (`…/gradio_api/file=<path>`), if that path is a
    file inside `output_dir`; else None (the URL is then fetched by the backend, as any)."""
    path = unquote(urlsplit(url).path)
    _, found, name = path.partition(SERVED_FILE)
    if not found or not name or "\x00" in name:
        return None
    try:
        root = output_dir.resolve()
        resolved = Path(name).resolve(strict=True)
    except (OSError, RuntimeError, ValueError):
        return None
    if resolved.is_relative_to(root) and resolved.is_file():
        return resolved
    return None


@dataclass(frozen=True)
class FileFacts:
    """What an output file is, for an agent."""

    content_type: str
    size: int  # bytes
    width: int | None = None  # a picture's pixels
    height: int | None = None

    def as_dict(self) -> dict[str, Any]:
        facts: dict[str, Any] = {"content_type": self.content_type, "bytes": self.size,
                                 "size": human_size(self.size)}
        if self.width is not None:
            facts.update(width=self.width, height=self.height)
        return facts


def file_facts(path: Path) -> FileFacts:
    """Type (from the bytes), size and a picture's pixels of an output file (one the app
    saved: the service's `RunResult.files`)."""
    with path.open("rb") as f:
        head = f.read(_HEAD)
    kind = sniff(head) or sniff_text(head) or BINARY
    size = path.stat().st_size
    if kind.kind != "image":
        return FileFacts(kind.mime, size)
    try:
        with Image.open(path) as img:
            width, height = img.size
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError):
        return FileFacts(kind.mime, size)
    return FileFacts(kind.mime, size, width, height)


def _shown(text: str) -> str:
    short = text[:60] + ("…" if len(text) > 60 else "")
    return repr(short.encode("ascii", "backslashreplace").decode("ascii"))
