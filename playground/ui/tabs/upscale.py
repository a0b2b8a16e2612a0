"""Upscale tab: Real-ESRGAN makes an image larger and sharper; before/after slider."""

from __future__ import annotations

from typing import Any

import gradio as gr

from playground.results import RunResult
from playground.service import Caller, OnUpdate
from playground.tasks import by_module
from playground.ui.context import AppContext
from playground.ui.kit import widgets
from playground.ui.kit.inputs import IMAGE_HINT, image_size, require_file
from playground.ui.kit.runner import (
    PROGRESS,
    Run,
    bind,
    path_of,
    run_panel,
    wire_run,
)
from playground.ui.kit.widgets import ImageView
from playground.ui.tabs.upscale_size import FULL, PREVIEW, PREVIEW_SIDE, SPEED, SizePlan

ROW = by_module(__name__)  # this tab's row of the task table
TAB, TASK = ROW.tab, ROW.id  # "upscale", "upscale"


def build(ctx: AppContext) -> None:
    widgets.intro("Make a small or blurry picture larger and sharper with **Real-ESRGAN**. "
                  "Drag the slider on the result to compare before and after.")
    init = widgets.initial(ctx, TASK)
    with gr.Row(equal_height=False):
        with gr.Column(scale=2, min_width=300):
            preset, about = widgets.preset_picker(ctx, TAB, TASK)
            image = gr.Image(type="filepath", label="Image", sources=["upload", "clipboard"],
                             elem_id=f"{TAB}-image", height=300)
            scale = gr.Slider(1, 10, value=init.get("scale", 4), step=1, label="Scale",
                              info="How many times larger (4 = four times the width and height)",
                              elem_id=f"{TAB}-scale")
            face = gr.Checkbox(bool(init.get("face_enhance", False)), label="Face enhance",
                               info="Also restore faces (slower)", elem_id=f"{TAB}-face-enhance")
            # Offline only (the CPU takes minutes for a big photo); shown once a picture that
            # a preview would reduce is dropped, each choice with its result size and time.
            size = gr.Radio([("Full size", FULL), ("Quick preview", PREVIEW)], value=FULL,
                            label="Size", elem_id=f"{TAB}-size", visible=False)
            run_btn, cancel_btn = widgets.run_buttons(TAB, "Upscale")
        with gr.Column(scale=3, min_width=360):
            slider = gr.ImageSlider(label="Before / after", type="filepath", format="png",
                                    elem_id=f"{TAB}-output", height=420, interactive=False,
                                    buttons=["fullscreen"])
            download = gr.DownloadButton("Download", visible=False, elem_id=f"{TAB}-download",
                                         variant="secondary")
            panel = run_panel(TAB)
    widgets.check_on_upload(ctx, image, panel.status, "the image", TAB)
    widgets.wire_preset(ctx, TAB, TASK, preset, about, {"scale": scale, "face_enhance": face})
    if ctx.backend.is_local:
        gr.on([image.change, scale.change, preset.change], bind(size_choice, ctx),
              inputs=[image, scale, preset], outputs=[size], preprocess=False,
              api_visibility="private", show_progress="hidden", queue=False)

    view = ImageView(panel, slider, download)
    widgets.reopen_image_tab(ctx, TAB, view, image, show_source=True)
    wire_run(ctx, TAB, panel, run_btn, cancel_btn, bind(upscale, ctx, view),
             inputs=[image, scale, face, preset, size], outputs=[slider, download],
             progress_on=[slider], preprocess=False, stale=widgets.stale_image(view))


def plan_for(ctx: AppContext, image: Any, scale: float, preset: str | None) -> SizePlan | None:
    """The size choice for this picture, or None when there is no picture (or no scale)."""
    given = image_size(path_of(image) or "")
    try:
        factor = float(scale)
    except (TypeError, ValueError):
        return None
    if given is None or not 0 < factor <= 10:
        return None
    return SizePlan(given, factor, ctx.presets.image_side(TASK, widgets.preset_value(preset)))


def size_choice(ctx: AppContext, image: Any, scale: float, preset: str | None) -> Any:
    """Full size or a quick preview, each with its result size and time in words."""
    plan = plan_for(ctx, image, scale, preset)
    if plan is None or not (plan.has_choice or plan.over_limit):
        # hidden, it is Full size again (a preview chosen for the last picture is not this one's)
        return gr.Radio(value=FULL, visible=False)
    return gr.Radio(choices=plan.choices(), info=plan.info(), visible=True)


async def upscale(ctx: AppContext, view: ImageView, image: Any, scale: float,
                  face_enhance: bool, preset: str | None, size: str | None = FULL,
                  token: str | None = None, request: gr.Request | None = None,
                  progress: gr.Progress = PROGRESS) -> Any:
    """Upscale: the image larger and sharper, before and after. `size` "preview" reduces a
    picture to 512 px first (seconds, offline); "full" keeps it as it is, up to the limit."""
    image_path = path_of(image)
    run = Run(ctx, TAB, request, token, progress)
    plan = plan_for(ctx, image, scale, preset) if ctx.backend.is_local else None
    preview = size == PREVIEW
    # past the engine's largest result at this scale: reduced to what it takes, and said
    side = PREVIEW_SIDE if preview else (max(plan.full) if plan and plan.over_limit else None)

    async def call(token: str | None, on_update: OnUpdate, caller: Caller) -> RunResult:
        path = require_file(image_path, "The image", IMAGE_HINT,
                            ctx.max_upload_bytes, image=True)
        return await ctx.service.upscale(
            str(path), scale=_number(scale), face_enhance=bool(face_enhance),
            preset=widgets.preset_value(preset), max_image_side=side,
            token=token, on_update=on_update, caller=caller,
        )

    async for update in run.execute(call, view.panel):
        yield update
    if run.result is None:
        return
    predict_time = run.result.metrics.get("predict_time")
    if plan is not None and run.result.reused is None and isinstance(predict_time, int | float):
        SPEED.observe(plan.sent(size or FULL), float(predict_time))  # the next estimates
    yield widgets.image_result_updates(run, view, image_path, show_source=True,
                                       reduced_why=plan.why_reduced(size or FULL) if plan else "")


def _number(value: float) -> int | float:
    """Whole scales go as integers (4, not 4.0): some models validate `scale` as an int."""
    return int(value) if float(value).is_integer() else float(value)

