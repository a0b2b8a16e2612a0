"""Forms from real schemas: the local engine's models (over HTTP) and the recorded/seed ones."""

from __future__ import annotations

from typing import Any

import pytest

from playground.forms import Field, SchemaProblem, form_from_schema, output_view

from .conftest import seed_schemas

SEEDS = seed_schemas()
SDXL = "stability-ai/sdxl:39ed52f2a78e934b3ba6e2a89f5b1c712de7dfea535525255b1aa35c5565e08b"
WHISPER = "openai/whisper:8099696689d249cf8b122d833c36ac3f75505c666a395ca40ef26f68e7d3d16e"
WHISPER_OLD = "openai/whisper:4d50797290df275329f202e48c76360b3f22b08d28c196cbc54600319435f8d2"
ESRGAN = "nightmareai/real-esrgan:42fed1c4974146d4d2414e2be2c5277c7fcf05fcc3a73abf41610695738c1d7b"
REMBG = "cjwbw/rembg:fb8af171cfa1616ddcf1242c093f9c46bcada5ad4cf6f2fbe8b81b330ec5c003"
GFPGAN = "tencentarc/gfpgan:9283608cc6b7be6b65a8e44983db012355fde4132009bf99d976b2f0896856a3"
LLAMA2 = "meta/llama-2-70b-chat:02e509c789964a7ea8736978a43525956ef40397be9033abf9fd2badfe68c9e3"
LLAMA3 = "meta/meta-llama-3.1-405b-instruct"


def kinds(schema: dict[str, Any]) -> dict[str, str]:
    return {f.name: f.kind for f in form_from_schema(schema)}


def slider(f: Field) -> tuple[Any, ...]:
    assert f.kind == "slider", f
    return (f.minimum, f.maximum, f.default, f.step)


# --- recorded and seed schemas of the six real models ---------------------------------------

def test_sdxl() -> None:
    form = form_from_schema(SEEDS[SDXL])
    assert form.names[:8] == ["prompt", "negative_prompt", "image", "mask", "width", "height",
                              "num_outputs", "scheduler"]  # x-order, not the API's key order
    assert form["prompt"].kind == "textarea"
    assert form["prompt"].default == "An astronaut riding a rainbow unicorn"
    assert form["negative_prompt"].kind == "textarea" and form["negative_prompt"].default == ""
    assert (form["image"].kind, form["image"].file_kind) == ("file", "image")
    assert (form["mask"].kind, form["mask"].file_kind) == ("file", "image")
    # width/height have a default but no bounds: integer boxes, not sliders
    assert (form["width"].kind, form["width"].default, form["width"].value_type) == (
        "integer", 1024, "integer")
    assert slider(form["num_outputs"]) == (1, 4, 1, 1)
    assert form["num_outputs"].value_type == "integer"
    assert slider(form["guidance_scale"]) == (1, 50, 7.5, 0.1)
    assert slider(form["prompt_strength"]) == (0, 1, 0.8, 0.01)  # a minimum of 0 is a bound
    assert slider(form["lora_scale"]) == (0, 1, 0.6, 0.01)
    assert slider(form["num_inference_steps"]) == (1, 500, 50, 1)
    scheduler = form["scheduler"]  # allOf -> $ref -> an enum schema, as Cog emits it
    assert scheduler.kind == "choice" and scheduler.default == "K_EULER"
    assert scheduler.choices == ("DDIM", "DPMSolverMultistep", "HeunDiscrete", "KarrasDPM",
                                 "K_EULER_ANCESTRAL", "K_EULER", "PNDM")
    assert scheduler.label == "Scheduler" and scheduler.description == "scheduler"
    assert form["refine"].choices == ("no_refiner", "expert_ensemble_refiner",
                                      "base_image_refiner")
    assert form["refine"].description == "Which refine style to use"
    assert (form["apply_watermark"].kind, form["apply_watermark"].default) == ("checkbox", True)
    assert form["seed"].kind == "integer" and not form["seed"].has_default
    assert form["replicate_weights"].kind == "text"
    assert not any(f.required for f in form)  # SDXL marks nothing required
    assert not any(f.kind == "json" for f in form)
    assert output_view(SEEDS[SDXL]).kind == "files"  # a list of images: a gallery


