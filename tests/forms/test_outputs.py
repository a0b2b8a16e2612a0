"""How outputs are shown, from the output schema, and which files an output holds."""

from __future__ import annotations

from typing import Any

import pytest

from playground.forms import file_urls, media_kind, output_view


def with_output(output: Any, **components: Any) -> dict[str, Any]:
    return {"components": {"schemas": {"Input": {}, "Output": output, **components}}}


@pytest.mark.parametrize(("output", "kind", "streams"), [
    ({"type": "string", "format": "uri"}, "file", False),
    ({"type": "array", "items": {"type": "string", "format": "uri"}}, "files", False),
    ({"type": "array", "items": {"type": "string", "format": "uri"},
      "x-cog-array-type": "iterator"}, "files", True),
    ({"type": "array", "items": {"type": "string"}, "x-cog-array-type": "iterator",
      "x-cog-array-display": "concatenate"}, "text_stream", True),
    ({"type": "array", "items": {"type": "string"}, "x-cog-array-type": "iterator"},
     "text", True),
    ({"type": "string"}, "text", False),
    ({"type": "number"}, "text", False),
    ({"type": "object", "properties": {"a": {"type": "string"}}}, "json", False),
    ({"$ref": "#/components/schemas/ModelOutput"}, "json", False),
    ({"type": "array", "items": {"type": "integer"}}, "json", False),
    ({}, "json", False),
])
def test_views(output: dict[str, Any], kind: str, streams: bool) -> None:
    view = output_view(with_output(output, ModelOutput={"type": "object"}))
    assert (view.kind, view.streams) == (kind, streams)


def test_no_or_broken_output_schema_is_json_with_a_note() -> None:
    assert output_view(None).kind == "json"
    assert output_view({"components": {"schemas": {}}}).note
    broken = output_view(with_output({"$ref": "#/components/schemas/Gone"}))
    assert broken.kind == "json" and "Gone" in broken.note


@pytest.mark.parametrize(("name", "kind"), [
    ("out-0.png", "image"), ("https://x.test/a/out.WEBP?sig=1", "image"),
    ("speech.wav", "audio"), ("a.flac", "audio"), ("clip.mp4", "video"), ("x.webm", "video"),
    ("transcript.srt", "file"), ("weights.tar", "file"), ("noext", "file"),
])
def test_media_kind(name: str, kind: str) -> None:
    assert media_kind(name) == kind


def test_media_kind_prefers_the_content_type() -> None:
    assert media_kind("blob", "audio/mpeg") == "audio"
    assert media_kind("x.png", "application/octet-stream") == "file"


def test_file_urls_inside_an_object() -> None:
    output = {"transcription": "see https://example.com for more",
              "srt_file": "https://replicate.delivery/a/out.srt",
              "segments": [{"preview": "data:image/png;base64,AAAA"},
                           {"again": "https://replicate.delivery/a/out.srt"}],
              "score": 0.5}
    assert list(file_urls(output)) == ["https://replicate.delivery/a/out.srt",
                                       "data:image/png;base64,AAAA"]
