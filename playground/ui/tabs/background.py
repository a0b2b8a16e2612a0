"""Remove background tab: rembg cuts the subject out; the result keeps its transparency."""

from __future__ import annotations

from typing import Any

import gradio as gr

from playground.results import RunResult
from playground.service import Caller, OnUpdate
from playground.tasks import by_module
from playground.ui.context import AppContext
from playground.ui.kit import widgets
from playground.ui.kit.inputs import IMAGE_HINT, require_file
from playground.ui.kit.runner import (
    PROGRESS,
    Run,
    bind,
    path_of,
    run_panel,
    wire_run,
)
from playground.ui.kit.widgets import ImageView

ROW = by_module(__name__)  # this tab's row of the task table
TAB, TASK = ROW.tab, ROW.id  # "background", "rembg"


def build(ctx: AppContext) -> None:
    widgets.intro("Cut out the subject of a photo with **rembg**. Transparent areas show as a "
                  "checkerboard; the PNG download keeps the transparency.")
    with gr.Row(equal_height=False):
        with gr.Column(scale=2, min_width=300):
            preset, about = widgets.preset_picker(ctx, TAB, TASK)
            image = gr.Image(type="filepath", label="Image", sources=["upload", "clipboard"],
                             elem_id=f"{TAB}-image", height=320)
            run_btn, cancel_btn = widgets.run_buttons(TAB, "Remove background")
        with gr.Column(scale=3, min_width=360):
            with gr.Tabs(elem_id=f"{TAB}-views"):
                with gr.Tab("Result", id="result"):
                    result = gr.Image(label="Result", type="filepath", format="png",
                                      interactive=False, elem_id=f"{TAB}-output", height=420,
                                      elem_classes=["checker"], buttons=["fullscreen"])
                with gr.Tab("Before / after", id="compare"):
                    slider = gr.ImageSlider(label="Before / after", type="filepath", format="png",
                                            interactive=False, elem_id=f"{TAB}-slider",
                                            height=420, elem_classes=["checker"])
            download = gr.DownloadButton("Download PNG", visible=False, elem_id=f"{TAB}-download")
            panel = run_panel(TAB)
    widgets.check_on_upload(ctx, image, panel.status, "the image", TAB)
    widgets.wire_preset(ctx, TAB, TASK, preset, about, {})

    view = ImageView(panel, slider, download, result)
    widgets.reopen_image_tab(ctx, TAB, view, image, kind="PNG",
                             note=", transparent background")
    wire_run(ctx, TAB, panel, run_btn, cancel_btn, bind(remove, ctx, view), inputs=[image, preset],
             outputs=[result, slider, download], progress_on=[result], preprocess=False,
             stale=widgets.stale_image(view))


async def remove(ctx: AppContext, view: ImageView, image: Any, preset: str | None,
                 token: str | None = None, request: gr.Request | None = None,
                 progress: gr.Progress = PROGRESS) -> Any:
    """Remove background: the subject cut out, transparency kept."""
    image_path = path_of(image)
    run = Run(ctx, TAB, request, token, progress)

    async def call(token: str | None, on_update: OnUpdate, caller: Caller) -> RunResult:
        path = require_file(image_path, "The image", IMAGE_HINT,
                            ctx.max_upload_bytes, image=True)
        return await ctx.service.remove_background(
            str(path), preset=widgets.preset_value(preset),
            token=token, on_update=on_update, caller=caller,
        )

    async for update in run.execute(call, view.panel):
        yield update
    if run.result is None:
        return
    yield widgets.image_result_updates(run, view, image_path, kind="PNG",
                                       note=", transparent background")
