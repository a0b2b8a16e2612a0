"""Presets load, match the real input schemas of their pinned versions, and bad files are named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from schema_checks import check_inputs, render_transcript

from playground.presets import (
    TASKS,
    PresetError,
    for_task,
    load_file,
    load_presets,
)
from playground.service.schema import resolve

SCHEMAS = json.loads((Path(__file__).parents[1] / "fixtures" / "seed-model-schemas.json")
                     .read_text())
PRESETS = load_presets()


def test_every_task_has_a_preset() -> None:
    for task in TASKS:
        presets = for_task(PRESETS, task)  # type: ignore[arg-type]
        assert presets, task
        assert all(p.local_model for p in presets)


@pytest.mark.parametrize("preset", PRESETS.values(), ids=list(PRESETS))
def test_defaults_match_the_pinned_schema(preset) -> None:
    assert preset.model in SCHEMAS, f"{preset.id}: no recorded schema for {preset.model}"
    entry = SCHEMAS[preset.model]
    schema, components = entry["input"], entry.get("components") or {}
    assert check_inputs(preset.defaults, schema, components) == []
    props = schema["properties"]
    named = [*preset.ui.show, *preset.ui.advanced, *preset.ui.labels]
    assert [n for n in named if n not in props] == []
    if preset.file_input:
        assert resolve(props[preset.file_input], components).get("format") == "uri"
    if preset.task == "chat":
        assert {"prompt", "system_prompt"} <= props.keys()
        if preset.chat_for("replicate").prompt_template:
            assert "prompt_template" in props
    if preset.task == "image":
        for w, h in preset.ui.aspect_ratios.values():
            assert check_inputs({"width": w, "height": h}, schema, components) == []


def test_check_inputs_finds_problems() -> None:
    entry = SCHEMAS[PRESETS["sdxl"].model]
    problems = check_inputs(
        {"widht": 3, "num_outputs": 9, "scheduler": "EULER", "guidance_scale": "7",
         "apply_watermark": 1, "num_inference_steps": True},
        entry["input"], entry["components"])
    assert problems == [
        "widht: not an input of this model",
        "num_outputs: 9 is above the maximum 4",
        "scheduler: 'EULER' is not one of ['DDIM', 'DPMSolverMultistep', 'HeunDiscrete', "
        "'KarrasDPM', 'K_EULER_ANCESTRAL', 'K_EULER', 'PNDM']",
        "guidance_scale: '7' is not of type number",
        "apply_watermark: 1 is not of type boolean",
        "num_inference_steps: True is not of type integer",
    ]


def test_llama_preset_renders_a_llama3_transcript() -> None:
    preset = PRESETS["llama-3.1-405b"]
    settings = preset.chat_for("replicate")
    history = [("user", "Hi"), ("assistant", "Hello!")]
    text = render_transcript(settings.format, "Be brief.", history, "Capital of France?")
    assert text == (
        "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
        "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
        "<|start_header_id|>assistant<|end_header_id|>\n\nHello!<|eot_id|>"
        "<|start_header_id|>user<|end_header_id|>\n\nCapital of France?<|eot_id|>"
        "<|start_header_id|>assistant<|end_header_id|>\n\n")
    assert preset.chat_for("local").format == "chatml"


def test_backend_choice() -> None:
    preset = PRESETS["whisper"]
    assert preset.ref_for("replicate") == preset.ref_for("custom") == preset.model
    assert preset.ref_for("local") == "local/whisper-tiny-en"
    assert "model" in preset.inputs_for("replicate")
    assert "model" not in preset.inputs_for("local")  # local_omit
    chat = PRESETS["llama-3.1-405b"]  # local_defaults merged over defaults on the engine
    assert chat.inputs_for("local")["max_tokens"] == 256
    assert chat.inputs_for("replicate")["max_tokens"] == 512
    upscale = PRESETS["real-esrgan-4x"]
    assert upscale.inputs_for("local")["scale"] == upscale.inputs_for("replicate")["scale"] == 4
    assert upscale.image_side_for("local") == 4096 and upscale.image_side_for("replicate") == 1440


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


GOOD = """task = "upscale"
[[preset]]
id = "x"
title = "X"
model = "nightmareai/real-esrgan:42fed1c4974146d4d2414e2be2c5277c7fcf05fcc3a73abf41610695738c1d7b"
file_input = "image"
[preset.defaults]
scale = 4
"""


def test_bad_field_names_file_and_field(tmp_path: Path) -> None:
    assert load_file(_write(tmp_path, "upscale.toml", GOOD))[0].defaults == {"scale": 4}
    bad = _write(tmp_path, "upscale.toml", GOOD.replace("scale = 4", "scale = { a = 1 }"))
    with pytest.raises(PresetError) as info:
        load_file(bad)
    assert str(info.value).startswith(f"{bad}: preset[0].defaults.scale")
    typo = _write(tmp_path, "faces.toml", GOOD.replace("file_input", "file_inptu"))
    with pytest.raises(PresetError, match=r"faces.toml: preset\[0\].file_inptu: Extra inputs"):
        load_file(typo)
    ref = _write(tmp_path, "a.toml", GOOD.replace("nightmareai/real-esrgan:42fed", "real-esrgan"))
    with pytest.raises(PresetError, match=r"a.toml: preset\[0\].model: Value error, expected"):
        load_file(ref)
    task = _write(tmp_path, "b.toml", GOOD.replace('task = "upscale"', 'task = "video"'))
    with pytest.raises(PresetError, match=r"b.toml: task: Input should be 'image'"):
        load_file(task)
    broken = _write(tmp_path, "c.toml", GOOD + "[[[")
    with pytest.raises(PresetError, match=r"c.toml: not valid TOML"):
        load_file(broken)
    nochat = _write(tmp_path, "d.toml", GOOD.replace('task = "upscale"', 'task = "chat"'))
    with pytest.raises(PresetError, match=r"d.toml: preset\[0\]: Value error, a chat preset"):
        load_file(nochat)


def test_duplicate_ids(tmp_path: Path) -> None:
    _write(tmp_path, "upscale.toml", GOOD)
    _write(tmp_path, "faces.toml", GOOD.replace('"upscale"', '"faces"'))
    with pytest.raises(PresetError, match="preset id 'x' is already used"):
        load_presets(tmp_path)
