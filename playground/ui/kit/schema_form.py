"""Gradio components for any model: its form from the schema's fields, and its outputs by
type. Used by the Models tab and Compare; layout only, no service calls.

`render_form(form, values, prefix)` must run inside a `@gr.render` (or a layout block): it makes
one component per field, in the schema's order, with the first few and the required ones in
view and the rest under "More inputs".
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from playground.forms import Field, InputForm, OutputView, media_kind

IN_VIEW = 6  # fields shown before "More inputs" (required ones always are)
# Every form's @gr.render, one at a time: two renders of one session at once change Gradio's
# block table while the other walks it ("dictionary changed size during iteration", with a
# Compare session loaded beside the Models tab; gradio-app/gradio#9991). A render takes ms.
ONE_RENDER_AT_A_TIME: dict[str, Any] = {"concurrency_id": "schema-form-render",
                                        "concurrency_limit": 1}
_ID = re.compile(r"[^A-Za-z0-9_-]+")


def elem_id(prefix: str, name: str) -> str:
    return f"{prefix}-in-{_ID.sub('-', name)[:60]}"


# --- the form ---------------------------------------------------------------------------------

def render_form(form: InputForm, values: Mapping[str, Any] | None, prefix: str
                ) -> list[gr.components.Component]:
    """One component per field (in `form` order), filled from `values` or the defaults."""
    values = values or {}
    shown = [f for i, f in enumerate(form) if i < IN_VIEW or f.required]
    more = [f for f in form if f not in shown]
    made: dict[str, gr.components.Component] = {}
    for field in shown:
        made[field.name] = field_component(field, values.get(field.name), prefix)
    if more:
        with gr.Accordion(f"More inputs ({len(more)})", open=False,
                          elem_id=f"{prefix}-more-inputs"):
            for field in more:
                made[field.name] = field_component(field, values.get(field.name), prefix)
    return [made[f.name] for f in form]


def field_component(field: Field, value: Any, prefix: str) -> gr.components.Component:
    """The component for one field; `value` (else the default) fills it. Components without
    an `info` line (files, JSON) get the description as a small note under them."""
    component, has_info = _component(field, value, prefix)
    info = _info(field)
    if info and not has_info:
        gr.Markdown(html.escape(info), elem_classes=["run-details", "field-info"],
                    elem_id=f"{elem_id(prefix, field.name)}-info")
    return component


def _component(field: Field, value: Any, prefix: str) -> tuple[gr.components.Component, bool]:
    start = value if value is not None else field.default
    label = field.label + (" *" if field.required else "")
    common: dict[str, Any] = {"label": label, "elem_id": elem_id(prefix, field.name),
                              "key": f"{prefix}:{field.name}", "interactive": True}
    with_info = {**common, "info": _info(field)}
    kind = field.kind
    if kind == "choice":
        choices = [(str(c), c) for c in field.choices]
        if not field.required and not field.has_default:
            choices = [("(model's default)", ""), *choices]
            start = "" if start is None else start
        return gr.Dropdown(choices=choices, value=start, filterable=len(choices) > 8,
                           **with_info), True
    if kind == "slider":
        low, high = field.minimum, field.maximum
        assert low is not None and high is not None
        return gr.Slider(low, high, value=start if start is not None else low, step=field.step,
                         **with_info), True
    if kind in ("integer", "number"):
        return gr.Number(value=start, precision=0 if kind == "integer" else None,
                         **with_info), True
    if kind == "checkbox":
        return gr.Checkbox(value=bool(start), **with_info), True
    if kind in ("text", "textarea"):
        long = kind == "textarea"
        return gr.Textbox(value=start or "", lines=4 if long else 1,
                          max_lines=20 if long else 1, **with_info), True
    if kind == "password":  # never filled in from anything: typed for each session
        return gr.Textbox(value="", type="password", placeholder="Secret: sent to the model "
                          "only, never saved or shown", **with_info), True
    if kind == "file":
        if field.file_kind == "image":
            return gr.Image(type="filepath", sources=["upload", "clipboard"], height=240,
                            **common), False
        if field.file_kind == "audio":
            return gr.Audio(type="filepath", sources=["upload", "microphone"], **common), False
        if field.file_kind == "video":
            return gr.Video(sources=["upload"], height=240, **common), False
        return gr.File(type="filepath", **common), False
    if kind == "files":
        return gr.File(type="filepath", file_count="multiple", **common), False
    text = "" if start is None else json.dumps(start, ensure_ascii=False)
    return gr.Code(value=text, language="json", lines=2, **common), False


def form_values(form: InputForm, raw: Iterable[Any]) -> dict[str, Any]:
    """The components' values back as {name: value}: files as their server paths."""
    out: dict[str, Any] = {}
    for field, value in zip(form, raw, strict=False):
        if field.kind == "choice" and value == "" and "" not in field.choices:
            value = None
        out[field.name] = _path(value) if field.is_file else value
    return out


def _path(value: Any) -> Any:
    if isinstance(value, list):
        return [_path(v) for v in value if v]
    if isinstance(value, dict):  # FileData (a video's inside "video"), when not preprocessed
        inner = value.get("video")
        return _path(inner) if isinstance(inner, dict) else value.get("path")
    return value


