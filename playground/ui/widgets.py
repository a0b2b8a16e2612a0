"""Small pieces every tab uses: the intro line, the preset picker, Run/Cancel, result files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from playground.service import RunResult, Task, human_size
from playground.ui.context import AppContext
from playground.ui.inputs import image_size
from playground.ui.runner import Run, RunPanel, details_markdown, no_output

DEFAULT_PRESET = ""


def intro(text: str) -> gr.Markdown:
    return gr.Markdown(text, elem_classes=["tab-intro"])


def preset_picker(ctx: AppContext, tab: str, task: Task) -> tuple[gr.Dropdown, gr.Markdown]:
    """A dropdown of the task's presets and a line describing the chosen one."""
    choices, default = ctx.presets.choices(task)
    if not choices:
        choices, default = [("Default", DEFAULT_PRESET)], DEFAULT_PRESET
    dropdown = gr.Dropdown(
        choices=choices, value=default, label="Preset", elem_id=f"{tab}-preset",
        info="Ready-made settings; you can still change everything below.",
        interactive=len(choices) > 1,
    )
    about = gr.Markdown(
        ctx.presets.describe(task, default),
        elem_id=f"{tab}-preset-info", elem_classes=["run-details"],
    )
    return dropdown, about


def wire_preset(ctx: AppContext, tab: str, task: Task, dropdown: gr.Dropdown, about: gr.Markdown,
                fields: dict[str, gr.components.Component]) -> None:
    """Choosing a preset fills the fields it names (`fields` maps input names to components)."""
    targets = list(fields.values())

    def apply(preset: str | None) -> list[Any]:
        values = ctx.presets.inputs_of(task, preset)
        updates: list[Any] = [ctx.presets.describe(task, preset)]
        for key in fields:
            updates.append(values[key] if key in values else gr.skip())
        return updates

    dropdown.change(apply, inputs=[dropdown], outputs=[about, *targets],
                    api_name=f"{tab}_preset", show_progress="hidden")


def run_buttons(tab: str, label: str = "Run") -> tuple[gr.Button, gr.Button]:
    with gr.Row():
        run = gr.Button(label, variant="primary", elem_id=f"{tab}-run", elem_classes=["run-btn"],
                        scale=3)
        cancel = gr.Button("Cancel", variant="stop", elem_id=f"{tab}-cancel", scale=1,
                           min_width=100)
    return run, cancel


def preset_value(name: Any) -> str | None:
    return str(name) if name else None


def first_file(result: RunResult, suffixes: tuple[str, ...] = ()) -> Path | None:
    for path in result.files:
        if not suffixes or path.suffix.lower() in suffixes:
            return path
    return None


def initial(ctx: AppContext, task: Task) -> dict[str, Any]:
    """The default preset's inputs for this backend: the starting values of a tab's controls."""
    _, default = ctx.presets.choices(task)
    return ctx.presets.inputs_of(task, default)


@dataclass
class ImageView:
    """An image tab's outputs: its run panel, the before/after slider, the download button and
    (for tabs that show the result alone too) a plain image."""

    panel: RunPanel
    slider: gr.ImageSlider
    download: gr.DownloadButton
    image: gr.Image | None = None


def image_result_updates(run: Run, view: ImageView, before: str | None, *,
                         kind: str | None = None, note: str = "",
                         show_source: bool = False) -> dict[Any, Any]:
    """What an image tab shows after a successful run: before/after slider, the download
    button (`kind`, default the file's suffix), status (`note` after the size) and details."""
    assert run.result is not None
    out = first_file(run.result)
    if out is None:
        return {view.panel.status: no_output()}
    size = image_size(out)
    dims = f"{size[0]}×{size[1]} px" if size else "unknown size"
    source = image_size(before or "") if show_source else None
    line = (f"**Output** {dims}" + (f" (from {source[0]}×{source[1]})" if source else "")
            + f", {human_size(out.stat().st_size)}")
    kind = kind or out.suffix.lstrip(".").upper()
    updates: dict[Any, Any] = {
        view.slider: (before, str(out)),
        view.download: gr.DownloadButton(f"Download {kind} · {dims}", value=str(out),
                                         visible=True),
        view.panel.status: run.done_status(f"Output: {dims}{note}."),
        view.panel.details: details_markdown(run.result, [line]),
    }
    if view.image is not None:
        updates[view.image] = str(out)
    return updates
