"""Upscale tab: Real-ESRGAN makes an image larger and sharper; before/after slider."""

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

TAB = "upscale"
TASK = "upscale"


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

    async def upscale(image_value: Any, scale_value: float, face_enhance: bool,
                      preset_name: str | None, token_value: Any, request: gr.Request,
                      progress: gr.Progress = PROGRESS) -> Any:
        image_path = path_of(image_value)
        run = Run(ctx, TAB, panel, request, token_value, progress)

        async def call(token: str | None, on_update: Any) -> Any:
            path = check_image(image_path, "the image", ctx.max_upload_bytes)
            return await ctx.service.upscale(
                str(path), scale=_number(scale_value), face_enhance=bool(face_enhance),
                preset=widgets.preset_value(preset_name), token=token, on_update=on_update,
            )

        async for update in run.execute(call):
            yield update
        if run.result is None:
            return
        yield widgets.image_result_updates(run, panel, image_path, slider, download,
                                           show_source=True)

    wire_run(ctx, TAB, panel, run_btn, cancel_btn, upscale,
             inputs=[image, scale, face, preset], outputs=[slider, download],
             progress_on=[slider], preprocess=False)


def _number(value: float) -> int | float:
    """Whole scales go as integers (4, not 4.0): some models validate `scale` as an int."""
    return int(value) if float(value).is_integer() else float(value)


if __name__ == "__main__":
    from playground.ui.app import main_for

    main_for(TAB)
