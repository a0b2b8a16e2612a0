"""The Gradio side of any model's form: which component each field becomes, and which output
views a result shows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import gradio as gr

from playground.forms import OutputView, form_from_schema
from playground.ui.kit.schema_form import form_values, output_area, render_form

SEEDS = json.loads((Path(__file__).parent.parent / "fixtures" /
                    "seed-model-schemas.json").read_text())
SDXL = next(k for k in SEEDS if k.startswith("stability-ai/sdxl"))
WHISPER = next(k for k in SEEDS if k.startswith("openai/whisper:8099"))


def form_of(ref: str) -> Any:
    seed = SEEDS[ref]
    return form_from_schema({"components": {"schemas": {"Input": seed["input"],
                                                        **seed["components"]}}})


def test_each_field_becomes_its_component() -> None:
    form = form_of(SDXL)
    with gr.Blocks():
        made = dict(zip(form.names, render_form(form, {"seed": 7}, "t"), strict=True))
    assert isinstance(made["prompt"], gr.Textbox) and made["prompt"].lines == 4
    assert isinstance(made["image"], gr.Image) and isinstance(made["mask"], gr.Image)
    assert isinstance(made["scheduler"], gr.Dropdown) and made["scheduler"].value == "K_EULER"
    slider = made["guidance_scale"]
    assert isinstance(slider, gr.Slider)
    assert (slider.minimum, slider.maximum, slider.value, slider.step) == (1, 50, 7.5, 0.1)
    assert isinstance(made["width"], gr.Number) and made["width"].precision == 0
    assert made["seed"].value == 7  # a value given (from a link) wins over the default
    assert isinstance(made["apply_watermark"], gr.Checkbox) and made["apply_watermark"].value
    assert made["prompt"].elem_id == "t-in-prompt"
    assert all(c.interactive for c in made.values())


def test_audio_and_an_optional_choice() -> None:
    form = form_of(WHISPER)
    with gr.Blocks():
        made = dict(zip(form.names, render_form(form, None, "t"), strict=True))
    assert isinstance(made["audio"], gr.Audio) and made["audio"].label == "Audio *"
    assert made["language"].value == "auto"
    values = form_values(form, [{"path": "/tmp/gradio/x/a.wav"}, "srt", False, "auto", 0.0,
                                None, "-1", "", True, 0.2, 2.4, -1, 0.6])
    assert values["audio"] == "/tmp/gradio/x/a.wav" and values["transcription"] == "srt"


def test_outputs_by_view(tmp_path: Path) -> None:
    png, wav, srt = tmp_path / "a.png", tmp_path / "b.wav", tmp_path / "c.srt"
    with gr.Blocks():
        area = output_area("t")
    shown = area.show(OutputView("files"), ["u1", "u2"], [png, png], "")
    assert shown[area.gallery]["visible"] and shown[area.files]["visible"]
    assert not shown[area.image]["visible"] and not shown[area.text]["visible"]
    one = area.show(OutputView("file"), "u", [png], "")
    assert one[area.image]["visible"] and not one[area.gallery]["visible"]
    sound = area.show(OutputView("file"), "u", [wav], "")
    assert sound[area.audio]["visible"] and not sound[area.image]["visible"]
    text = area.show(OutputView("text_stream", streams=True), ["a", "b"], [], "ab")
    assert text[area.text] == {"__type__": "update", "value": "ab", "visible": True}
    obj = area.show(OutputView("json"), {"transcription": "hi", "srt_file": srt}, [srt], "hi")
    assert obj[area.json]["visible"] and obj[area.json]["value"]["srt_file"] == "c.srt"
    assert obj[area.text]["value"] == "hi" and obj[area.files]["visible"]