def _info(field: Field) -> str | None:
    parts = []
    if field.description and field.description.lower() != field.label.lower():
        text = " ".join(field.description.split())
        parts.append(text if len(text) <= 300 else text[:299] + "…")
    if field.kind in ("integer", "number", "slider") and field.range_text():
        parts.append(f"({field.range_text()})")
    if field.is_file and field.has_default:
        parts.append("Leave empty to use the model's default file.")
    if field.note:
        parts.append(field.note)
    return " ".join(parts) or None


# --- outputs ----------------------------------------------------------------------------------

@dataclass
class OutputArea:
    """Every way an output can be shown; one run shows the ones its output needs."""

    text: gr.Textbox
    gallery: gr.Gallery
    image: gr.Image
    audio: gr.Audio
    video: gr.Video
    json: gr.JSON
    files: gr.File

    @property
    def components(self) -> list[gr.components.Component]:
        return [self.text, self.gallery, self.image, self.audio, self.video, self.json,
                self.files]

    def cleared(self) -> dict[Any, Any]:
        return {c: gr.update(value=None, visible=False) for c in self.components}

    def streaming(self, text: str) -> dict[Any, Any]:
        return {self.text: gr.update(value=text, visible=True)}

    def show(self, view: OutputView, output: Any, files: list[Path], text: str) -> dict[Any, Any]:
        """Updates for a finished run: `files` are its outputs saved locally, `text` its
        output as text."""
        shown = self.cleared()
        kinds = [media_kind(f) for f in files]
        images = [str(f) for f, k in zip(files, kinds, strict=True) if k == "image"]
        audio = next((str(f) for f, k in zip(files, kinds, strict=True) if k == "audio"), None)
        video = next((str(f) for f, k in zip(files, kinds, strict=True) if k == "video"), None)
        if view.kind in ("text", "text_stream") or (not files and isinstance(output, str)):
            shown[self.text] = gr.update(value=text, visible=True)
        elif view.kind == "json" or not files:
            shown[self.json] = gr.update(value=_json_safe(output, files), visible=True)
            if isinstance(output, dict) and text and text != str(output):
                shown[self.text] = gr.update(value=text, visible=True)  # e.g. a transcription
        if view.kind == "file" and len(images) == 1 and len(files) == 1:
            shown[self.image] = gr.update(value=images[0], visible=True)
        elif images:
            shown[self.gallery] = gr.update(value=images, visible=True)
        if audio:
            shown[self.audio] = gr.update(value=audio, visible=True)
        if video:
            shown[self.video] = gr.update(value=video, visible=True)
        if files:
            shown[self.files] = gr.update(value=[str(f) for f in files], visible=True)
        return shown


def output_area(prefix: str) -> OutputArea:
    return OutputArea(
        text=gr.Textbox(label="Output", lines=8, max_lines=30, interactive=False,
                        visible=False, buttons=["copy"], elem_id=f"{prefix}-out-text"),
        gallery=gr.Gallery(label="Images", visible=False, columns=2, height=420,
                           elem_id=f"{prefix}-out-gallery", elem_classes=["checker"]),
        image=gr.Image(label="Image", type="filepath", visible=False, interactive=False,
                       height=420, elem_id=f"{prefix}-out-image", elem_classes=["checker"],
                       buttons=["download", "fullscreen"]),
        audio=gr.Audio(label="Audio", type="filepath", visible=False, interactive=False,
                       elem_id=f"{prefix}-out-audio"),
        video=gr.Video(label="Video", visible=False, interactive=False,
                       elem_id=f"{prefix}-out-video"),
        json=gr.JSON(label="Output", visible=False, elem_id=f"{prefix}-out-json"),
        files=gr.File(label="Download", file_count="multiple", visible=False,
                      interactive=False, elem_id=f"{prefix}-out-files"),
    )


def _json_safe(output: Any, files: list[Path], depth: int = 0) -> Any:
    """The output for a JSON view: long data URIs shortened, so the page stays light."""
    if depth > 32:
        return "…"
    if isinstance(output, str):
        return output if len(output) <= 2000 else output[:80] + f"… ({len(output):,} chars)"
    if isinstance(output, list | tuple):
        return [_json_safe(v, files, depth + 1) for v in output]
    if isinstance(output, dict):
        return {str(k): _json_safe(v, files, depth + 1) for k, v in output.items()}
    if isinstance(output, Path):
        return output.name
    return output


def model_card_markdown(ref: str, description: str, version: str | None, official: bool,
                        run_count: int | None, url: str | None) -> str:
    """The Models tab's header for a model: title, badges, description, version."""
    title = html.escape(ref)
    if url and url.startswith("https://replicate.com/"):
        title = f"[{title}]({html.escape(url)})"
    badges = []
    if official:
        badges.append("<span class='pill ok'>Official</span>")
    if run_count:
        runs = "run" if run_count == 1 else "runs"
        badges.append(f"<span class='pill stop'>{run_count:,} {runs}</span>")
    lines = [f"### {title} {' '.join(badges)}"]
    if description:
        lines.append(html.escape(" ".join(description.split())))
    if version:
        lines.append(f"<span class='run-details'>Version <code>{html.escape(version[:12])}"
                     f"</code>{' (latest)' if official else ''}</span>")
    return "\n\n".join(lines)
