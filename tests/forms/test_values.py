"""What a form sends, checked against the schema: plain messages naming the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from playground.forms import InputProblem, coerce_inputs, coerce_value, form_from_schema

from .conftest import seed_schemas
from .test_fields import ESRGAN, LLAMA2, SDXL, WHISPER, schema_of

SEEDS = seed_schemas()


def problem(form_schema: dict[str, Any], values: dict[str, Any], **kw: Any) -> str:
    with pytest.raises(InputProblem) as info:
        coerce_inputs(form_from_schema(form_schema), values, **kw)
    return str(info.value)


def test_numbers_from_the_form_keep_their_types() -> None:
    form = form_from_schema(SEEDS[SDXL])
    sent = coerce_inputs(form, {"prompt": "a cat", "num_outputs": 2.0, "width": "768",
                                "guidance_scale": "7", "seed": 42.0, "scheduler": "DDIM",
                                "apply_watermark": False, "negative_prompt": ""})
    assert sent["num_outputs"] == 2 and isinstance(sent["num_outputs"], int)
    assert sent["width"] == 768 and isinstance(sent["width"], int)
    assert sent["seed"] == 42 and isinstance(sent["seed"], int)
    assert sent["guidance_scale"] == 7 and isinstance(sent["guidance_scale"], int | float)
    assert sent["apply_watermark"] is False  # an explicit False is sent
    assert "negative_prompt" not in sent and "image" not in sent  # empty: the default applies
    assert sent["prompt"] == "a cat" and sent["scheduler"] == "DDIM"


@pytest.mark.parametrize(("values", "expected"), [
    ({"scale": 11}, "Scale: must be between 0 and 10 (got 11)."),
    ({"scale": -0.5}, "Scale: must be between 0 and 10 (got -0.5)."),
    ({"scale": float("nan")}, "Scale: must be a finite number (not NaN or infinity)."),
    ({"scale": "inf"}, "Scale: must be a finite number (not NaN or infinity)."),
    ({"scale": "-Infinity"}, "Scale: must be a finite number (not NaN or infinity)."),
    ({"scale": "two"}, "Scale: 'two' is not a number."),
    ({"scale": True}, "Scale: must be a number."),
    ({"face_enhance": "maybe"}, "Face Enhance: must be true or false."),
])
def test_bad_numbers_name_the_field_and_the_range(values: dict[str, Any], expected: str,
                                                 tmp_path: Path) -> None:
    image = tmp_path / "a.png"
    image.write_bytes(b"x")
    assert problem(SEEDS[ESRGAN], {"image": image, **values}) == expected


def test_integers_must_be_whole_and_sane() -> None:
    sdxl = SEEDS[SDXL]
    assert problem(sdxl, {"num_outputs": 2.5}) == "Num Outputs: must be a whole number (got 2.5)."
    assert problem(sdxl, {"num_outputs": 9}) == "Num Outputs: must be between 1 and 4 (got 9)."
    assert problem(sdxl, {"seed": 10**30}) == "Seed: is too large."
    assert problem(sdxl, {"seed": "1e400"}) == \
        "Seed: must be a finite number (not NaN or infinity)."


def test_exclusive_bounds() -> None:
    form = form_from_schema(schema_of({"scale": {"type": "number", "exclusiveMinimum": 0,
                                                 "maximum": 8}}))
    with pytest.raises(InputProblem, match=r"Scale: must be more than 0 and at most 8 \(got 0\)"):
        coerce_inputs(form, {"scale": 0})
    assert coerce_inputs(form, {"scale": 8}) == {"scale": 8}


def test_required_inputs() -> None:
    assert problem(SEEDS[LLAMA2], {"prompt": ""}) == "Prompt: required; give a value."
    assert problem(SEEDS[WHISPER], {}) == "Audio: required; upload a file."


def test_choices() -> None:
    form = form_from_schema(SEEDS[WHISPER])
    assert coerce_inputs(form, {"audio": "https://example.com/a.wav",
                                "transcription": "srt"})["transcription"] == "srt"
    with pytest.raises(InputProblem, match="Transcription: 'docx' is not one of the choices "
                                           r"\(plain text, srt, vtt\)"):
        coerce_inputs(form, {"audio": "https://example.com/a.wav", "transcription": "docx"})
    ints = form_from_schema(schema_of({"steps": {"type": "integer", "enum": [1, 2, 4]}}))
    assert coerce_inputs(ints, {"steps": "2"}) == {"steps": 2}  # from a link: a string
    assert coerce_inputs(ints, {"steps": 4.0}) == {"steps": 4}
    assert type(coerce_inputs(ints, {"steps": 4.0})["steps"]) is int


def test_hostile_text() -> None:
    form = form_from_schema(SEEDS[LLAMA2])
    assert problem(SEEDS[LLAMA2], {"prompt": "a\x00b"}) == "Prompt: contains a NUL character."
    assert "lone surrogate" in problem(SEEDS[LLAMA2], {"prompt": "a\ud800b"})
    assert "too long" in problem(SEEDS[LLAMA2], {"prompt": "x" * 200_001})
    assert "must be text" in problem(SEEDS[LLAMA2], {"prompt": {"a": 1}})
    assert coerce_inputs(form, {"prompt": "  spaced  "})["prompt"] == "  spaced  "


def test_files(tmp_path: Path) -> None:
    form = form_from_schema(SEEDS[ESRGAN])
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    image = uploads / "photo.png"
    image.write_bytes(b"png")
    assert coerce_inputs(form, {"image": str(image)}, file_roots=[uploads]) == {
        "image": image.resolve()}
    url = "https://example.com/photo.png"
    assert coerce_inputs(form, {"image": url})["image"] == url  # a URL is sent as it is
    assert problem(SEEDS[ESRGAN], {"image": "/etc/passwd"}, file_roots=[uploads]) == \
        "Image: only files uploaded here can be used."
    assert problem(SEEDS[ESRGAN], {"image": str(uploads / ".." / "uploads" / ".." / "x")},
                   file_roots=[uploads]) == "Image: the uploaded file is gone; upload it again."
    assert problem(SEEDS[ESRGAN], {"image": str(uploads)}) == "Image: is not a file."
    assert problem(SEEDS[ESRGAN], {"image": 3}) == "Image: must be an uploaded file or a URL."


def test_many_files(tmp_path: Path) -> None:
    form = form_from_schema(schema_of({"images": {
        "type": "array", "items": {"type": "string", "format": "uri"}}}))
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    a.write_bytes(b"a")
    b.write_bytes(b"b")
    assert coerce_inputs(form, {"images": [str(a), b, None]}) == {
        "images": [a.resolve(), b.resolve()]}
    assert coerce_inputs(form, {"images": []}) == {}


def test_json_fields() -> None:
    schema = schema_of({"tags": {"type": "array", "items": {"type": "string"}},
                        "extra": {"title": "Extra"}})
    form = form_from_schema(schema)
    assert coerce_inputs(form, {"tags": '["a", "b"]', "extra": "3"}) == {
        "tags": ["a", "b"], "extra": 3}
    assert problem(schema, {"tags": '{"a": 1}'}) == "Tags: must be a JSON array."
    assert problem(schema, {"tags": "[1,"}).startswith("Tags: is not valid JSON (")
    assert problem(schema, {"extra": "NaN"}).startswith("Extra: is not valid JSON")
    assert problem(schema, {"extra": "[" * 100 + "]" * 100}) == "Extra: is nested too deeply."
    assert problem(schema, {"extra": "[" * 100_000 + "]" * 100_000}) in (
        "Extra: is nested too deeply.", "Extra: is too long.")
    assert problem(schema, {"extra": [float("inf")]}) == \
        "Extra: must not contain NaN or infinity."


def test_unknown_names_are_refused() -> None:
    form = form_from_schema(SEEDS[ESRGAN])
    with pytest.raises(ValueError, match="Not inputs of this model: tile"):
        coerce_inputs(form, {"image": "https://example.com/a.png", "tile": 4})


def test_a_secret_is_sent_but_a_blank_one_is_not() -> None:
    form = form_from_schema(schema_of({"key": {"type": "string", "x-cog-secret": True}}))
    assert coerce_inputs(form, {"key": "r8_abc"}) == {"key": "r8_abc"}
    assert coerce_inputs(form, {"key": ""}) == {}
    assert coerce_value(form["key"], None) is None