@pytest.mark.parametrize("ref", [WHISPER, WHISPER_OLD])
def test_whisper(ref: str) -> None:
    form = form_from_schema(SEEDS[ref])
    audio = form["audio"]
    assert (audio.kind, audio.file_kind, audio.required) == ("file", "audio", True)
    assert form.names[0] == "audio"
    assert form["transcription"].choices == ("plain text", "srt", "vtt")
    assert form["transcription"].default == "plain text"
    language = form["language"]
    assert language.kind == "choice" and "en" in language.choices and "Cantonese" in \
        language.choices
    assert form["translate"].kind == "checkbox" and form["translate"].default is False
    assert form["temperature"].kind == "number" and form["temperature"].default == 0
    assert form["patience"].kind == "number" and not form["patience"].has_default
    assert form["initial_prompt"].kind == "textarea"
    assert form["suppress_tokens"].kind == "text" and form["suppress_tokens"].default == "-1"
    assert form["logprob_threshold"].default == -1
    assert output_view(SEEDS[ref]).kind == "json"  # an object with text and file URLs


def test_whisper_language_default_differs_by_version() -> None:
    assert form_from_schema(SEEDS[WHISPER])["language"].default == "auto"
    old = form_from_schema(SEEDS[WHISPER_OLD])["language"]
    assert not old.has_default and not old.required  # the form offers "no value"
    assert form_from_schema(SEEDS[WHISPER_OLD])["model"].kind == "text"


def test_real_esrgan() -> None:
    form = form_from_schema(SEEDS[ESRGAN])
    assert form.names == ["image", "scale", "face_enhance"]
    assert (form["image"].kind, form["image"].file_kind, form["image"].required) == (
        "file", "image", True)
    assert slider(form["scale"]) == (0, 10, 4, 0.1)  # minimum 0 taken as given
    assert form["scale"].value_type == "number"
    assert form["face_enhance"].kind == "checkbox" and form["face_enhance"].default is False
    assert output_view(SEEDS[ESRGAN]).kind == "file"


def test_rembg_image_with_an_empty_default_is_still_an_image_upload() -> None:
    form = form_from_schema(SEEDS[REMBG])
    image = form["image"]
    assert (image.kind, image.file_kind, image.required, image.default) == (
        "file", "image", False, None)
    assert output_view(SEEDS[REMBG]).kind == "file"


def test_gfpgan() -> None:
    form = form_from_schema(SEEDS[GFPGAN])
    assert form.names == ["img", "version", "scale"]
    assert (form["img"].kind, form["img"].file_kind) == ("file", "image")  # "img" is an image
    assert form["version"].choices == ("v1.2", "v1.3", "v1.4", "RestoreFormer")
    assert form["version"].default == "v1.4"
    assert form["version"].description.startswith("GFPGAN version")
    assert form["scale"].kind == "number" and form["scale"].default == 2  # no bounds given


def test_llama() -> None:
    form = form_from_schema(SEEDS[LLAMA2])
    assert form["prompt"].required and form["prompt"].kind == "textarea"
    assert form["system_prompt"].kind == "textarea"
    assert slider(form["temperature"]) == (0.01, 5, 0.75, 0.01)
    assert slider(form["top_p"]) == (0, 1, 0.9, 0.01)
    top_k = form["top_k"]  # only a minimum: a number box that keeps integers
    assert (top_k.kind, top_k.minimum, top_k.maximum, top_k.default) == ("integer", 0, None, 50)
    assert isinstance(top_k.minimum, int)
    assert form["min_new_tokens"].minimum == -1 and form["min_new_tokens"].default == -1
    assert form["debug"].kind == "checkbox"
    assert output_view(SEEDS[LLAMA2]).kind == "text_stream"
    form3 = form_from_schema(SEEDS[LLAMA3])
    assert form3["prompt_template"].kind == "textarea"
    assert form3["max_tokens"].kind == "integer" and form3["max_tokens"].default == 512
    assert output_view(SEEDS[LLAMA3]).kind == "text_stream"


def test_every_seed_schema_gives_a_full_form() -> None:
    for ref, schema in SEEDS.items():
        form = form_from_schema(schema)
        assert len(form) == len(schema["components"]["schemas"]["Input"]["properties"]), ref
        assert not [f.name for f in form if f.kind == "json"], ref


# --- the local engine's models, schemas fetched over HTTP -----------------------------------

def test_every_local_model_gives_a_form(local_schemas: dict[str, Any]) -> None:
    assert set(local_schemas) == {"local/smollm2-135m-instruct", "local/whisper-tiny-en",
                                  "local/real-esrgan", "local/rembg", "local/face-enhance",
                                  "local/sd-turbo"}
    for ref, schema in local_schemas.items():
        form = form_from_schema(schema)
        props = schema["components"]["schemas"]["Input"]["properties"]
        assert form.names == sorted(props, key=lambda n: props[n]["x-order"]), ref
        assert not [f.name for f in form if f.kind == "json"], ref


