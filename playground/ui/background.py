"""Remove background tab: rembg cuts the subject out; the result keeps its transparency."""

from __future__ import annotations

from typing import Any

import gradio as gr

from playground.ui import widgets
from playground.ui.context import AppContext
from playground.ui.inputs import check_image
from playground.ui.runner import (
    PROGRESS,
    Run,
    path_of,
    run_panel,
    wire_run,
)

TAB = "background"
TASK = "rembg"


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

    async def remove(image_value: Any, preset_name: str | None, token_value: Any,
                     request: gr.Request, progress: gr.Progress = PROGRESS) -> Any:
        image_path = path_of(image_value)
        run = Run(ctx, TAB, panel, request, token_value, progress)

        async def call(token: str | None, on_update: Any) -> Any:
            path = check_image(image_path, "the image", ctx.max_upload_bytes)
            return await ctx.service.remove_background(
                str(path), preset=widgets.preset_value(preset_name), token=token,
                on_update=on_update,
            )

        async for update in run.execute(call):
            yield update
        if run.result is None:
            return
        yield widgets.image_result_updates(run, panel, image_path, slider, download,
                                           image=result, kind="PNG",
                                           note=", transparent background")

    wire_run(ctx, TAB, panel, run_btn, cancel_btn, remove, inputs=[image, preset],
             outputs=[result, slider, download], progress_on=[result], preprocess=False)


if __name__ == "__main__":
    from playground.ui.app import main_for

    main_for(TAB)
