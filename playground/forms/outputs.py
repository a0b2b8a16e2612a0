"""How to show a version's output, from `components.schemas.Output`, and what a file is.

The schema says the shape (one file, a list of files, streamed text, an object); only the file
itself says whether it is an image, a sound or a film, so `media_kind()` judges each file and
`OutputView.kind` the structure.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from .fields import SchemaProblem, resolve

OutputKind = Literal["file", "files", "text_stream", "text", "json"]
MediaKind = Literal["image", "audio", "video", "file"]

_MEDIA: dict[str, MediaKind] = {"image": "image", "audio": "audio", "video": "video"}
# mimetypes misses or misnames a few that models return.
_EXTRA_TYPES = {".webp": "image/webp", ".flac": "audio/flac", ".m4a": "audio/mp4",
                ".opus": "audio/ogg", ".webm": "video/webm", ".mkv": "video/x-matroska"}


@dataclass(frozen=True)
class OutputView:
    """How the output of one version is shown.

    file: one file (image/audio/video player by its media kind, else a download);
    files: a list of files (a gallery when they are images);
    text_stream: a concatenated string iterator, streamed as it comes (like Chat);
    text: a string (or a number, a boolean, a list of strings joined);
    json: anything else, shown as JSON, with any file URLs inside previewed.
    """

    kind: OutputKind
    streams: bool = False  # the output arrives piece by piece (x-cog-array-type: iterator)
    note: str = ""


def output_view(openapi_schema: Any) -> OutputView:
    """The view for a version; a version without an output schema is shown as JSON."""
    components = openapi_schema.get("components") if isinstance(openapi_schema, Mapping) else None
    schemas = components.get("schemas") if isinstance(components, Mapping) else None
    output = schemas.get("Output") if isinstance(schemas, Mapping) else None
    if not isinstance(output, Mapping):
        return OutputView("json", note="This version does not describe its output.")
    try:
        resolved = resolve(output, schemas)  # type: ignore[arg-type]
    except SchemaProblem as exc:
        return OutputView("json", note=f"Its output schema is malformed: {exc}")
    return _view(resolved, schemas)  # type: ignore[arg-type]


def _view(output: Mapping[str, Any], schemas: Mapping[str, Any]) -> OutputView:
    kind = output.get("type")
    if kind == "array":
        items = output.get("items")
        try:
            items = resolve(items, schemas) if isinstance(items, Mapping) else {}
        except SchemaProblem:
            items = {}
        iterator = output.get("x-cog-array-type") == "iterator"
        if items.get("type") == "string" and items.get("format") == "uri":
            return OutputView("files", streams=iterator)
        if items.get("type") == "string":
            if iterator and output.get("x-cog-array-display") == "concatenate":
                return OutputView("text_stream", streams=True)
            return OutputView("text", streams=iterator)
        return OutputView("json", streams=iterator)
    if kind == "string":
        return OutputView("file" if output.get("format") == "uri" else "text")
    if kind in ("integer", "number", "boolean"):
        return OutputView("text")
    return OutputView("json")


def media_kind(name: str | Path, content_type: str | None = None) -> MediaKind:
    """image, audio, video or file: from a content type, or a file name's extension."""
    if not content_type:
        suffix = Path(str(name).split("?", 1)[0]).suffix.lower()
        content_type = _EXTRA_TYPES.get(suffix) or mimetypes.guess_type(f"x{suffix}")[0] or ""
    return _MEDIA.get(content_type.split("/", 1)[0].strip().lower(), "file")


def file_urls(value: Any, _depth: int = 0) -> Iterator[str]:
    """Every file URL inside an output (http(s) or data URIs), in order, each once."""
    seen: set[str] = set()
    for url in _walk(value, 0):
        if url not in seen:
            seen.add(url)
            yield url


def _walk(value: Any, depth: int) -> Iterator[str]:
    if depth > 32:
        return
    if isinstance(value, str):
        if value.startswith(("http://", "https://", "data:")) and (
                value.startswith("data:") or _looks_like_file(value)):
            yield value
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _walk(item, depth + 1)
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _walk(item, depth + 1)


def _looks_like_file(url: str) -> bool:
    """A URL with a file name (…/out-0.png), not a web page a model mentions in its text."""
    path = url.split("?", 1)[0].split("#", 1)[0]
    last = path.rstrip("/").rsplit("/", 1)[-1]
    return "." in last and " " not in url