def test_local_chat(local_schemas: dict[str, Any]) -> None:
    schema = local_schemas["local/smollm2-135m-instruct"]
    form = form_from_schema(schema)
    assert kinds(schema) == {
        "prompt": "textarea", "system_prompt": "textarea", "min_tokens": "integer",
        "max_tokens": "slider", "temperature": "slider", "top_p": "slider",
        "top_k": "integer", "presence_penalty": "slider", "frequency_penalty": "slider",
        "stop_sequences": "text", "prompt_template": "textarea", "seed": "integer"}
    assert slider(form["max_tokens"]) == (1, 4096, 512, 1)
    assert form["max_tokens"].value_type == "integer"
    assert slider(form["temperature"]) == (0, 5, 0.6, 0.01)
    assert slider(form["presence_penalty"]) == (-2, 2, 0, 0.01)
    # llama.cpp's int32 top_k: too wide a range for a slider; the seed it repeats
    assert (form["top_k"].minimum, form["top_k"].maximum) == (0, 2**31 - 1)
    assert (form["seed"].minimum, form["seed"].maximum) == (0, 2**32 - 2)
    assert output_view(schema).kind == "text_stream"


def test_local_whisper(local_schemas: dict[str, Any]) -> None:
    schema = local_schemas["local/whisper-tiny-en"]
    form = form_from_schema(schema)
    assert (form["audio"].kind, form["audio"].file_kind) == ("file", "audio")
    assert form["transcription"].choices == ("plain text", "srt", "vtt")
    assert form["language"].kind == "choice" and not form["language"].has_default
    assert slider(form["temperature"]) == (0, 1, 0, 0.01)
    patience = form["patience"]  # no default: a number box, within what CTranslate2 takes
    assert (patience.kind, patience.minimum, patience.maximum) == ("number", 0.1, 1e18)
    assert form["suppress_tokens"].kind == "text"
    assert output_view(schema).kind == "json"


def test_local_image_models(local_schemas: dict[str, Any]) -> None:
    esrgan = form_from_schema(local_schemas["local/real-esrgan"])
    assert esrgan["image"].required and esrgan["image"].file_kind == "image"
    assert slider(esrgan["scale"]) == (0, 10, 4, 0.1) and esrgan["scale"].exclusive_minimum
    rembg = form_from_schema(local_schemas["local/rembg"])
    assert rembg["model"].choices == ("modnet", "u2netp") and rembg["model"].default == "modnet"
    faces = form_from_schema(local_schemas["local/face-enhance"])
    assert (faces["img"].kind, faces["img"].file_kind) == ("file", "image")
    scale = faces["scale"]  # 0 < scale <= 8: a slider whose lower end is excluded
    assert slider(scale) == (0, 8, 2, 0.01) and scale.exclusive_minimum
    assert scale.range_text() == "more than 0 and at most 8"
    sd = local_schemas["local/sd-turbo"]
    assert kinds(sd)["num_outputs"] == "slider" and kinds(sd)["scheduler"] == "choice"
    assert output_view(sd).kind == "files"
    for ref in ("local/real-esrgan", "local/rembg", "local/face-enhance"):
        assert output_view(local_schemas[ref]).kind == "file"


# --- schemas the generator must survive -------------------------------------------------------

def schema_of(props: dict[str, Any], required: list[str] | None = None,
              **components: Any) -> dict[str, Any]:
    inp: dict[str, Any] = {"type": "object", "title": "Input", "properties": props}
    if required is not None:
        inp["required"] = required
    return {"components": {"schemas": {"Input": inp, **components}}}


def test_secret_is_a_password_with_no_default() -> None:
    form = form_from_schema(schema_of({"hf_token": {
        "type": "string", "format": "password", "x-cog-secret": True, "writeOnly": True,
        "default": "hunter2", "title": "Hf Token"}}))
    token = form["hf_token"]
    assert token.kind == "password" and token.secret and not token.has_default
    assert form.defaults() == {}


def test_arrays_of_files_and_other_arrays() -> None:
    form = form_from_schema(schema_of({
        "images": {"type": "array", "items": {"type": "string", "format": "uri"},
                   "description": "Reference photos"},
        "audio_files": {"type": "array", "items": {"type": "string", "format": "uri"}},
        "tags": {"type": "array", "items": {"type": "string"}, "default": ["a"]},
    }))
    assert (form["images"].kind, form["images"].file_kind) == ("files", "image")
    assert (form["audio_files"].kind, form["audio_files"].file_kind) == ("files", "audio")
    assert form["tags"].kind == "json" and "JSON" in form["tags"].note
    assert form["tags"].default == ["a"]


@pytest.mark.parametrize(("name", "description", "default", "expected"), [
    ("input_video", "", None, "video"),
    ("clip", "", None, "video"),
    ("song", "", None, "audio"),
    ("speaker_wav", "", None, "audio"),
    ("target", "The face to swap in", None, "image"),
    ("source", "", "https://example.com/a/b.mp3?x=1", "audio"),
    ("weights", "A .tar of LoRA weights", None, "any"),
    ("input_file", "", None, "any"),
])
def test_file_kind(name: str, description: str, default: str | None, expected: str) -> None:
    prop = {"type": "string", "format": "uri", "description": description}
    if default:
        prop["default"] = default
    assert form_from_schema(schema_of({name: prop}))[name].file_kind == expected


def test_textarea_hints() -> None:
    form = form_from_schema(schema_of({
        "story": {"type": "string", "format": "textarea"},
        "style_prompt": {"type": "string"},
        "name": {"type": "string"},
        "notes": {"type": "string", "default": "line one\nline two"},
    }))
    assert [f.kind for f in form] == ["textarea", "textarea", "text", "textarea"]


def test_an_odd_input_becomes_json_and_the_rest_still_work() -> None:
    form = form_from_schema(schema_of({
        "prompt": {"type": "string", "x-order": 0},
        "mystery": {"x-order": 1, "title": "Mystery"},
        "union": {"anyOf": [{"type": "string"}, {"type": "integer"}], "x-order": 2},
        "broken_ref": {"allOf": [{"$ref": "#/components/schemas/Nope"}], "x-order": 3},
        "loop": {"$ref": "#/components/schemas/Loop", "x-order": 4},
        "not_a_dict": 7,
        "options": {"type": "object", "x-order": 5},
        "nullable": {"anyOf": [{"type": "integer", "minimum": 1, "maximum": 3},
                               {"type": "null"}], "x-order": 6, "default": 2},
    }, Loop={"$ref": "#/components/schemas/Loop"}))
    assert form["prompt"].kind == "textarea"
    for name in ("mystery", "union", "broken_ref", "loop", "not_a_dict", "options"):
        assert form[name].kind == "json" and form[name].note, name
    assert "Nope" in form["broken_ref"].note
    assert slider(form["nullable"]) == (1, 3, 2, 1)
    assert form.names[-1] == "not_a_dict"  # no x-order: after the ordered ones


def test_choices_keep_their_types_and_bad_bounds_are_ignored() -> None:
    form = form_from_schema(schema_of({
        "steps": {"type": "integer", "enum": [1, 2, 4], "default": 4},
        "size": {"type": "number", "minimum": float("nan"), "maximum": 3},
        "flat": {"type": "number", "minimum": 1, "maximum": 1, "default": 1},
        "flag": {"type": "boolean", "default": "yes"},
    }))
    steps = form["steps"]
    assert steps.choices == (1, 2, 4) and steps.default == 4 and steps.value_type == "integer"
    assert form["size"].kind == "number" and form["size"].minimum is None
    assert form["flat"].kind == "number"  # a slider needs a range
    assert form["flag"].kind == "checkbox" and not form["flag"].has_default


@pytest.mark.parametrize("schema", [
    None, {}, {"components": {}}, {"components": {"schemas": {"Output": {}}}},
    {"components": {"schemas": {"Input": "nope"}}},
    {"components": {"schemas": {"Input": {"properties": ["a"]}}}},
    {"components": {"schemas": {"Input": {"properties": {
        f"x{i}": {"type": "string"} for i in range(301)}}}}},
])
def test_missing_or_malformed_schema_is_a_plain_problem(schema: Any) -> None:
    with pytest.raises(SchemaProblem) as info:
        form_from_schema(schema)
    assert "schema" in str(info.value).lower() or "inputs" in str(info.value)


def test_a_model_with_no_inputs_has_an_empty_form() -> None:
    assert len(form_from_schema(schema_of({}))) == 0


def test_an_optional_bounded_number_without_default_stays_a_box() -> None:
    form = form_from_schema(schema_of({
        "seed": {"type": "integer", "minimum": 0, "maximum": 2**32 - 1},
        "steps": {"type": "integer", "minimum": 1, "maximum": 8},
    }, required=["steps"]))
    assert (form["seed"].kind, form["seed"].minimum, form["seed"].maximum) == (
        "integer", 0, 2**32 - 1)
    assert form["steps"].kind == "slider" and form["steps"].step == 1
